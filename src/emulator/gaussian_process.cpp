#include "flowprior/emulator/gaussian_process.hpp"

#include <LBFGSB.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>
#include <vector>

#if defined(__AVX__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/core/thread_pool.hpp"

namespace flowprior {

namespace {

// Lower triangles (i > j) of the kernel's per-pair factors, one column at a time so every line vectorises (Eigen's
// array exp; the element-by-element loop with libm's scalar exp, three exps per pair, was a fifth of the fit):
// corr(i, j) = k(r) / amplitude and length(i, j) = the factor of d k / d log l_c in
// d k / d log l_c = amplitude * length(i, j) * (x_ic - x_jc)^2 / l_c^2.
void pair_factors(KernelType kernel, const MatrixXd& xs, MatrixXd& corr, MatrixXd& length) {
  const Index n = xs.rows();
  corr.resize(n, n);  // no-ops when the sizes are already right (a workspace reused across evaluations)
  length.resize(n, n);
  Eigen::ArrayXd r2(n);
  for (Index j = 0; j + 1 < n; ++j) {
    const Index m = n - j - 1;
    auto s = r2.head(m);
    s.setZero();
    for (Index c = 0; c < xs.cols(); ++c) s += (xs.col(c).tail(m).array() - xs(j, c)).square();
    if (kernel == KernelType::squared_exponential) {
      corr.col(j).tail(m) = (-0.5 * s).exp().matrix();
      length.col(j).tail(m) = corr.col(j).tail(m);
    } else {
      constexpr double kSqrt5 = 2.2360679774997896964091736687313;
      const Eigen::ArrayXd r = s.sqrt();
      const Eigen::ArrayXd e = (-kSqrt5 * r).exp();
      corr.col(j).tail(m) = ((1.0 + kSqrt5 * r + (5.0 / 3.0) * s) * e).matrix();
      length.col(j).tail(m) = ((5.0 / 3.0) * (1.0 + kSqrt5 * r) * e).matrix();
    }
  }
}

// K^-1 from its Cholesky factor L in n^3 / 3 multiply-adds, against n^3 for llt.solve(I) (two full triangular
// solves that do not know the right-hand side is the identity): L^-1 is lower triangular, so column block
// [j, j + b) of it only needs rows >= j (n^3 / 6 in all), and the lower triangle of K^-1 = L^-T L^-1 in that column
// block is L^-1[j:, j:]^T L^-1[j:, block] (another n^3 / 6). Returns the full symmetric matrix.
void inverse_from_cholesky(const MatrixXd& l_lower, MatrixXd& inv_l, MatrixXd& w) {
  const Index n = l_lower.rows();
  constexpr Index kCols = 32;
  inv_l.setZero(n, n);
  for (Index j = 0; j < n; j += kCols) {
    const Index b = std::min(kCols, n - j);
    auto block = inv_l.block(j, j, n - j, b);
    block.topRows(b).setIdentity();
    l_lower.bottomRightCorner(n - j, n - j).triangularView<Eigen::Lower>().solveInPlace(block);
  }
  w.resize(n, n);
  for (Index j = 0; j < n; j += kCols) {
    const Index b = std::min(kCols, n - j);
    w.block(j, j, n - j, b).noalias() =
        inv_l.bottomRightCorner(n - j, n - j).triangularView<Eigen::Lower>().transpose() * inv_l.block(j, j, n - j, b);
  }
  w.triangularView<Eigen::StrictlyUpper>() = w.transpose();
}

}  // namespace

// The n x n matrices of one evaluation, kept between the optimiser's evaluations: allocated afresh each time
// (700 kB each at n = 300, so straight from mmap) their page faults cost more than a tenth of the fit.
struct GpLmlWorkspace {
  MatrixXd corr, length, k, inv_l, w, g;
  Eigen::LLT<MatrixXd> llt;
};

bool gp_log_marginal_likelihood(KernelType kernel, const MatrixXd& x, const VectorXd& z, const VectorXd& eta,
                                double& value, VectorXd* gradient) {
  GpLmlWorkspace workspace;
  return gp_log_marginal_likelihood(kernel, x, z, eta, value, gradient, workspace);
}

bool gp_log_marginal_likelihood(KernelType kernel, const MatrixXd& x, const VectorXd& z, const VectorXd& eta,
                                double& value, VectorXd* gradient, GpLmlWorkspace& ws) {
  const GpHyper hyper = GpHyper::unpack(eta);
  const Index n = x.rows();
  const int d = static_cast<int>(x.cols());
  const double amplitude = std::exp(hyper.log_amplitude);
  const RowVectorXd inv_length = (-hyper.log_length.array()).exp().matrix().transpose();
  const MatrixXd xs = x.array().rowwise() * inv_length.array();
  MatrixXd& corr = ws.corr;
  MatrixXd& length = ws.length;
  pair_factors(kernel, xs, corr, length);
  // Only the lower triangle of k is filled and read (LLT reads the lower triangle).
  MatrixXd& k = ws.k;
  k.resize(n, n);
  for (Index j = 0; j < n; ++j) {
    k(j, j) = amplitude + std::exp(hyper.log_noise);
    k.col(j).tail(n - j - 1) = amplitude * corr.col(j).tail(n - j - 1);
  }
  Eigen::LLT<MatrixXd>& llt = ws.llt;
  llt.compute(k);
  if (llt.info() != Eigen::Success) return false;
  const VectorXd alpha = llt.solve(z);
  double log_det_half = 0.0;
  for (Index i = 0; i < n; ++i) {
    const double lii = llt.matrixLLT()(i, i);
    if (!(lii > 0.0) || !std::isfinite(lii)) return false;
    log_det_half += std::log(lii);
  }
  value = -0.5 * z.dot(alpha) - log_det_half - 0.5 * static_cast<double>(n) * kLog2Pi;
  if (!std::isfinite(value)) return false;
  if (gradient == nullptr) return true;

  // d lml / d eta_j = 1/2 tr(W dK/d eta_j), W = alpha alpha^T - K^-1.
  MatrixXd& w = ws.w;
  inverse_from_cholesky(llt.matrixLLT(), ws.inv_l, w);
  w = -w;
  w.noalias() += alpha * alpha.transpose();
  MatrixXd& g = ws.g;  // W .* amplitude * length factor, symmetric
  g.resize(n, n);
  double grad_amplitude = 0.0;
  const double diag_length = kernel_length_factor(kernel, 0.0);
  for (Index j = 0; j < n; ++j) {
    const Index m = n - j - 1;
    g(j, j) = w(j, j) * amplitude * diag_length;
    grad_amplitude += w(j, j) * amplitude;
    g.col(j).tail(m) = (w.col(j).tail(m).array() * amplitude * length.col(j).tail(m).array()).matrix();
    grad_amplitude += 2.0 * amplitude * w.col(j).tail(m).dot(corr.col(j).tail(m));
  }
  g.triangularView<Eigen::StrictlyUpper>() = g.transpose();
  // sum_ab G_ab (xs_ad - xs_bd)^2 = 2 sum_a xs_ad^2 rowsum(G)_a - 2 xs_d^T G xs_d (G symmetric).
  const VectorXd row_sum = g.rowwise().sum();
  const MatrixXd gx = g * xs;
  gradient->resize(d + 2);
  (*gradient)[0] = 0.5 * grad_amplitude;
  for (int c = 0; c < d; ++c) {
    const double s = 2.0 * xs.col(c).cwiseAbs2().dot(row_sum) - 2.0 * xs.col(c).dot(gx.col(c));
    (*gradient)[1 + c] = 0.5 * s;
  }
  (*gradient)[d + 1] = 0.5 * std::exp(hyper.log_noise) * w.trace();
  return true;
}

namespace {

struct NotPositiveDefinite {};

// Negative log marginal likelihood for LBFGS-B; remembers the best point it saw so a restart whose line search
// gives up (common near convergence) or that steps into a singular covariance still returns its best point.
class Objective {
 public:
  Objective(KernelType kernel, const MatrixXd& x, const VectorXd& z) : kernel_(kernel), x_(x), z_(z) {}
  double operator()(const VectorXd& eta, VectorXd& grad) {
    double lml = 0.0;
    if (!gp_log_marginal_likelihood(kernel_, x_, z_, eta, lml, &grad, workspace_)) throw NotPositiveDefinite{};
    grad = -grad;
    if (lml > best_value) {
      best_value = lml;
      best_eta = eta;
      best_grad = -grad;
    }
    return -lml;
  }
  double best_value = -std::numeric_limits<double>::infinity();
  VectorXd best_eta;
  VectorXd best_grad;

 private:
  KernelType kernel_;
  const MatrixXd& x_;
  const VectorXd& z_;
  GpLmlWorkspace workspace_;
};

double projected_gradient_norm(const VectorXd& eta, const VectorXd& grad, const VectorXd& lb, const VectorXd& ub) {
  double norm = 0.0;
  for (Index i = 0; i < eta.size(); ++i) {
    // grad is of the log likelihood (ascent direction); components pushing against an active bound do not count.
    const bool at_lower = eta[i] <= lb[i] + 1e-12 && grad[i] < 0.0;
    const bool at_upper = eta[i] >= ub[i] - 1e-12 && grad[i] > 0.0;
    if (!at_lower && !at_upper) norm = std::max(norm, std::abs(grad[i]));
  }
  return norm;
}

}  // namespace

GpRestartResult run_gp_restart(const MatrixXd& x, const VectorXd& z, const GpFitOptions& options, int restart,
                               std::uint64_t stream) {
  const int d = static_cast<int>(x.cols());
  VectorXd lb(d + 2), ub(d + 2);
  lb[0] = std::log(options.min_amplitude);
  ub[0] = std::log(options.max_amplitude);
  lb.segment(1, d).setConstant(std::log(options.min_length));
  ub.segment(1, d).setConstant(std::log(options.max_length));
  lb[d + 1] = std::log(options.min_noise);
  ub[d + 1] = std::log(options.max_noise);

  VectorXd eta(d + 2);
  if (restart == 0) {
    eta[0] = 0.0;
    eta.segment(1, d).setConstant(std::log(0.5));
    eta[d + 1] = std::log(1e-4);
  } else {
    Rng rng(options.seed, stream);
    for (Index i = 0; i < eta.size(); ++i) eta[i] = lb[i] + (ub[i] - lb[i]) * rng.uniform();
  }
  eta = eta.cwiseMax(lb).cwiseMin(ub);

  LBFGSpp::LBFGSBParam<double> param;
  param.max_iterations = options.max_iterations;
  param.epsilon = options.gradient_tolerance;
  param.epsilon_rel = options.gradient_tolerance;
  param.max_linesearch = 40;
  LBFGSpp::LBFGSBSolver<double> solver(param);
  Objective objective(options.kernel, x, z);
  GpRestartResult result;
  double fx = 0.0;
  try {
    result.iterations = solver.minimize(objective, eta, fx, lb, ub);
    result.stop_reason = "converged";
  } catch (const NotPositiveDefinite&) {
    result.stop_reason = "covariance not positive definite";
  } catch (const std::exception& e) {
    result.stop_reason = std::string("line search stopped: ") + e.what();
  }
  if (objective.best_eta.size() > 0) {
    result.ok = true;
    result.eta = objective.best_eta;
    result.log_marginal_likelihood = objective.best_value;
    result.gradient_norm = projected_gradient_norm(result.eta, objective.best_grad, lb, ub);
  }
  return result;
}

GpRestartResult best_gp_restart(const std::vector<GpRestartResult>& results, GpFitSummary& summary,
                                const std::string& what) {
  summary = GpFitSummary{};
  summary.restarts = static_cast<int>(results.size());
  for (std::size_t r = 0; r < results.size(); ++r) {
    if (!results[r].ok) {
      ++summary.failed_restarts;
      continue;
    }
    if (summary.best_restart < 0 ||
        results[r].log_marginal_likelihood > results[summary.best_restart].log_marginal_likelihood) {
      summary.best_restart = static_cast<int>(r);
    }
  }
  if (summary.best_restart < 0) {
    throw Error(ErrorContext{.parameter = what},
                "every hyper-parameter restart failed (covariance never positive definite); check for duplicated "
                "design points or raise the minimum noise");
  }
  const GpRestartResult& best = results[summary.best_restart];
  summary.log_marginal_likelihood = best.log_marginal_likelihood;
  summary.gradient_norm = best.gradient_norm;
  summary.iterations = best.iterations;
  summary.stop_reason = best.stop_reason;
  return best;
}

GaussianProcess::GaussianProcess(KernelType kernel, GpHyper hyper, MatrixXd x, VectorXd z, const std::string& what)
    : kernel_(kernel), hyper_(std::move(hyper)), x_(std::move(x)), z_(std::move(z)) {
  if (x_.rows() != z_.size() || hyper_.dim() != x_.cols()) {
    throw Error(ErrorContext{.parameter = what}, "inputs, targets and length scales have inconsistent sizes");
  }
  const Index n = x_.rows();
  Eigen::LLT<MatrixXd> llt(training_covariance(kernel_, hyper_, x_));
  if (llt.info() != Eigen::Success) {
    throw Error(ErrorContext{.parameter = what}, "training covariance is not positive definite");
  }
  alpha_ = llt.solve(z_);
  MatrixXd inv_l = MatrixXd::Identity(n, n);
  llt.matrixL().solveInPlace(inv_l);
  build_prediction_tables(inv_l);
}

GaussianProcess GaussianProcess::fit(const MatrixXd& x, const VectorXd& z, const GpFitOptions& options,
                                     GpFitSummary* summary, ThreadPool* pool) {
  std::vector<GpRestartResult> results(std::max(1, options.restarts));
  auto task = [&](std::size_t r) {
    results[r] = run_gp_restart(x, z, options, static_cast<int>(r), stream_id({0, r}));
  };
  if (pool != nullptr) {
    pool->parallel_for(results.size(), task);
  } else {
    for (std::size_t r = 0; r < results.size(); ++r) task(r);
  }
  GpFitSummary local;
  const GpRestartResult best = best_gp_restart(results, local, "GP");
  if (summary != nullptr) *summary = local;
  return GaussianProcess(options.kernel, GpHyper::unpack(best.eta), x, z);
}

// Prediction layout. The variance is amplitude - |L^-1 k*|^2 with the explicit inverse of the Cholesky factor,
// computed once here: with the fitted nugget (noise >= min_noise) K is well enough conditioned that the explicit
// inverse loses nothing that matters for a variance, and it turns every prediction into a plain triangular
// matrix-vector product with a fixed order of operations. The product is organised for speed and for batch
// invariance:
//  - L^-1 is cut into panels of kPanelRows consecutive rows; panel g holds columns 0..min(16(g+1), n)-1, stored
//    column after column (16 contiguous values per column, zeros above the diagonal and past row n), so both the
//    8-point block kernel and the single-point kernel stream it contiguously;
//  - every output v_j (and the mean and the squared norm) is one chain of fused multiply-adds in increasing index
//    order starting from 0, the same chain in the block kernel (vectorised across the 8 points) and in the
//    single-point kernel (vectorised across the 16 rows of a panel). Hence a point gets bitwise the same result
//    whether it is predicted alone, in a full block, or in the tail of a batch, whatever the batch size.
//  - kernel values go through one non-inlined function on 8 values at a time for the same reason (a vectorised
//    exp need not round like the scalar one).
namespace {

constexpr double kSqrt5 = 2.2360679774997896964091736687313;
constexpr Index kBlock = 8;       // points per block kernel call; also the kernel-evaluation width
constexpr Index kPanelRows = 16;  // rows of L^-1 per panel
constexpr Index kSubRows = 4;     // rows of a panel the block kernel accumulates at once (4 x 8 accumulators)

Index panel_count(Index n) { return (n + kPanelRows - 1) / kPanelRows; }
Index panel_columns(Index g, Index n) { return std::min((g + 1) * kPanelRows, n); }

[[gnu::noinline]] void kernel_from_r2(KernelType kernel, double amplitude, const double* r2, double* out) {
  using Array8 = Eigen::Array<double, kBlock, 1>;
  const Eigen::Map<const Array8> s(r2);
  Eigen::Map<Array8> k(out);
  if (kernel == KernelType::squared_exponential) {
    k = amplitude * (-0.5 * s).exp();
  } else {
    const Array8 r = s.sqrt();
    k = amplitude * ((1.0 + kSqrt5 * r + (5.0 / 3.0) * s) * (-kSqrt5 * r).exp());
  }
}

}  // namespace

void GaussianProcess::build_prediction_tables(const MatrixXd& inv_chol) {
  const Index n = x_.rows(), d = x_.cols();
  kinv_diag_ = inv_chol.colwise().squaredNorm().transpose();  // K^-1 = L^-T L^-1
  padded_rows_ = (n + kBlock - 1) / kBlock * kBlock;
  const VectorXd inv_length = (-hyper_.log_length.array()).exp().matrix();
  scaled_inputs_.assign(static_cast<std::size_t>(padded_rows_ * d), 0.0);
  for (Index c = 0; c < d; ++c) {
    for (Index m = 0; m < n; ++m) {
      scaled_inputs_[static_cast<std::size_t>(c * padded_rows_ + m)] = x_(m, c) * inv_length[c];
    }
  }
  inv_chol_panels_.clear();
  for (Index g = 0; g < panel_count(n); ++g) {
    for (Index m = 0; m < panel_columns(g, n); ++m) {
      for (Index jj = 0; jj < kPanelRows; ++jj) {
        const Index j = g * kPanelRows + jj;
        inv_chol_panels_.push_back(j < n && m <= j ? inv_chol(j, m) : 0.0);
      }
    }
  }
}

void GaussianProcess::predict_block(const double* scaled, Index stride, double* kt, double* v, double* mean,
                                    double* variance, double prior) const {
  const Index n = x_.rows(), d = x_.cols();
  const double amplitude = std::exp(hyper_.log_amplitude);
  for (Index m = 0; m < n; ++m) {  // kt[m * 8 + p] = k(x_m, point p)
    double r2[kBlock] = {};
    for (Index c = 0; c < d; ++c) {
      const double xm = scaled_inputs_[static_cast<std::size_t>(c * padded_rows_ + m)];
      const double* pc = scaled + c * stride;
      for (Index p = 0; p < kBlock; ++p) {
        const double diff = xm - pc[p];
        r2[p] = std::fma(diff, diff, r2[p]);
      }
    }
    kernel_from_r2(kernel_, amplitude, r2, kt + m * kBlock);
  }
  const double* panel = inv_chol_panels_.data();
  for (Index g = 0; g < panel_count(n); ++g) {
    const Index cols = panel_columns(g, n);
    for (Index s = 0; s < kPanelRows && g * kPanelRows + s < n; s += kSubRows) {
      double* out = v + (g * kPanelRows + s) * kBlock;
#if defined(__AVX__) && defined(__FMA__)
      // GCC does not keep the 4 x 8 accumulators in registers on its own; the same fused multiply-adds by hand.
      static_assert(kSubRows == 4 && kBlock == 8);
      __m256d c0a = _mm256_setzero_pd(), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a, c3a = c0a, c3b = c0a;
      for (Index m = 0; m < cols; ++m) {
        const double* l = panel + m * kPanelRows + s;
        const __m256d ka = _mm256_loadu_pd(kt + m * kBlock), kb = _mm256_loadu_pd(kt + m * kBlock + 4);
        __m256d b = _mm256_broadcast_sd(l);
        c0a = _mm256_fmadd_pd(b, ka, c0a);
        c0b = _mm256_fmadd_pd(b, kb, c0b);
        b = _mm256_broadcast_sd(l + 1);
        c1a = _mm256_fmadd_pd(b, ka, c1a);
        c1b = _mm256_fmadd_pd(b, kb, c1b);
        b = _mm256_broadcast_sd(l + 2);
        c2a = _mm256_fmadd_pd(b, ka, c2a);
        c2b = _mm256_fmadd_pd(b, kb, c2b);
        b = _mm256_broadcast_sd(l + 3);
        c3a = _mm256_fmadd_pd(b, ka, c3a);
        c3b = _mm256_fmadd_pd(b, kb, c3b);
      }
      _mm256_storeu_pd(out, c0a);
      _mm256_storeu_pd(out + 4, c0b);
      _mm256_storeu_pd(out + 8, c1a);
      _mm256_storeu_pd(out + 12, c1b);
      _mm256_storeu_pd(out + 16, c2a);
      _mm256_storeu_pd(out + 20, c2b);
      _mm256_storeu_pd(out + 24, c3a);
      _mm256_storeu_pd(out + 28, c3b);
#else
      double acc[kSubRows][kBlock] = {};
      for (Index m = 0; m < cols; ++m) {
        const double* l = panel + m * kPanelRows + s;
        const double* k = kt + m * kBlock;
        for (Index jj = 0; jj < kSubRows; ++jj) {
          for (Index p = 0; p < kBlock; ++p) acc[jj][p] = std::fma(l[jj], k[p], acc[jj][p]);
        }
      }
      for (Index jj = 0; jj < kSubRows; ++jj) {
        for (Index p = 0; p < kBlock; ++p) out[jj * kBlock + p] = acc[jj][p];
      }
#endif
    }
    panel += cols * kPanelRows;
  }
  double mu[kBlock] = {}, sq[kBlock] = {};
#if defined(__AVX__) && defined(__FMA__)
  __m256d mua = _mm256_setzero_pd(), mub = mua;
  for (Index m = 0; m < n; ++m) {
    const __m256d a = _mm256_broadcast_sd(alpha_.data() + m);
    mua = _mm256_fmadd_pd(a, _mm256_loadu_pd(kt + m * kBlock), mua);
    mub = _mm256_fmadd_pd(a, _mm256_loadu_pd(kt + m * kBlock + 4), mub);
  }
  _mm256_storeu_pd(mu, mua);
  _mm256_storeu_pd(mu + 4, mub);
#else
  for (Index m = 0; m < n; ++m) {
    for (Index p = 0; p < kBlock; ++p) mu[p] = std::fma(alpha_[m], kt[m * kBlock + p], mu[p]);
  }
#endif
  for (Index j = 0; j < n; ++j) {
    for (Index p = 0; p < kBlock; ++p) sq[p] = std::fma(v[j * kBlock + p], v[j * kBlock + p], sq[p]);
  }
  for (Index p = 0; p < kBlock; ++p) {
    mean[p] = mu[p];
    variance[p] = std::max(prior - sq[p], 0.0);
  }
}

void GaussianProcess::predict_one(const double* scaled, Index stride, double* kt, double* v, double& mean,
                                  double& variance, double prior) const {
  const Index n = x_.rows(), d = x_.cols();
  const double amplitude = std::exp(hyper_.log_amplitude);
  for (Index m0 = 0; m0 < padded_rows_; m0 += kBlock) {  // padded rows give unused finite values
    double r2[kBlock] = {};
    for (Index c = 0; c < d; ++c) {
      const double pc = scaled[c * stride];
      const double* xc = scaled_inputs_.data() + c * padded_rows_ + m0;
      for (Index q = 0; q < kBlock; ++q) {
        const double diff = xc[q] - pc;
        r2[q] = std::fma(diff, diff, r2[q]);
      }
    }
    kernel_from_r2(kernel_, amplitude, r2, kt + m0);
  }
  const double* panel = inv_chol_panels_.data();
  for (Index g = 0; g < panel_count(n); ++g) {
    const Index cols = panel_columns(g, n);
    double acc[kPanelRows] = {};
    for (Index m = 0; m < cols; ++m) {
      const double* l = panel + m * kPanelRows;
      for (Index jj = 0; jj < kPanelRows; ++jj) acc[jj] = std::fma(l[jj], kt[m], acc[jj]);
    }
    for (Index jj = 0; jj < kPanelRows; ++jj) v[g * kPanelRows + jj] = acc[jj];
    panel += cols * kPanelRows;
  }
  double mu = 0.0;
  for (Index m = 0; m < n; ++m) mu = std::fma(alpha_[m], kt[m], mu);
  double sq = 0.0;
  for (Index j = 0; j < n; ++j) sq = std::fma(v[j], v[j], sq);
  mean = mu;
  variance = std::max(prior - sq, 0.0);
}

void GaussianProcess::predict(const MatrixXd& x, VectorXd& mean, VectorXd& variance, bool include_noise) const {
  const Index b = x.rows(), d = x_.cols();
  if (x.cols() != d) {
    throw Error(ErrorContext{.parameter = "x"}, "points have " + std::to_string(x.cols()) +
                                                    " columns but the GP has " + std::to_string(d) + " inputs");
  }
  const RowVectorXd inv_length = (-hyper_.log_length.array()).exp().matrix().transpose();
  const MatrixXd scaled = x.array().rowwise() * inv_length.array();
  const double prior = std::exp(hyper_.log_amplitude) + (include_noise ? noise_variance() : 0.0);
  mean.resize(b);
  variance.resize(b);
  std::vector<double> kt(static_cast<std::size_t>(padded_rows_ * kBlock));
  std::vector<double> v(static_cast<std::size_t>(panel_count(x_.rows()) * kPanelRows * kBlock));
  Index i = 0;
  for (; i + kBlock <= b; i += kBlock) {
    predict_block(scaled.data() + i, b, kt.data(), v.data(), mean.data() + i, variance.data() + i, prior);
  }
  for (; i < b; ++i) predict_one(scaled.data() + i, b, kt.data(), v.data(), mean[i], variance[i], prior);
}

void GaussianProcess::leave_one_out(VectorXd& mean, VectorXd& variance) const {
  variance = kinv_diag_.cwiseInverse();
  mean = z_ - alpha_.cwiseQuotient(kinv_diag_);
}

}  // namespace flowprior
