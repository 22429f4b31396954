// Persistent sampler on the built-in targets: evidence error against the exact value, likelihood calls, wall time
// per call, mode weights of the mixture. Usage:
//   bench_smc TARGET DIM [seeds=5] [n_active=256] [precondition=0] [kernel=rwm|tpcn] [max_correlation=0.5]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "flowprior/density/targets.hpp"
#include "flowprior/density/uniform_box.hpp"
#include "flowprior/sampler/persistent.hpp"

using namespace flowprior;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_smc TARGET DIM [seeds] [n_active] [precondition] [kernel] [max_corr]\n");
    return 2;
  }
  const std::string name = argv[1];
  const int dim = std::atoi(argv[2]);
  const int seeds = argc > 3 ? std::atoi(argv[3]) : 5;
  const Index n_active = argc > 4 ? std::atol(argv[4]) : 256;
  const bool precondition = argc > 5 && std::atoi(argv[5]) != 0;
  const std::string kernel = argc > 6 ? argv[6] : (precondition ? "tpcn" : "rwm");
  const double max_corr = argc > 7 ? std::atof(argv[7]) : 0.3;
  const Target target = make_target(name, dim);
  UniformBox prior(target.prior_box);
  PriorModel pm{prior, target.prior_box, [&](Index n, Rng& rng) { return prior.sample(n, rng); }};
  std::printf("target %s d=%d exact logZ %.4f  n_active %ld precondition %d kernel %s max_corr %.2f\n", name.c_str(),
              dim, target.log_z.value_or(NAN), static_cast<long>(n_active), precondition ? 1 : 0, kernel.c_str(),
              max_corr);
  std::printf("seed      logZ     err   delta  pull  w(x1>0)   iters      calls  wall_s  us/call\n");
  double sum_delta = 0, sum_pull2 = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    PersistentOptions o;
    o.seed = static_cast<std::uint64_t>(seed);
    o.n_active = n_active;
    o.n_effective = 2.0 * static_cast<double>(n_active);
    o.n_total = 8 * n_active;
    o.precondition = precondition;
    o.mutation.kernel = mutation_kernel_from_string(kernel);
    o.mutation.max_correlation = max_corr;
    o.progress = std::getenv("SMC_PROGRESS") != nullptr;
    o.evidence_samples = precondition ? 4096 : 0;
    ThreadEvaluator ev(1);
    const SmcResult r = PersistentSampler(o).run(pm, *target.likelihood, ev);
    double w_plus = 0;
    for (Index i = 0; i < r.x.rows(); ++i)
      if (r.x(i, 0) > 0) w_plus += r.weights[i];
    const double delta = r.log_z - target.log_z.value_or(NAN);
    sum_delta += delta;
    sum_pull2 += (delta / r.log_z_err) * (delta / r.log_z_err);
    std::printf("%4d %9.4f %7.4f %7.4f %5.2f %8.3f %7zu %10llu %7.2f %8.2f", seed, r.log_z, r.log_z_err, delta,
                delta / r.log_z_err, w_plus, r.iterations.size(), static_cast<unsigned long long>(r.likelihood_calls),
                r.wall_seconds, 1e6 * r.wall_seconds / static_cast<double>(r.likelihood_calls));
    if (std::isfinite(r.log_z_is)) std::printf("  IS %.4f +- %.4f", r.log_z_is, r.log_z_is_err);
    std::printf("\n");
  }
  std::printf("mean delta %.4f  rms pull %.2f\n", sum_delta / seeds, std::sqrt(sum_pull2 / seeds));
  return 0;
}
