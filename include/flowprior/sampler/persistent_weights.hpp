#pragma once
// Persistent-sampling importance weights (Karamanis & Seljak 2024). Every stored particle j was drawn (after MCMC)
// from one of the tempered targets pi L^{beta_t} / Z_t of the earlier iterations; the balance-heuristic weight of j
// for a new target pi L^beta is
//   w_j(beta) = L_j^beta / [ (1/N) sum_t n_t L_j^{beta_t} / Z_t ],   Z(beta) ~ (1/N) sum_j w_j(beta).
// The denominator only changes when a block is added, so it is kept as a running log-sum-exp per particle,
// log D_j = log sum_t n_t exp(beta_t l_j - log Z_t). One weight evaluation is then O(N) (pocoMC rebuilds a
// T x T x n array on every call, O(T^2 n), ~15 times per bisection).
#include <vector>

#include "flowprior/core/types.hpp"

namespace flowprior {

// beta * l with the convention L^0 = 1 also where L = 0 (l = -inf): warm-up blocks at beta = 0 are prior draws.
inline double tempered_log_likelihood(double beta, double log_likelihood) {
  return beta == 0.0 ? 0.0 : beta * log_likelihood;
}

class PersistentWeights {
 public:
  // Stores a block of particles drawn from pi L^beta / exp(log_z) and updates every denominator.
  void add_block(const VectorXd& log_likelihood, double beta, double log_z);

  Index size() const { return log_likelihood_.size(); }
  int blocks() const { return static_cast<int>(betas_.size()); }
  const std::vector<double>& betas() const { return betas_; }
  const std::vector<double>& block_log_z() const { return log_z_; }
  const std::vector<Index>& block_sizes() const { return sizes_; }
  const VectorXd& log_likelihood() const { return log_likelihood_; }
  const VectorXd& log_denominator() const { return log_d_; }

  // log w_j(beta) - log N (the weights of the estimator Z = sum_j exp(out_j)); -inf where L_j = 0 and beta > 0.
  void log_weights(double beta, VectorXd& out) const;
  double log_evidence(double beta) const;
  // Kish effective sample size of the weights at beta.
  double ess(double beta) const;
  // Standard error of log Z(beta): the blocks are independent strata of a multiple-importance estimator, so
  // Var Z = sum_t n_t var_{j in t}(e_j), e_j = exp(log weight). It ignores the correlation between particles of
  // one block (resampled copies not fully decorrelated by MCMC), so it is a lower bound in spirit.
  double log_evidence_error(double beta) const;

  // Restores the exact internal state (checkpoint resume).
  void restore(std::vector<double> betas, std::vector<double> log_z, std::vector<Index> sizes,
               VectorXd log_likelihood, VectorXd log_denominator);

 private:
  std::vector<double> betas_;
  std::vector<double> log_z_;
  std::vector<Index> sizes_;
  VectorXd log_likelihood_;
  VectorXd log_d_;
};

// Numerically safe log(sum exp(v)) (-inf for an empty or all -inf vector).
double log_sum_exp(const VectorXd& v);
// Kish ESS of log weights.
double ess_from_log_weights(const VectorXd& log_w);
// Normalised weights from log weights (sum 1).
VectorXd normalized_from_log(const VectorXd& log_w);
// Expected number of distinct particles in k multinomial draws with normalised weights w: sum_j 1 - (1 - w_j)^k.
double unique_sample_size(const VectorXd& w, double k);
// Systematic resampling: n indices, index j appearing floor or ceil of n w_j times (one uniform draw).
std::vector<Index> systematic_resample(const VectorXd& w, Index n, class Rng& rng);

}  // namespace flowprior
