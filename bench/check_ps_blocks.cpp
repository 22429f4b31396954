// Issue 18: where the persistent-sampling (PS) evidence's lean comes from. One run of the persistent sampler on the
// correlated Gaussian (exact tempered targets: N(0, S / beta) for beta well above (1/20)^2, the box being 20 wide)
// at the command line's default settings, then per stored block:
//   r = beta * mean(x^T S^-1 x) / d   (1 for a block distributed as p_beta; < 1: the block is too concentrated),
//   unique = distinct rows / rows     (copies of resampled particles that the moves left in place).
// and the final PS estimate recomputed with the block normalisers solved self-consistently (all blocks, fixed point
// of Z_t = sum_j L_j^beta_t / sum_s N_s L_j^beta_s / Z_s, as in MBAR) instead of the running ones.
// Usage: check_ps_blocks DIM [seed=3] [max_correlation=0.3] [max_steps=100]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <vector>

#include "flowprior/density/targets.hpp"
#include "flowprior/density/uniform_box.hpp"
#include "flowprior/sampler/persistent.hpp"
#include "flowprior/sampler/persistent_weights.hpp"

using namespace flowprior;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: check_ps_blocks DIM [seed] [max_correlation] [max_steps]\n");
    return 2;
  }
  const int dim = std::atoi(argv[1]);
  const Target target = make_target("gaussian", dim);
  UniformBox prior(target.prior_box);
  PriorModel pm{prior, target.prior_box, [&](Index n, Rng& rng) { return prior.sample(n, rng); }};
  PersistentOptions o;
  o.seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 3;
  o.n_active = 256;
  o.n_effective = 512;
  o.n_total = 2048;
  o.precondition = true;
  o.mutation.kernel = MutationKernel::tpcn;
  o.mutation.max_correlation = argc > 3 ? std::atof(argv[3]) : 0.3;
  o.mutation.max_steps = argc > 4 ? std::atoi(argv[4]) : 100;
  o.progress = std::getenv("SMC_PROGRESS") != nullptr;
  ThreadEvaluator ev(1);
  const SmcResult r = PersistentSampler(o).run(pm, *target.likelihood, ev);
  const double exact = *target.log_z;
  std::printf("d=%d seed=%llu exact %.4f  IS %+.4f +- %.4f  PS %+.4f +- %.4f (errors vs exact)  iterations %zu\n",
              dim, static_cast<unsigned long long>(o.seed), exact, r.log_z_is - exact, r.log_z_is_err,
              r.log_z_ps - exact, r.log_z_ps_err, r.iterations.size());
  const MatrixXd prec = target.covariance.inverse();
  const Index warm = static_cast<Index>(o.warmup_blocks) * o.n_active;
  std::printf(" it     beta    steps   acc  r=beta*<m>/d  unique  running dlogZ_t\n");
  std::vector<double> betas(static_cast<std::size_t>(o.warmup_blocks), 0.0);
  std::vector<Index> sizes(static_cast<std::size_t>(o.warmup_blocks), o.n_active);
  for (std::size_t t = 0; t < r.iterations.size(); ++t) {
    const SmcIteration& it = r.iterations[t];
    betas.push_back(it.beta);
    sizes.push_back(o.n_active);
    const Index begin = warm + static_cast<Index>(t) * o.n_active;
    const MatrixXd x = r.x.middleRows(begin, o.n_active);
    const VectorXd m = ((x * prec).array() * x.array()).rowwise().sum();
    std::set<double> firsts;
    for (Index i = 0; i < x.rows(); ++i) firsts.insert(x(i, 0) + 1e-3 * x(i, dim - 1));
    // Exact log Z at beta while N(0, S / beta) lies inside the box: 20^-d (2 pi)^(d(1-beta)/2) |S|^((1-beta)/2) beta^(-d/2).
    const double log_det_s = std::log(target.covariance.determinant());
    const double log_z_beta = -dim * std::log(20.0) + 0.5 * dim * std::log(2 * M_PI) * (1 - it.beta) -
                              0.5 * dim * std::log(it.beta) + 0.5 * log_det_s * (1 - it.beta);
    std::printf("%3d %8.5f %6d %6.3f %10.3f %9.3f %+10.4f\n", it.iteration, it.beta, it.steps, it.acceptance,
                it.beta * m.mean() / dim, static_cast<double>(firsts.size()) / static_cast<double>(x.rows()),
                it.log_z - log_z_beta);
  }
  // Self-consistent normalisers over the distinct betas (blocks at one beta share their Z).
  std::vector<double> ub;
  for (double b : betas)
    if (ub.empty() || b != ub.back()) ub.push_back(b);
  std::vector<double> n_at(ub.size(), 0.0), log_z(ub.size(), 0.0);
  for (std::size_t t = 0; t < betas.size(); ++t)
    for (std::size_t k = 0; k < ub.size(); ++k)
      if (betas[t] == ub[k]) n_at[k] += static_cast<double>(sizes[t]);
  const VectorXd& l = r.log_likelihood;
  for (std::size_t k = 0; k < ub.size(); ++k) log_z[k] = k == 0 ? 0.0 : r.iterations.back().log_z * ub[k];
  for (int sweep = 0; sweep < 5000; ++sweep) {
    VectorXd log_d(l.size());
    for (Index j = 0; j < l.size(); ++j) {
      double acc = -INFINITY;
      for (std::size_t k = 0; k < ub.size(); ++k) {
        const double v = std::log(n_at[k]) + tempered_log_likelihood(ub[k], l[j]) - log_z[k];
        acc = std::max(acc, v) + std::log1p(std::exp(-std::abs(acc - v)));
        if (!std::isfinite(acc)) acc = v;
      }
      log_d[j] = acc;
    }
    double change = 0;
    std::vector<double> next(ub.size());
    for (std::size_t k = 0; k < ub.size(); ++k) {
      VectorXd lw(l.size());
      for (Index j = 0; j < l.size(); ++j) lw[j] = tempered_log_likelihood(ub[k], l[j]) - log_d[j];
      next[k] = log_sum_exp(lw);
    }
    for (std::size_t k = 0; k < ub.size(); ++k) {
      next[k] -= next[0];  // Z_0 = 1 (prior)
      change = std::max(change, std::abs(next[k] - log_z[k]));
    }
    log_z = next;
    if (change < 1e-9) break;
  }
  std::printf("self-consistent PS: %+.4f (error vs exact)\n", log_z.back() - exact);
  return 0;
}
