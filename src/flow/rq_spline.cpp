#include "flowprior/flow/rq_spline.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Core>

namespace flowprior {
namespace {

// ln(e^{1 - min_slope} - 1): the shift inside softplus so that a zero logit gives slope exactly 1 (identity).
const double kSlopeShift = std::log(std::expm1(1.0 - kSplineMinSlope));

double softplus(double v) { return v > 30 ? v : std::log1p(std::exp(v)); }

// The scalar knots below serve rq_spline_inverse (sampling); the density direction and its backward run the batched
// kernel further down.
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

// ---- Batched density direction and backward (rq_spline.hpp, rq_spline_forward_rows) ----
namespace {

constexpr int kLanes = kSplineLanes;
using Lanes = Eigen::Array<double, kLanes, 1>;  // one value per row of a block; fixed size: no scalar tail

// Per block, the tape holds 2K + kSplineTapeScalars fields of kLanes doubles: the K softmaxed widths, the K
// softmaxed heights, then these (the bin index and the inside flag as 0/1 doubles).
enum SplineTapeField { kTapeBin, kTapeW, kTapeH, kTapeS, kTapeD0, kTapeD1, kTapeXi, kTapeSig0, kTapeSig1, kTapeInside,
                       kSplineTapeScalars };
Index spline_tape_fields(int k) { return 2 * k + kSplineTapeScalars; }

// m <= kLanes consecutive doubles, zero-padded: pad rows are the identity spline at 0 and are never stored. A full
// block is one vector load (lane by lane, the stores then the vector reload stalled store forwarding: a quarter of
// the softmax time); both are plain copies, so the values are the same.
Lanes load_lanes(const double* p, Index m) {
  if (m == kLanes) return Eigen::Map<const Lanes>(p);
  Lanes a = Lanes::Zero();
  for (Index l = 0; l < m; ++l) a[l] = p[l];
  return a;
}

Lanes tape_lanes(const double* block, Index field) { return Eigen::Map<const Lanes>(block + field * kLanes); }
void set_tape(double* block, Index field, const Lanes& a) { Eigen::Map<Lanes>(block + field * kLanes) = a; }

// Softmax of K logits per lane; logit q of the block's rows at p + q * stride.
void softmax_lanes(const double* p, Index stride, Index m, int k, Lanes* out) {
  Lanes mx = Lanes::Constant(-std::numeric_limits<double>::infinity());
  for (int q = 0; q < k; ++q) {
    out[q] = load_lanes(p + q * stride, m);
    mx = mx.max(out[q]);
  }
  Lanes sum = Lanes::Zero();
  for (int q = 0; q < k; ++q) {
    out[q] = (out[q] - mx).exp();
    sum += out[q];
  }
  for (int q = 0; q < k; ++q) out[q] /= sum;
}

// Lane-wise (a < b, a <= b or a == b) ? t : f in Eigen's packets. Eigen 3.4's Array select is not vectorised, and
// lane-by-lane stores followed by vector loads stall store forwarding (they were most of the kernel's time).
enum class LaneCmp { less, less_equal, equal };
template <LaneCmp cmp>
Lanes select_if(const Lanes& a, const Lanes& b, const Lanes& t, const Lanes& f) {
  namespace ei = Eigen::internal;
  using Packet = ei::packet_traits<double>::type;
  constexpr int kPacket = ei::packet_traits<double>::size;
  static_assert(kLanes % kPacket == 0, "a block is whole packets");
  Lanes out;
  for (int i = 0; i < kLanes; i += kPacket) {
    const Packet pa = ei::ploadu<Packet>(a.data() + i), pb = ei::ploadu<Packet>(b.data() + i);
    Packet m;
    if constexpr (cmp == LaneCmp::less) m = ei::pcmp_lt(pa, pb);
    else if constexpr (cmp == LaneCmp::less_equal) m = ei::pcmp_le(pa, pb);
    else m = ei::pcmp_eq(pa, pb);
    ei::pstoreu(out.data() + i, ei::pselect(m, ei::ploadu<Packet>(t.data() + i), ei::ploadu<Packet>(f.data() + i)));
  }
  return out;
}
Lanes lanes_of(double v) { return Lanes::Constant(v); }

// The first m lanes to p (a full block in one store), or added to p.
void store_lanes(const Lanes& a, double* p, Index m) {
  if (m == kLanes) Eigen::Map<Lanes>{p} = a;
  else
    for (Index l = 0; l < m; ++l) p[l] = a[l];
}
void add_lanes(const Lanes& a, double* p, Index m) {
  if (m == kLanes) Eigen::Map<Lanes>{p} += a;
  else
    for (Index l = 0; l < m; ++l) p[l] += a[l];
}

// softplus(z) and its derivative sigmoid(z) from one exp e = e^z: log1p(e) (as log(u) e / (u - 1), u = 1 + e, exact to
// rounding; Goldberg's trick as in Eigen's generic log1p) and e / (1 + e). Above z = 30 softplus is z, so its
// derivative is 1 (the cap also keeps e finite).
void softplus_sigmoid(const Lanes& z, Lanes& sp, Lanes& sig) {
  const Lanes e = z.min(30.0).exp();
  const Lanes u = 1.0 + e;
  const Lanes l1p = select_if<LaneCmp::equal>(u, lanes_of(1.0), e, u.log() * e / (u - 1.0));
  sp = select_if<LaneCmp::less>(lanes_of(30.0), z, z, l1p);
  sig = select_if<LaneCmp::less>(lanes_of(30.0), z, lanes_of(1.0), e / u);
}

void forward_block(const double* theta, Index ts, Index m, int k, double bound, const double* x_in, double* y_out,
                   double* log_det, double* tape) {
  const Lanes x = load_lanes(x_in, m);
  Lanes sx[kMaxSplineBins], sy[kMaxSplineBins];
  softmax_lanes(theta, ts, m, k, sx);
  softmax_lanes(theta + k * ts, ts, m, k, sy);
  const double aw = 1.0 - k * kSplineMinWidth, ah = 1.0 - k * kSplineMinHeight;

  // Knots from the left; at every interior knot i <= x the bin becomes i (the largest bin whose left knot is <= x,
  // within 0..K-1), with its knots and the logits of its two slopes (knot i's slope logit is theta[2K + i - 1]; the
  // end knots have slope 1 and no logit).
  Lanes cx = sx[0] * aw + kSplineMinWidth, cy = sy[0] * ah + kSplineMinHeight;
  Lanes kx = -bound + 2 * bound * cx, ky = -bound + 2 * bound * cy;  // knot 1
  if (k == 1) kx = ky = lanes_of(bound);
  Lanes bin = Lanes::Zero(), xlo = lanes_of(-bound), ylo = lanes_of(-bound), xhi = kx, yhi = ky;
  Lanes slope_logit = k > 1 ? load_lanes(theta + 2 * k * ts, m) : Lanes::Zero();  // knot 1's
  Lanes z0 = Lanes::Zero(), z1 = slope_logit;
  for (int i = 1; i < k; ++i) {  // kx, ky, slope_logit: knot i
    cx += kSplineMinWidth + aw * sx[i];
    cy += kSplineMinHeight + ah * sy[i];
    const Lanes nx = i + 1 == k ? lanes_of(bound) : Lanes(-bound + 2 * bound * cx);
    const Lanes ny = i + 1 == k ? lanes_of(bound) : Lanes(-bound + 2 * bound * cy);
    const Lanes next_logit = i + 1 < k ? load_lanes(theta + (2 * k + i) * ts, m) : Lanes::Zero();
    bin = select_if<LaneCmp::less_equal>(kx, x, lanes_of(i), bin);
    xlo = select_if<LaneCmp::less_equal>(kx, x, kx, xlo);
    ylo = select_if<LaneCmp::less_equal>(kx, x, ky, ylo);
    xhi = select_if<LaneCmp::less_equal>(kx, x, nx, xhi);
    yhi = select_if<LaneCmp::less_equal>(kx, x, ny, yhi);
    z0 = select_if<LaneCmp::less_equal>(kx, x, slope_logit, z0);
    z1 = select_if<LaneCmp::less_equal>(kx, x, next_logit, z1);
    kx = nx;
    ky = ny;
    slope_logit = next_logit;
  }
  Lanes sp0, sig0, sp1, sig1;
  softplus_sigmoid(z0 + kSlopeShift, sp0, sig0);
  softplus_sigmoid(z1 + kSlopeShift, sp1, sig1);
  const Lanes d0 = select_if<LaneCmp::equal>(bin, Lanes::Zero(), lanes_of(1.0), kSplineMinSlope + sp0);
  const Lanes d1 = select_if<LaneCmp::equal>(bin, lanes_of(k - 1), lanes_of(1.0), kSplineMinSlope + sp1);
  sig0 = select_if<LaneCmp::equal>(bin, Lanes::Zero(), Lanes::Zero(), sig0);
  sig1 = select_if<LaneCmp::equal>(bin, lanes_of(k - 1), Lanes::Zero(), sig1);

  const Lanes w = xhi - xlo, h = yhi - ylo;
  const Lanes s = h / w;
  const Lanes xi = ((x - xlo) / w).max(0.0).min(1.0);
  const Lanes xi1 = xi * (1 - xi);
  const Lanes den = s + (d1 + d0 - 2 * s) * xi1;
  const Lanes y = ylo + h * (s * xi * xi + d0 * xi1) / den;
  const Lanes num2 = d1 * xi * xi + 2 * s * xi1 + d0 * (1 - xi) * (1 - xi);
  const Lanes sd = s / den;  // one log instead of three: log g' = log(s^2 num2 / den^2)
  const Lanes ld = (sd * sd * num2).log();
  // Tails (and NaN) pass through untouched.
  const Lanes inside = select_if<LaneCmp::less_equal>(x.abs(), lanes_of(bound), lanes_of(1.0), Lanes::Zero());
  store_lanes(select_if<LaneCmp::equal>(inside, lanes_of(1.0), y, x), y_out, m);
  add_lanes(select_if<LaneCmp::equal>(inside, lanes_of(1.0), ld, Lanes::Zero()), log_det, m);
  if (!tape) return;
  for (int q = 0; q < k; ++q) {
    set_tape(tape, q, sx[q]);
    set_tape(tape, k + q, sy[q]);
  }
  double* t = tape + 2 * k * kLanes;
  set_tape(t, kTapeBin, bin);
  set_tape(t, kTapeW, w);
  set_tape(t, kTapeH, h);
  set_tape(t, kTapeS, s);
  set_tape(t, kTapeD0, d0);
  set_tape(t, kTapeD1, d1);
  set_tape(t, kTapeXi, xi);
  set_tape(t, kTapeSig0, sig0);
  set_tape(t, kTapeSig1, sig1);
  set_tape(t, kTapeInside, inside);
}

void backward_block(const double* tape, Index m, int k, double bound, const double* dy_in, const double* dl_in,
                    double* dx, double* dtheta, Index ds) {
  const double* t = tape + 2 * k * kLanes;
  const Lanes bin = tape_lanes(t, kTapeBin), w = tape_lanes(t, kTapeW), h = tape_lanes(t, kTapeH);
  const Lanes s = tape_lanes(t, kTapeS), d0 = tape_lanes(t, kTapeD0), d1 = tape_lanes(t, kTapeD1);
  const Lanes xi = tape_lanes(t, kTapeXi), sig0 = tape_lanes(t, kTapeSig0), sig1 = tape_lanes(t, kTapeSig1);
  const Lanes inside = tape_lanes(t, kTapeInside);
  const Lanes dy = load_lanes(dy_in, m), dlog_det = load_lanes(dl_in, m);

  const Lanes xi1 = xi * (1 - xi);
  const Lanes e = d1 + d0 - 2 * s;
  const Lanes den = s + e * xi1;
  const Lanes a_num = s * xi * xi + d0 * xi1;
  const Lanes r = a_num / den;
  const Lanes num2 = d1 * xi * xi + 2 * s * xi1 + d0 * (1 - xi) * (1 - xi);

  // Partials of R = a_num / den and of L = log g' with respect to xi, s, d0, d1.
  const Lanes da_xi = 2 * s * xi + d0 * (1 - 2 * xi), dden_xi = e * (1 - 2 * xi);
  const Lanes da_s = xi * xi, dden_s = 1 - 2 * xi1;
  const Lanes& da_d0 = xi1;
  const Lanes& dden_d0 = xi1;
  const Lanes& dden_d1 = xi1;
  const Lanes inv_den2 = 1.0 / (den * den);
  const Lanes dr_xi = (da_xi * den - a_num * dden_xi) * inv_den2;
  const Lanes dr_s = (da_s * den - a_num * dden_s) * inv_den2;
  const Lanes dr_d0 = (da_d0 * den - a_num * dden_d0) * inv_den2;
  const Lanes dr_d1 = (-a_num * dden_d1) * inv_den2;
  const Lanes dl_xi = (2 * d1 * xi + 2 * s * (1 - 2 * xi) - 2 * d0 * (1 - xi)) / num2 - 2 * dden_xi / den;
  const Lanes dl_s = 2.0 / s + 2 * xi1 / num2 - 2 * dden_s / den;
  const Lanes dl_d0 = (1 - xi) * (1 - xi) / num2 - 2 * dden_d0 / den;
  const Lanes dl_d1 = xi * xi / num2 - 2 * dden_d1 / den;

  const Lanes g_xi = dy * h * dr_xi + dlog_det * dl_xi;
  const Lanes g_s = dy * h * dr_s + dlog_det * dl_s;
  const Lanes g_d0 = dy * h * dr_d0 + dlog_det * dl_d0;
  const Lanes g_d1 = dy * h * dr_d1 + dlog_det * dl_d1;
  const Lanes g_h = dy * r + g_s / w;
  const Lanes& g_yk = dy;
  const Lanes g_x = g_xi / w;
  const Lanes g_xk = -g_xi / w;
  const Lanes g_w = -g_xi * xi / w - g_s * s / w;

  // Knot k = -B + 2B sum_{j<k} width_j, bin width = 2B width_k; width = min + (1 - K min) softmax.
  Lanes gw[kMaxSplineBins], gh[kMaxSplineBins];
  Lanes dot_w = Lanes::Zero(), dot_h = Lanes::Zero();
  const Lanes gw_before = 2 * bound * g_xk, gw_at = 2 * bound * g_w, gh_before = 2 * bound * g_yk,
              gh_at = 2 * bound * g_h;
  for (int j = 0; j < k; ++j) {
    const Lanes lj = lanes_of(j);
    gw[j] = select_if<LaneCmp::less>(lj, bin, gw_before,
                                     select_if<LaneCmp::equal>(lj, bin, gw_at, Lanes::Zero()));
    gh[j] = select_if<LaneCmp::less>(lj, bin, gh_before,
                                     select_if<LaneCmp::equal>(lj, bin, gh_at, Lanes::Zero()));
    dot_w += tape_lanes(tape, j) * gw[j];
    dot_h += tape_lanes(tape, k + j) * gh[j];
  }
  const double aw = 1.0 - k * kSplineMinWidth, ah = 1.0 - k * kSplineMinHeight;
  const Lanes one = lanes_of(1.0), zero = Lanes::Zero();
  const auto put = [&](Index q, const Lanes& g) {  // tails get no parameter gradient
    store_lanes(select_if<LaneCmp::equal>(inside, one, g, zero), dtheta + q * ds, m);
  };
  for (int j = 0; j < k; ++j) {
    put(j, aw * tape_lanes(tape, j) * (gw[j] - dot_w));
    put(k + j, ah * tape_lanes(tape, k + j) * (gh[j] - dot_h));
  }
  // Interior slopes 1..K-1 come from theta[2K + i - 1]; the end slopes are fixed.
  const Lanes gz0 = g_d0 * sig0, gz1 = g_d1 * sig1, bin1 = bin + 1.0;
  for (int i = 1; i < k; ++i) {
    const Lanes li = lanes_of(i);
    put(2 * k + i - 1,
        select_if<LaneCmp::equal>(li, bin, gz0, select_if<LaneCmp::equal>(li, bin1, gz1, zero)));
  }
  store_lanes(select_if<LaneCmp::equal>(inside, one, g_x, dy), dx, m);
}

}  // namespace

Index rq_spline_tape_size(int bins, Index n) { return (n + kLanes - 1) / kLanes * spline_tape_fields(bins) * kLanes; }

void rq_spline_forward_rows(const double* theta, Index theta_stride, Index n, int bins, double bound,
                            const double* x, double* y, double* log_det, double* tape) {
  const Index block_tape = spline_tape_fields(bins) * kLanes;
  for (Index i0 = 0, blk = 0; i0 < n; i0 += kLanes, ++blk)
    forward_block(theta + i0, theta_stride, std::min<Index>(kLanes, n - i0), bins, bound, x + i0, y + i0,
                  log_det + i0, tape ? tape + blk * block_tape : nullptr);
}

void rq_spline_backward_rows(const double* tape, Index n, int bins, double bound, const double* dy,
                             const double* dlog_det, double* dx, double* dtheta, Index dtheta_stride) {
  const Index block_tape = spline_tape_fields(bins) * kLanes;
  for (Index i0 = 0, blk = 0; i0 < n; i0 += kLanes, ++blk)
    backward_block(tape + blk * block_tape, std::min<Index>(kLanes, n - i0), bins, bound, dy + i0, dlog_det + i0,
                   dx + i0, dtheta + i0, dtheta_stride);
}

void rq_spline_forward(const double* theta, int bins, double bound, double x, double& y, double& log_det) {
  double ld = 0;
  rq_spline_forward_rows(theta, 1, 1, bins, bound, &x, &y, &ld, nullptr);
  log_det = ld;
}

double rq_spline_backward(const double* theta, int bins, double bound, double x, double dy, double dlog_det,
                          double* g_theta) {
  std::vector<double> tape(static_cast<std::size_t>(rq_spline_tape_size(bins, 1)));
  double y = 0, ld = 0, dx = 0;
  rq_spline_forward_rows(theta, 1, 1, bins, bound, &x, &y, &ld, tape.data());
  std::array<double, 3 * kMaxSplineBins> g{};
  rq_spline_backward_rows(tape.data(), 1, bins, bound, &dy, &dlog_det, &dx, g.data(), 1);
  for (int q = 0; q < spline_param_count(bins); ++q) g_theta[q] += g[static_cast<std::size_t>(q)];
  return dx;
}

}  // namespace flowprior
