#include "flowprior/sampler/persistent_weights.hpp"

#include <cmath>
#include <limits>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"

namespace flowprior {
namespace {

double log_add_exp(double a, double b) {
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

}  // namespace

double log_sum_exp(const VectorXd& v) {
  if (v.size() == 0) return -INFINITY;
  const double m = v.maxCoeff();
  if (m == -INFINITY) return -INFINITY;
  double s = 0;
  for (Index i = 0; i < v.size(); ++i) s += std::exp(v[i] - m);
  return m + std::log(s);
}

VectorXd normalized_from_log(const VectorXd& log_w) {
  const double lse = log_sum_exp(log_w);
  if (!std::isfinite(lse)) throw Error("all importance weights are zero");
  return (log_w.array() - lse).exp().matrix();
}

double ess_from_log_weights(const VectorXd& log_w) {
  if (log_w.size() == 0 || log_w.maxCoeff() == -INFINITY) return 0.0;
  const VectorXd w = normalized_from_log(log_w);
  return 1.0 / w.squaredNorm();
}

double unique_sample_size(const VectorXd& w, double k) {
  double s = 0;
  for (Index j = 0; j < w.size(); ++j) s += 1.0 - std::exp(k * std::log1p(-std::min(w[j], 1.0 - 1e-300)));
  return s;
}

std::vector<Index> systematic_resample(const VectorXd& w, Index n, Rng& rng) {
  std::vector<Index> out(static_cast<std::size_t>(n));
  const double total = w.sum();
  if (!(total > 0) || !std::isfinite(total)) throw Error("systematic resampling: weights do not sum to a positive number");
  const double u0 = rng.uniform_open();
  double cumulative = w[0] / total;
  Index j = 0;
  for (Index i = 0; i < n; ++i) {
    const double target = (static_cast<double>(i) + u0) / static_cast<double>(n);
    while (cumulative < target && j + 1 < w.size()) cumulative += w[++j] / total;
    out[static_cast<std::size_t>(i)] = j;
  }
  return out;
}

void PersistentWeights::add_block(const VectorXd& log_likelihood, double beta, double log_z) {
  if (!std::isfinite(log_z)) throw Error("persistent weights: block evidence is not finite");
  const Index old_n = size();
  const Index n = log_likelihood.size();
  const double log_n = std::log(static_cast<double>(n));
  // Old particles: one more term in their mixture denominator.
  for (Index j = 0; j < old_n; ++j)
    log_d_[j] = log_add_exp(log_d_[j], log_n + tempered_log_likelihood(beta, log_likelihood_[j]) - log_z);
  betas_.push_back(beta);
  log_z_.push_back(log_z);
  sizes_.push_back(n);
  log_likelihood_.conservativeResize(old_n + n);
  log_d_.conservativeResize(old_n + n);
  // New particles: the whole sum over all blocks, this one included (same order as a running sum would use).
  for (Index i = 0; i < n; ++i) {
    const double l = log_likelihood[i];
    double d = -INFINITY;
    for (std::size_t t = 0; t < betas_.size(); ++t)
      d = log_add_exp(d, std::log(static_cast<double>(sizes_[t])) + tempered_log_likelihood(betas_[t], l) - log_z_[t]);
    log_likelihood_[old_n + i] = l;
    log_d_[old_n + i] = d;
  }
}

void PersistentWeights::log_weights(double beta, VectorXd& out) const {
  const Index n = size();
  out.resize(n);
  // log w_j - log N = beta l_j - log D_j (the 1/N of the mixture cancels the 1/N of the estimator).
  for (Index j = 0; j < n; ++j) out[j] = tempered_log_likelihood(beta, log_likelihood_[j]) - log_d_[j];
}

double PersistentWeights::log_evidence(double beta) const {
  VectorXd lw;
  log_weights(beta, lw);
  return log_sum_exp(lw);
}

double PersistentWeights::ess(double beta) const {
  VectorXd lw;
  log_weights(beta, lw);
  return ess_from_log_weights(lw);
}

double PersistentWeights::log_evidence_error(double beta) const {
  VectorXd lw;
  log_weights(beta, lw);
  const double log_z = log_sum_exp(lw);
  if (!std::isfinite(log_z)) return INFINITY;
  // Relative contributions e_j / Z; per block the within-block variance of n_t e_j estimates Var of its stratum sum.
  double var = 0;
  Index begin = 0;
  for (std::size_t t = 0; t < sizes_.size(); ++t) {
    const Index n = sizes_[t];
    if (n > 1) {
      const VectorXd e = (lw.segment(begin, n).array() - log_z).exp().matrix();
      const double mean = e.mean();
      const double v = (e.array() - mean).square().sum() / static_cast<double>(n - 1);
      var += static_cast<double>(n) * v;
    }
    begin += n;
  }
  return std::sqrt(var);  // relative error of Z = absolute error of log Z (first order)
}

void PersistentWeights::restore(std::vector<double> betas, std::vector<double> log_z, std::vector<Index> sizes,
                                VectorXd log_likelihood, VectorXd log_denominator) {
  betas_ = std::move(betas);
  log_z_ = std::move(log_z);
  sizes_ = std::move(sizes);
  log_likelihood_ = std::move(log_likelihood);
  log_d_ = std::move(log_denominator);
}

}  // namespace flowprior
