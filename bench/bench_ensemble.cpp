// Ensemble sampler speed and autocorrelation times on a built-in target, for bench_ensemble_vs_emcee.py.
// Usage: bench_ensemble TARGET DIM WALKERS STEPS DISCARD SEED [MOVES]
// Prints one JSON line: proposals_per_second (in-memory chain, 1 thread), autocorr_time per parameter, mean.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "flowprior/core/rng.hpp"
#include "flowprior/density/targets.hpp"
#include "flowprior/sampler/diagnostics.hpp"
#include "flowprior/sampler/ensemble.hpp"

using namespace flowprior;

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: bench_ensemble TARGET DIM WALKERS STEPS DISCARD SEED [MOVES]\n");
    return 2;
  }
  const Target t = make_target(argv[1], std::atoi(argv[2]));
  const int walkers = std::atoi(argv[3]);
  const Index steps = std::atol(argv[4]), discard = std::atol(argv[5]);
  const auto seed = static_cast<std::uint64_t>(std::atoll(argv[6]));
  const std::string moves = argc > 7 ? argv[7] : "stretch";
  const auto post = target_posterior(t);
  // Starts uniform over the prior box, like the emcee side of the bench.
  Rng rng(seed, 99);
  MatrixXd u(walkers, t.dim);
  rng.fill_uniform(u);
  const MatrixXd x =
      (u.array().rowwise() * t.prior_box.width().transpose().array()).rowwise() + t.prior_box.lower().transpose().array();
  EnsembleSampler sampler({.moves = parse_moves(moves), .seed = seed, .threads = 1});
  const auto t0 = std::chrono::steady_clock::now();
  const Chain chain = sampler.run(*post, x, steps);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const AutocorrResult tau = integrated_autocorr_time(chain, discard);
  const Samples kept = chain.flat(discard);
  const VectorXd mean = kept.values.colwise().mean().transpose();
  std::printf("{\"proposals_per_second\": %.6g, \"seconds\": %.6g, \"acceptance\": %.6g, \"autocorr_time\": [",
              static_cast<double>(steps) * walkers / seconds, seconds, chain.acceptance_fraction().mean());
  for (Index j = 0; j < tau.tau.size(); ++j) std::printf("%s%.6g", j ? ", " : "", tau.tau(j));
  std::printf("], \"mean\": [");
  for (Index j = 0; j < mean.size(); ++j) std::printf("%s%.6g", j ? ", " : "", mean(j));
  std::printf("]}\n");
  return 0;
}
