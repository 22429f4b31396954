#pragma once
// Monotone rational-quadratic spline of one variable (Durkan et al. 2019; docs/reference/flows.md §5) on [-B, B] with K bins and
// identity tails outside. Raw parameters per variable: K width logits, K height logits, K - 1 interior slope
// logits (3K - 1). All-zero raw parameters give the identity. Minimum bin width/height and slope 1e-3.
// The spline maps [-B, B] onto itself, so it cannot move probability mass across +-B: mass outside stays where
// it is (FlowConfig::tail_bound explains the default B).
#include "flowprior/core/types.hpp"

namespace flowprior {

inline constexpr int kMaxSplineBins = 64;
inline constexpr double kSplineMinWidth = 1e-3;
inline constexpr double kSplineMinHeight = 1e-3;
inline constexpr double kSplineMinSlope = 1e-3;

inline constexpr int spline_param_count(int bins) { return 3 * bins - 1; }

// y = g(x), log_det = log g'(x). (A one-row call of rq_spline_forward_rows.)
void rq_spline_forward(const double* theta, int bins, double bound, double x, double& y, double& log_det);
// x = g^{-1}(y), log_det = log (g^{-1})'(y) = -log g'(x).
void rq_spline_inverse(const double* theta, int bins, double bound, double y, double& x, double& log_det);
// Backward of rq_spline_forward: given dL/dy and dL/dlog_det, returns dL/dx and ADDS dL/dtheta to g_theta.
// (A one-row call of rq_spline_forward_rows and rq_spline_backward_rows.)
double rq_spline_backward(const double* theta, int bins, double bound, double x, double dy, double dlog_det,
                          double* g_theta);

// Batched form for the NSF layers (issue 21: the per-value spline with its knot softmaxes computed twice was two
// thirds of an NSF's training time). The rows of one spline coordinate go through in blocks of kSplineLanes, every
// operation lane-wise on fixed-size arrays (the exps and logs in Eigen's packet functions); a partial last block is
// padded, so every row takes the same code path and a row's results do not depend on the rows around it.
// The forward keeps in `tape` what the backward needs (softmaxed widths and heights, bin, slopes and their
// sigmoids), so the backward computes no transcendental function.
inline constexpr int kSplineLanes = 8;

// Doubles of tape for n rows of one coordinate.
Index rq_spline_tape_size(int bins, Index n);

// Row i's raw parameter q sits at theta[q * theta_stride + i] (a column-major batch: one column per parameter).
// y[i] = g_i(x[i]); log_det[i] += log g_i'(x[i]). `tape` (rq_spline_tape_size doubles) may be null.
void rq_spline_forward_rows(const double* theta, Index theta_stride, Index n, int bins, double bound,
                            const double* x, double* y, double* log_det, double* tape);
// Backward of the recorded rq_spline_forward_rows: given dL/dy[i] and dL/dlog_det[i], WRITES dL/dx[i] (through the
// spline only) into dx[i] and dL/dtheta of row i, parameter q into dtheta[q * dtheta_stride + i].
void rq_spline_backward_rows(const double* tape, Index n, int bins, double bound, const double* dy,
                             const double* dlog_det, double* dx, double* dtheta, Index dtheta_stride);

}  // namespace flowprior
