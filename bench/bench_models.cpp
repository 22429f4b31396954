// HotSpot-UPC model cost per parameter point (single thread): ISH gamma+p (17 H1 points), ISH gamma+Pb
// (11 ALICE bins x 3 sub-points), gamma+Pb with the 13 sigma(W) points, the one-time table build, and the
// full non-linear Monte Carlo for gamma+p (per configuration). Usage: bench_models [points] [mc_configurations]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "flowprior/core/rng.hpp"
#include "flowprior/models/hotspot_ish.hpp"
#include "flowprior/models/hotspot_mc.hpp"

using namespace flowprior;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

MatrixXd prior_draws(const HotspotModel& model, Index n, std::uint64_t seed) {
  const Box box = model.prior_box();
  Rng rng(seed);
  MatrixXd x(n, box.dim());
  rng.fill_uniform(x);
  for (Index i = 0; i < n; ++i) x.row(i) = box.lower().transpose() + x.row(i).cwiseProduct(box.width().transpose());
  return x;
}

void time_system(const char* label, HotspotOptions options, Index points) {
  const Clock::time_point t0 = Clock::now();
  const HotspotModel model(options);
  const double build = seconds_since(t0);
  const MatrixXd x = prior_draws(model, points, 3);
  MatrixXd y;
  const Clock::time_point t1 = Clock::now();
  model.predict(x, y);
  const double per_point = seconds_since(t1) / static_cast<double>(points);
  std::printf("%-34s build %7.3f s   %8.3f ms/point   (%ld points, %d observables)\n", label, build, per_point * 1e3,
              static_cast<long>(points), model.n_observables());
}

}  // namespace

int main(int argc, char** argv) {
  const Index points = argc > 1 ? std::atol(argv[1]) : 200;
  const int configurations = argc > 2 ? std::atoi(argv[2]) : 100;
  HotspotOptions gp;
  time_system("ISH gamma+p (H1, N_q=3, K=1)", gp, points);
  HotspotOptions gp_free = gp;
  gp_free.n_q_free = true;
  gp_free.k_free = true;
  time_system("ISH gamma+p (N_q, K free)", gp_free, points);
  HotspotOptions pb;
  pb.system = HotspotSystem::gamma_pb;
  time_system("ISH gamma+Pb (ALICE t bins)", pb, points / 4 + 1);
  HotspotOptions pb_w = pb;
  pb_w.include_sigma_w = true;
  time_system("ISH gamma+Pb (+13 sigma(W))", pb_w, points / 4 + 1);

  const HotspotParameters best{4.1, 1.9, 0.78, 0.95, 13.0, 0.5, 0.0, 3.0, 1.0};
  HotspotMcOptions mc;
  mc.configurations = configurations;
  VectorXd t(17);
  t << 0.02, 0.08, 0.14, 0.21, 0.30, 0.41, 0.58, 0.90, 0.10, 0.29, 0.52, 0.78, 1.12, 1.55, 2.21, 3.30, 5.71;
  const Clock::time_point t2 = Clock::now();
  hotspot_proton_mc(best, 75.0, t, mc);
  const double per_config = seconds_since(t2) / configurations;
  std::printf("%-34s %8.3f ms/configuration (72^2 grid, 48 r nodes, 8 directions, 17 |t|) => %.2f s per point at 400\n",
              "MC gamma+p (full non-linear)", per_config * 1e3, per_config * 400);
  return 0;
}
