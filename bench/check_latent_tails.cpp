// Issue 18: where a persistent-sampling run's final flow misses the target's tails. Loads a finished run's checkpoint
// of the half-gaussian target (`flowprior sample --target half-gaussian --sampler smc --checkpoint FILE`, default flow
// options), maps 20 000 exact draws of the target (|N(0, 1)| per coordinate on [0, 10]^d) to the flow's latent space
// and prints each latent coordinate's mean, sd and tail quantiles, which are those of N(0, 1) for a perfect flow.
// With PARTICLES=1 in the environment the run's final particles are mapped instead (the flow's training data).
// Usage: check_latent_tails half-gaussian DIM CHECKPOINT
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <string>
#include "flowprior/core/rng.hpp"
#include "flowprior/density/targets.hpp"
#include "flowprior/sampler/checkpoint.hpp"
#include "flowprior/sampler/persistent.hpp"
#include "flowprior/sampler/persistent_flow.hpp"
using namespace flowprior;
int main(int argc, char** argv) {
  if (argc != 4 || std::string(argv[1]) != "half-gaussian") {
    std::fprintf(stderr, "usage: check_latent_tails half-gaussian DIM CHECKPOINT\n");
    return 2;
  }
  const int dim = std::atoi(argv[2]);
  const Target target = make_target(argv[1], dim);
  const SmcState state = load_checkpoint(argv[3]);
  PersistentOptions o; o.precondition = true; o.progress = false;
  auto flow = make_flow_map(o, dim);
  flow->restore(state.flow_state);
  Rng rng(5, 7);
  Index n = 20000;
  MatrixXd x(n, dim); rng.fill_normal(x); x = x.cwiseAbs();
  MatrixXd u; VectorXd ld;
  target.prior_box.to_unbounded(x, u, ld);
  if (std::getenv("PARTICLES")) { u = state.u.bottomRows(state.n_active); n = u.rows(); std::printf("final particles %ld of %ld beta %g\n", (long)n, (long)state.u.rows(), state.beta); }
  MatrixXd z; VectorXd lz;
  flow->to_latent(u, z, lz);
  for (int k = 0; k < dim; ++k) {
    VectorXd c = z.col(k);
    double m = c.mean(), sd = std::sqrt((c.array() - m).square().mean());
    std::sort(c.data(), c.data() + n);
    std::printf("k %2d mean %+.3f sd %.3f q0.001 %+.2f q0.01 %+.2f q0.99 %+.2f q0.999 %+.2f\n", k, m, sd, c[n/1000], c[n/100], c[n-n/100], c[n-n/1000]);
  }
  VectorXd r2 = z.rowwise().squaredNorm();
  std::printf("mean |z|^2 %.2f (d=%d)\n", r2.mean(), dim);
}
