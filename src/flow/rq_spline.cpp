#include "flowprior/flow/rq_spline.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <Eigen/Core>

namespace flowprior {
namespace {

// ln(e^{1 - min_slope} - 1): the shift inside softplus so that a zero logit gives slope exactly 1 (identity).
const double kSlopeShift = std::log(std::expm1(1.0 - kSplineMinSlope));

double softplus(double v) { return v > 30 ? v : std::log1p(std::exp(v)); }
double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

struct Knots {  // only the first k (k + 1) entries are set: zeroing all 4 x 64 was 4 % of an NSF's training
  std::array<double, kMaxSplineBins> sx, sy;  // softmax of width and height logits
  std::array<double, kMaxSplineBins + 1> x, y;
};

// The K exps in Eigen's vectorised exp (issue 21: the scalar libm calls of the two softmaxes were a fifth of an NSF's
// training time); same values whatever the batch, since each spline is computed on its own.
void softmax(const double* logits, int k, double* out) {
  const Eigen::Map<const Eigen::ArrayXd> l(logits, k);
  Eigen::Map<Eigen::ArrayXd> o(out, k);
  o = (l - l.maxCoeff()).exp();
  o /= o.sum();
}

void make_knots(const double* theta, int k, double bound, Knots& kn) {
  softmax(theta, k, kn.sx.data());
  softmax(theta + k, k, kn.sy.data());
  const double aw = 1.0 - k * kSplineMinWidth, ah = 1.0 - k * kSplineMinHeight;
  double cx = 0, cy = 0;
  kn.x[0] = kn.y[0] = -bound;
  for (int i = 0; i < k; ++i) {
    cx += kSplineMinWidth + aw * kn.sx[static_cast<std::size_t>(i)];
    cy += kSplineMinHeight + ah * kn.sy[static_cast<std::size_t>(i)];
    kn.x[static_cast<std::size_t>(i) + 1] = -bound + 2 * bound * cx;
    kn.y[static_cast<std::size_t>(i) + 1] = -bound + 2 * bound * cy;
  }
  kn.x[static_cast<std::size_t>(k)] = kn.y[static_cast<std::size_t>(k)] = bound;
}

// Slope at knot i (0..k): 1 at the ends (linear tails), else from theta[2k + i - 1]. Only the two knots of the bin
// a value falls in are needed, so only those two softplus are computed (issue 21: the spline's transcendental
// functions are most of an NSF's training time).
double knot_slope(const double* theta, int k, std::size_t i) {
  if (i == 0 || i == static_cast<std::size_t>(k)) return 1.0;
  return kSplineMinSlope + softplus(theta[2 * k + static_cast<int>(i) - 1] + kSlopeShift);
}

// Largest bin whose left knot is <= v, within 0..k-1.
int find_bin(const std::array<double, kMaxSplineBins + 1>& knots, int k, double v) {
  int b = static_cast<int>(std::upper_bound(knots.begin() + 1, knots.begin() + k, v) - knots.begin()) - 1;
  return std::clamp(b, 0, k - 1);
}

}  // namespace

void rq_spline_forward(const double* theta, int bins, double bound, double x, double& y, double& log_det) {
  if (!(std::abs(x) <= bound)) {  // tails (and NaN) pass through untouched
    y = x;
    log_det = 0;
    return;
  }
  Knots kn;
  make_knots(theta, bins, bound, kn);
  const auto b = static_cast<std::size_t>(find_bin(kn.x, bins, x));
  const double w = kn.x[b + 1] - kn.x[b], h = kn.y[b + 1] - kn.y[b];
  const double s = h / w, d0 = knot_slope(theta, bins, b), d1 = knot_slope(theta, bins, b + 1);
  const double xi = std::clamp((x - kn.x[b]) / w, 0.0, 1.0);
  const double xi1 = xi * (1 - xi);
  const double den = s + (d1 + d0 - 2 * s) * xi1;
  y = kn.y[b] + h * (s * xi * xi + d0 * xi1) / den;
  const double num2 = d1 * xi * xi + 2 * s * xi1 + d0 * (1 - xi) * (1 - xi);
  const double sd = s / den;  // one log instead of three: log g' = log(s^2 num2 / den^2)
  log_det = std::log(sd * sd * num2);
}

void rq_spline_inverse(const double* theta, int bins, double bound, double y, double& x, double& log_det) {
  if (!(std::abs(y) <= bound)) {
    x = y;
    log_det = 0;
    return;
  }
  Knots kn;
  make_knots(theta, bins, bound, kn);
  const auto b = static_cast<std::size_t>(find_bin(kn.y, bins, y));
  const double w = kn.x[b + 1] - kn.x[b], h = kn.y[b + 1] - kn.y[b];
  const double s = h / w, d0 = knot_slope(theta, bins, b), d1 = knot_slope(theta, bins, b + 1);
  const double delta = y - kn.y[b];
  const double e = d1 + d0 - 2 * s;
  const double qa = h * (s - d0) + delta * e;
  const double qb = h * d0 - delta * e;
  const double qc = -s * delta;
  // Rounding can push the discriminant slightly below 0 (docs/reference/flows.md §11).
  const double disc = std::max(qb * qb - 4 * qa * qc, 0.0);
  const double xi = std::clamp(2 * qc / (-qb - std::sqrt(disc)), 0.0, 1.0);
  x = kn.x[b] + xi * w;
  const double xi1 = xi * (1 - xi);
  const double den = s + e * xi1;
  const double num2 = d1 * xi * xi + 2 * s * xi1 + d0 * (1 - xi) * (1 - xi);
  const double sd = s / den;
  log_det = -std::log(sd * sd * num2);
}

double rq_spline_backward(const double* theta, int bins, double bound, double x, double dy, double dlog_det,
                          double* g_theta) {
  if (!(std::abs(x) <= bound)) return dy;
  const int k = bins;
  Knots kn;
  make_knots(theta, k, bound, kn);
  const auto b = static_cast<std::size_t>(find_bin(kn.x, k, x));
  const double w = kn.x[b + 1] - kn.x[b], h = kn.y[b + 1] - kn.y[b];
  const double s = h / w, d0 = knot_slope(theta, bins, b), d1 = knot_slope(theta, bins, b + 1);
  const double xi = std::clamp((x - kn.x[b]) / w, 0.0, 1.0);
  const double xi1 = xi * (1 - xi);
  const double e = d1 + d0 - 2 * s;
  const double den = s + e * xi1;
  const double a_num = s * xi * xi + d0 * xi1;
  const double r = a_num / den;
  const double num2 = d1 * xi * xi + 2 * s * xi1 + d0 * (1 - xi) * (1 - xi);

  // Partials of R = a_num / den and of L = log g' with respect to xi, s, d0, d1.
  const double da_xi = 2 * s * xi + d0 * (1 - 2 * xi), dden_xi = e * (1 - 2 * xi);
  const double da_s = xi * xi, dden_s = 1 - 2 * xi1;
  const double da_d0 = xi1, dden_d0 = xi1;
  const double dden_d1 = xi1;
  const double inv_den2 = 1.0 / (den * den);
  const double dr_xi = (da_xi * den - a_num * dden_xi) * inv_den2;
  const double dr_s = (da_s * den - a_num * dden_s) * inv_den2;
  const double dr_d0 = (da_d0 * den - a_num * dden_d0) * inv_den2;
  const double dr_d1 = (-a_num * dden_d1) * inv_den2;
  const double dl_xi = (2 * d1 * xi + 2 * s * (1 - 2 * xi) - 2 * d0 * (1 - xi)) / num2 - 2 * dden_xi / den;
  const double dl_s = 2 / s + 2 * xi1 / num2 - 2 * dden_s / den;
  const double dl_d0 = (1 - xi) * (1 - xi) / num2 - 2 * dden_d0 / den;
  const double dl_d1 = xi * xi / num2 - 2 * dden_d1 / den;

  const double g_xi = dy * h * dr_xi + dlog_det * dl_xi;
  const double g_s = dy * h * dr_s + dlog_det * dl_s;
  const double g_d0 = dy * h * dr_d0 + dlog_det * dl_d0;
  const double g_d1 = dy * h * dr_d1 + dlog_det * dl_d1;
  const double g_h = dy * r + g_s / w;
  const double g_yk = dy;
  const double g_x = g_xi / w;
  const double g_xk = -g_xi / w;
  const double g_w = -g_xi * xi / w - g_s * s / w;

  // Knot k = -B + 2B sum_{j<k} width_j, bin width = 2B width_k; width = min + (1 - K min) softmax.
  std::array<double, kMaxSplineBins> gw, gh;
  std::fill_n(gw.begin(), k, 0.0);
  std::fill_n(gh.begin(), k, 0.0);
  for (std::size_t j = 0; j < b; ++j) {
    gw[j] = 2 * bound * g_xk;
    gh[j] = 2 * bound * g_yk;
  }
  gw[b] = 2 * bound * g_w;
  gh[b] = 2 * bound * g_h;
  const double aw = 1.0 - k * kSplineMinWidth, ah = 1.0 - k * kSplineMinHeight;
  double dot_w = 0, dot_h = 0;
  for (std::size_t j = 0; j < static_cast<std::size_t>(k); ++j) {
    dot_w += kn.sx[j] * gw[j];
    dot_h += kn.sy[j] * gh[j];
  }
  for (std::size_t j = 0; j < static_cast<std::size_t>(k); ++j) {
    g_theta[j] += aw * kn.sx[j] * (gw[j] - dot_w);
    g_theta[static_cast<std::size_t>(k) + j] += ah * kn.sy[j] * (gh[j] - dot_h);
  }
  // Interior slopes 1..K-1 come from theta[2K + i - 1]; the end slopes are fixed.
  if (b >= 1) g_theta[2 * k + static_cast<int>(b) - 1] += g_d0 * sigmoid(theta[2 * k + static_cast<int>(b) - 1] + kSlopeShift);
  if (b + 1 <= static_cast<std::size_t>(k - 1))
    g_theta[2 * k + static_cast<int>(b)] += g_d1 * sigmoid(theta[2 * k + static_cast<int>(b)] + kSlopeShift);
  return g_x;
}

}  // namespace flowprior
