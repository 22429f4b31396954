#pragma once
// Monotone rational-quadratic spline of one variable (Durkan et al. 2019; docs/reference/flows.md §5) on [-B, B] with K bins and
// identity tails outside. Raw parameters per variable: K width logits, K height logits, K - 1 interior slope
// logits (3K - 1). All-zero raw parameters give the identity. Minimum bin width/height and slope 1e-3.
// The spline maps [-B, B] onto itself, so it cannot move probability mass across +-B: mass outside stays where
// it is (FlowConfig::tail_bound explains the default B).
namespace flowprior {

inline constexpr int kMaxSplineBins = 64;
inline constexpr double kSplineMinWidth = 1e-3;
inline constexpr double kSplineMinHeight = 1e-3;
inline constexpr double kSplineMinSlope = 1e-3;

inline constexpr int spline_param_count(int bins) { return 3 * bins - 1; }

// y = g(x), log_det = log g'(x).
void rq_spline_forward(const double* theta, int bins, double bound, double x, double& y, double& log_det);
// x = g^{-1}(y), log_det = log (g^{-1})'(y) = -log g'(x).
void rq_spline_inverse(const double* theta, int bins, double bound, double y, double& x, double& log_det);
// Backward of rq_spline_forward: given dL/dy and dL/dlog_det, returns dL/dx and ADDS dL/dtheta to g_theta.
double rq_spline_backward(const double* theta, int bins, double bound, double x, double dy, double dlog_det,
                          double* g_theta);

}  // namespace flowprior
