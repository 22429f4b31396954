#include "flowprior/emulator/gaussian_process.hpp"

#include <LBFGSB.h>

#include <cmath>
#include <exception>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/core/thread_pool.hpp"

namespace flowprior {

bool gp_log_marginal_likelihood(KernelType kernel, const MatrixXd& x, const VectorXd& z, const VectorXd& eta,
                                double& value, VectorXd* gradient) {
  const GpHyper hyper = GpHyper::unpack(eta);
  const Index n = x.rows();
  const int d = static_cast<int>(x.cols());
  const MatrixXd k = training_covariance(kernel, hyper, x);
  Eigen::LLT<MatrixXd> llt(k);
  if (llt.info() != Eigen::Success) return false;
  const auto& l = llt.matrixL();
  const VectorXd alpha = llt.solve(z);
  double log_det_half = 0.0;
  for (Index i = 0; i < n; ++i) {
    const double lii = llt.matrixLLT()(i, i);
    if (!(lii > 0.0) || !std::isfinite(lii)) return false;
    log_det_half += std::log(lii);
  }
  (void)l;
  value = -0.5 * z.dot(alpha) - log_det_half - 0.5 * static_cast<double>(n) * kLog2Pi;
  if (!std::isfinite(value)) return false;
  if (gradient == nullptr) return true;

  // d lml / d eta_j = 1/2 tr(W dK/d eta_j), W = alpha alpha^T - K^-1.
  MatrixXd w = llt.solve(MatrixXd::Identity(n, n));
  w = alpha * alpha.transpose() - w;
  const double amplitude = std::exp(hyper.log_amplitude);
  const RowVectorXd inv_length = (-hyper.log_length.array()).exp().matrix().transpose();
  const MatrixXd xs = x.array().rowwise() * inv_length.array();
  MatrixXd g(n, n);  // W .* amplitude * g(r)
  double grad_amplitude = 0.0;
  for (Index j = 0; j < n; ++j) {
    g(j, j) = w(j, j) * amplitude * kernel_length_factor(kernel, 0.0);
    grad_amplitude += w(j, j) * amplitude;
    for (Index i = j + 1; i < n; ++i) {
      const double r2 = (xs.row(i) - xs.row(j)).squaredNorm();
      g(i, j) = g(j, i) = w(i, j) * amplitude * kernel_length_factor(kernel, r2);
      grad_amplitude += 2.0 * w(i, j) * amplitude * kernel_correlation(kernel, r2);
    }
  }
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
    if (!gp_log_marginal_likelihood(kernel_, x_, z_, eta, lml, &grad)) throw NotPositiveDefinite{};
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
  inv_chol_t_ = inv_l.transpose().triangularView<Eigen::Upper>();
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

void GaussianProcess::predict(const MatrixXd& x, VectorXd& mean, VectorXd& variance, bool include_noise) const {
  MatrixXd k_star;
  cross_covariance(kernel_, hyper_, x, x_, k_star);
  mean.noalias() = k_star * alpha_;
  const MatrixXd v = k_star * inv_chol_t_.triangularView<Eigen::Upper>();
  const double prior = std::exp(hyper_.log_amplitude) + (include_noise ? noise_variance() : 0.0);
  variance = (prior - v.rowwise().squaredNorm().array()).cwiseMax(0.0).matrix();
}

void GaussianProcess::leave_one_out(VectorXd& mean, VectorXd& variance) const {
  // K^-1 = L^-T L^-1: its diagonal is the squared row norms of L^-T.
  const VectorXd kinv_diag = inv_chol_t_.rowwise().squaredNorm();
  variance = kinv_diag.cwiseInverse();
  mean = z_ - alpha_.cwiseQuotient(kinv_diag);
}

}  // namespace flowprior
