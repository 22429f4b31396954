// Where the time of `flowprior sample --sampler ensemble --json` goes (issue 21), without the file: the sampler on a
// built-in target (in-memory chain, 1 thread), then each part of the diagnostics timed on its own.
// Usage: bench_diagnostics TARGET DIM WALKERS STEPS SEED [REPEATS]; discard = steps / 4 as the command's default.
// Prints one JSON line of seconds.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>

#include "flowprior/core/rng.hpp"
#include "flowprior/density/targets.hpp"
#include "flowprior/sampler/diagnostics.hpp"
#include "flowprior/sampler/ensemble.hpp"

using namespace flowprior;

namespace {
template <class F>
double best_of(int repeats, F&& f) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: bench_diagnostics TARGET DIM WALKERS STEPS SEED [REPEATS]\n");
    return 2;
  }
  const Target t = make_target(argv[1], std::atoi(argv[2]));
  const int walkers = std::atoi(argv[3]);
  const Index steps = std::atol(argv[4]);
  const auto seed = static_cast<std::uint64_t>(std::atoll(argv[5]));
  const int repeats = argc > 6 ? std::atoi(argv[6]) : 3;
  const Index discard = steps / 4;
  const auto post = target_posterior(t);
  Rng rng(seed, 99);
  MatrixXd u(walkers, t.dim);
  rng.fill_uniform(u);
  const MatrixXd x =
      (u.array().rowwise() * t.prior_box.width().transpose().array()).rowwise() + t.prior_box.lower().transpose().array();
  Chain chain;
  // CPU time too (std::clock, this process; one thread): on a shared machine wall time includes waiting for a core.
  double sampling_cpu = 1e300;
  const double sampling = best_of(repeats, [&] {
    const std::clock_t c0 = std::clock();
    EnsembleSampler sampler({.moves = {Move{}}, .seed = seed, .threads = 1});
    chain = sampler.run(*post, x, steps);
    sampling_cpu = std::min(sampling_cpu, static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
  });
  AutocorrResult tau;
  const double autocorr = best_of(repeats, [&] { tau = integrated_autocorr_time(chain, discard); });
  ChainDiagnostics d;
  double diagnose_cpu = 1e300;
  const double diagnose_all = best_of(repeats, [&] {
    const std::clock_t c0 = std::clock();
    d = diagnose(chain, discard);
    diagnose_cpu = std::min(diagnose_cpu, static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
  });
  std::printf("{\"proposals\": %ld, \"sampling\": %.6g, \"proposals_per_second\": %.6g, \"sampling_cpu\": %.6g, "
              "\"autocorr\": %.6g, \"diagnose\": %.6g, \"diagnose_cpu\": %.6g, \"tau_mean\": %.6g}\n",
              static_cast<long>(steps * walkers), sampling, static_cast<double>(steps * walkers) / sampling,
              sampling_cpu, autocorr, diagnose_all, diagnose_cpu, tau.tau.mean());
  return 0;
}
