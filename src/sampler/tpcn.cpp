#include "flowprior/sampler/tpcn.hpp"

#include <cmath>

#include "flowprior/core/error.hpp"
#include "flowprior/sampler/persistent_weights.hpp"

namespace flowprior {
namespace {

constexpr double kNuMax = 1e6;

double digamma(double x) {
  double r = 0;
  while (x < 6) {
    r -= 1 / x;
    x += 1;
  }
  const double f = 1 / (x * x);
  return r + std::log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

MatrixXd robust_cholesky(const MatrixXd& cov) {
  const Index d = cov.rows();
  MatrixXd c = cov;
  double jitter = 1e-12 * std::max(cov.diagonal().mean(), 1e-300);
  for (int attempt = 0; attempt < 20; ++attempt) {
    Eigen::LLT<MatrixXd> llt(c);
    if (llt.info() == Eigen::Success) return llt.matrixL();
    c = cov + jitter * MatrixXd::Identity(d, d);
    jitter *= 10;
  }
  throw Error("mutation: particle covariance is not positive definite (all particles identical?)");
}

// Squared Mahalanobis distances of the rows of theta from mean under L L^T.
VectorXd mahalanobis(const MatrixXd& theta, const VectorXd& mean, const MatrixXd& chol) {
  MatrixXd delta = (theta.rowwise() - mean.transpose()).transpose();
  chol.triangularView<Eigen::Lower>().solveInPlace(delta);
  return delta.colwise().squaredNorm().transpose();
}

double correlation(const VectorXd& a, const VectorXd& b) {
  const double ma = a.mean(), mb = b.mean();
  const double cov = ((a.array() - ma) * (b.array() - mb)).sum();
  const double va = (a.array() - ma).square().sum(), vb = (b.array() - mb).square().sum();
  if (va <= 0 || vb <= 0) return 0.0;
  return cov / std::sqrt(va * vb);
}

double log_target(const ParticleState& s, Index i, double beta) {
  const double v = tempered_log_likelihood(beta, s.log_like[i]) + s.log_prior[i] + s.log_jac[i];
  return std::isnan(v) ? -INFINITY : v;
}

}  // namespace

std::string to_string(MutationKernel kernel) { return kernel == MutationKernel::rwm ? "rwm" : "tpcn"; }

MutationKernel mutation_kernel_from_string(const std::string& name) {
  if (name == "rwm") return MutationKernel::rwm;
  if (name == "tpcn") return MutationKernel::tpcn;
  throw Error(ErrorContext{.parameter = "kernel"}, "unknown MCMC kernel '" + name + "' (rwm | tpcn)");
}

double gamma_draw(double shape, Rng& rng) {
  if (shape < 1) {
    const double u = rng.uniform_open();
    return gamma_draw(shape + 1, rng) * std::pow(u, 1 / shape);
  }
  const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  for (;;) {
    double x, v;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = rng.uniform_open();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

StudentT fit_gaussian(const MatrixXd& theta) {
  const Index n = theta.rows();
  if (n < 2) throw Error("mutation: need at least 2 particles");
  StudentT fit;
  fit.mean = theta.colwise().mean().transpose();
  const MatrixXd centred = theta.rowwise() - fit.mean.transpose();
  fit.covariance = centred.transpose() * centred / static_cast<double>(n - 1);
  fit.chol = robust_cholesky(fit.covariance);
  fit.nu = kNuMax;
  return fit;
}

StudentT fit_student_t(const MatrixXd& theta, int max_iterations) {
  StudentT fit = fit_gaussian(theta);
  const Index n = theta.rows();
  const double dim = static_cast<double>(theta.cols());
  double nu = 10;
  for (int it = 0; it < max_iterations; ++it) {
    const VectorXd m = mahalanobis(theta, fit.mean, fit.chol);
    const VectorXd w = ((nu + dim) / (nu + m.array())).matrix();
    const VectorXd mean = (theta.transpose() * w) / w.sum();
    const MatrixXd centred = theta.rowwise() - mean.transpose();
    const MatrixXd cov = centred.transpose() * w.asDiagonal() * centred / static_cast<double>(n);
    // Score equation for nu (Liu & Rubin 1995, ECME form with the current weights).
    const double c = 1 + (w.array().log() - w.array()).mean() + digamma((nu + dim) / 2) - std::log((nu + dim) / 2);
    auto score = [&](double v) { return -digamma(v / 2) + std::log(v / 2) + c; };
    double new_nu;
    if (score(kNuMax) > 0) {
      new_nu = kNuMax;
    } else if (score(0.5) < 0) {
      new_nu = 0.5;
    } else {
      double lo = std::log(0.5), hi = std::log(kNuMax);
      for (int b = 0; b < 60; ++b) {
        const double mid = 0.5 * (lo + hi);
        (score(std::exp(mid)) > 0 ? lo : hi) = mid;
      }
      new_nu = std::exp(0.5 * (lo + hi));
    }
    const double change = (mean - fit.mean).norm() + std::abs(std::log(new_nu / nu));
    fit.mean = mean;
    fit.covariance = cov;
    fit.chol = robust_cholesky(cov);
    nu = new_nu;
    if (change < 1e-8) break;
  }
  fit.nu = nu;
  return fit;
}

MutationSummary mutate(ParticleState& state, double beta, const StudentT& fit, double scale,
                       const MutationOptions& options, const StateEvaluator& evaluate,
                       const std::function<Rng(int)>& rng_for_step) {
  const Index n = state.size();
  const Index d = state.theta.cols();
  const double dim = static_cast<double>(d);
  const bool tpcn = options.kernel == MutationKernel::tpcn;
  const double max_scale = tpcn ? 0.99 : INFINITY;
  scale = std::min(scale, max_scale);

  auto whiten = [&](const MatrixXd& theta) {
    MatrixXd z = (theta.rowwise() - fit.mean.transpose()).transpose();
    fit.chol.triangularView<Eigen::Lower>().solveInPlace(z);
    return MatrixXd(z.transpose());
  };
  const MatrixXd start = whiten(state.theta);
  const VectorXd start_like = state.log_like;

  VectorXd current(n);
  for (Index i = 0; i < n; ++i) current[i] = log_target(state, i, beta);
  VectorXd current_m = tpcn ? mahalanobis(state.theta, fit.mean, fit.chol) : VectorXd();

  MutationSummary summary;
  double acceptance_sum = 0;
  ParticleState proposal;
  std::vector<char> moved(static_cast<std::size_t>(n), 0);
  Index n_moved = 0;
  for (int step = 0; step < options.max_steps; ++step) {
    Rng rng = rng_for_step(step);
    MatrixXd xi(n, d);
    rng.fill_normal(xi);
    const MatrixXd kick = xi * fit.chol.transpose();  // rows ~ N(0, Sigma)
    if (tpcn) {
      const MatrixXd delta = state.theta.rowwise() - fit.mean.transpose();
      proposal.theta.resize(n, d);
      const double root = std::sqrt(1 - scale * scale);
      for (Index i = 0; i < n; ++i) {
        const double w = 0.5 * (fit.nu + current_m[i]) / gamma_draw(0.5 * (dim + fit.nu), rng);
        proposal.theta.row(i) = fit.mean.transpose() + root * delta.row(i) + scale * std::sqrt(w) * kick.row(i);
      }
    } else {
      proposal.theta = state.theta + scale * kick;
    }
    evaluate(proposal);
    const VectorXd proposal_m = tpcn ? mahalanobis(proposal.theta, fit.mean, fit.chol) : VectorXd();
    Index accepted = 0;
    for (Index i = 0; i < n; ++i) {
      const double target = log_target(proposal, i, beta);
      double log_alpha = target - current[i];
      if (tpcn)
        log_alpha += 0.5 * (dim + fit.nu) *
                     (std::log1p(proposal_m[i] / fit.nu) - std::log1p(current_m[i] / fit.nu));
      const double u = rng.uniform_open();
      if (target > -INFINITY && std::log(u) < log_alpha) {  // NaN log_alpha rejects
        state.theta.row(i) = proposal.theta.row(i);
        state.u.row(i) = proposal.u.row(i);
        state.x.row(i) = proposal.x.row(i);
        state.log_like[i] = proposal.log_like[i];
        state.log_prior[i] = proposal.log_prior[i];
        state.log_jac[i] = proposal.log_jac[i];
        current[i] = target;
        if (tpcn) current_m[i] = proposal_m[i];
        ++accepted;
        if (!moved[static_cast<std::size_t>(i)]) {
          moved[static_cast<std::size_t>(i)] = 1;
          ++n_moved;
        }
      }
    }
    const double rate = static_cast<double>(accepted) / static_cast<double>(n);
    acceptance_sum += rate;
    summary.steps = step + 1;
    if (options.adapt) {
      scale *= std::exp(std::pow(step + 1.0, -0.75) * (rate - options.target_acceptance) * 2.0);
      scale = std::min(scale, max_scale);
    }
    // Stopping statistic: memory of the start across the population.
    const MatrixXd now = whiten(state.theta);
    double rho = 0;
    for (Index k = 0; k < d; ++k) rho += correlation(start.col(k), now.col(k));
    rho /= dim;
    std::vector<Index> finite;
    for (Index i = 0; i < n; ++i)
      if (std::isfinite(start_like[i]) && std::isfinite(state.log_like[i])) finite.push_back(i);
    double rho_like = 0;
    if (finite.size() > 2) {
      VectorXd a(static_cast<Index>(finite.size())), b(static_cast<Index>(finite.size()));
      for (std::size_t k = 0; k < finite.size(); ++k) {
        a[static_cast<Index>(k)] = start_like[finite[k]];
        b[static_cast<Index>(k)] = state.log_like[finite[k]];
      }
      rho_like = correlation(a, b);
    }
    summary.correlation = std::max(rho, rho_like);
    // Nearly independent proposals (t-pCN with s ~ 1) decorrelate the population in one accepted move but leave
    // the rejected particles as exact copies of resampled ones; those copies inflate the evidence error.
    const double unmoved = 1.0 - static_cast<double>(n_moved) / static_cast<double>(n);
    if (summary.steps >= options.min_steps && summary.correlation < options.max_correlation &&
        unmoved <= options.max_unmoved)
      break;
  }
  summary.acceptance = acceptance_sum / std::max(summary.steps, 1);
  summary.scale = scale;
  return summary;
}

}  // namespace flowprior
