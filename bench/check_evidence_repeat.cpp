// Issue 18: is the importance-sampling evidence's reported error right for a given final flow? Loads a finished
// run's checkpoint (`flowprior sample --sampler smc --checkpoint FILE` on a built-in target, default flow options),
// restores its final preconditioning flow, and repeats the evidence step (sampler/importance_evidence.hpp) REPS
// times with independent draws (evidence seeds first_seed + rep). Prints each repeat's error against the exact log Z, its
// reported error, ESS, k-hat and rounds, then the scatter of the estimates against the mean reported error.
// Usage: check_evidence_repeat TARGET DIM CHECKPOINT [reps=20] [max_rounds=4] [samples=4096] [tolerance=0.03] [smooth=1] [first_seed=1000]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "flowprior/core/rng.hpp"
#include "flowprior/density/targets.hpp"
#include "flowprior/density/uniform_box.hpp"
#include "flowprior/sampler/checkpoint.hpp"
#include "flowprior/sampler/importance_evidence.hpp"
#include "flowprior/sampler/persistent.hpp"
#include "flowprior/sampler/persistent_flow.hpp"

using namespace flowprior;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: check_evidence_repeat TARGET DIM CHECKPOINT [reps] [max_rounds] [samples] [tolerance] [smooth] [first_seed]\n");
    return 2;
  }
  const int dim = std::atoi(argv[2]);
  const Target target = make_target(argv[1], dim);
  const UniformBox prior(target.prior_box);
  const SmcState state = load_checkpoint(argv[3]);
  const int reps = argc > 4 ? std::atoi(argv[4]) : 20;
  PersistentOptions o;
  o.precondition = true;
  o.progress = false;
  const std::unique_ptr<LatentMap> flow = make_flow_map(o, dim);
  flow->restore(state.flow_state);
  const LogTargetU log_target = [&](const MatrixXd& u, VectorXd& log_p) {
    MatrixXd x;
    VectorXd log_dxdu;
    target.prior_box.to_box(u, x, log_dxdu);
    log_p = target.likelihood->log_prob(x) + static_cast<const LogDensity&>(prior).log_prob(x) + log_dxdu;
    for (Index i = 0; i < log_p.size(); ++i)
      if (std::isnan(log_p[i])) log_p[i] = -INFINITY;
  };
  ImportanceEvidenceOptions eo;
  eo.max_rounds = argc > 5 ? std::atoi(argv[5]) : eo.max_rounds;
  eo.samples = argc > 6 ? std::atol(argv[6]) : 4096;
  eo.tolerance = argc > 7 ? std::atof(argv[7]) : eo.tolerance;
  eo.smooth = argc > 8 ? std::atoi(argv[8]) != 0 : eo.smooth;
  const std::uint64_t seed0 = argc > 9 ? std::strtoull(argv[9], nullptr, 10) : 1000;

  const double exact = *target.log_z;
  double sum = 0, sum2 = 0, err2 = 0, pull2 = 0;
  std::printf("%s d=%d run seed %llu, %d repeats of up to %d rounds of %ld draws\n", argv[1], dim,
              static_cast<unsigned long long>(state.seed), reps, eo.max_rounds, static_cast<long>(eo.samples));
  for (int rep = 0; rep < reps; ++rep) {
    eo.seed = seed0 + static_cast<std::uint64_t>(rep);
    const ImportanceEvidence ev = adaptive_importance_evidence(*flow, dim, eo, log_target);
    const double e = ev.log_z - exact;
    std::printf("rep %2d  error %+.4f +- %.4f  ESS %6.0f  khat %5.2f  rounds %d  draws %ld  pilot %.3f (k %.2f)  per round:", rep, e,
                ev.log_z_err, ev.ess, ev.khat, ev.rounds, static_cast<long>(ev.draws), ev.pilot_log_z_err, ev.pilot_khat);
    for (std::size_t r = 0; r < ev.round_log_z.size(); ++r)
      std::printf(" %+.3f+-%.3f (k %.2f)", ev.round_log_z[r] - exact, ev.round_log_z_err[r], ev.round_khat[r]);
    std::printf("\n");
    sum += e;
    sum2 += e * e;
    err2 += ev.log_z_err * ev.log_z_err;
    pull2 += e * e / (ev.log_z_err * ev.log_z_err);
  }
  const double mean = sum / reps, sd = std::sqrt(std::max(0.0, sum2 / reps - mean * mean) * reps / (reps - 1.0));
  std::printf("mean error %+.4f  sd of the estimates %.4f  rms reported error %.4f  ratio %.2f  rms pull (vs exact) %.2f\n",
              mean, sd, std::sqrt(err2 / reps), sd / std::sqrt(err2 / reps), std::sqrt(pull2 / reps));
  return 0;
}
