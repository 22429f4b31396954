// Reduced version of bench/check_banana.cpp: one architecture, 10k exact draws, a short training run.
#include <gtest/gtest.h>

#include <cmath>

#include "flowprior/core/rng.hpp"
#include "flowprior/density/flow_prior.hpp"
#include "flowprior/density/metrics/quality_report.hpp"
#include "flowprior/flow/flow_on_box.hpp"
#include "density/banana_problem.hpp"

namespace flowprior {
namespace {

TEST(BananaFlow, TrainedMafReachesTheNoiseFloor) {
  VectorXd lo(2), hi(2);
  lo << -2.0, -1.0;
  hi << 3.0, 8.0;
  const Box box({"x1", "x2"}, lo, hi);
  Rng data_rng(42);
  Samples train{.names = box.names(), .values = testing::banana_draws(10000, box, data_rng)};
  Samples reference{.names = box.names(), .values = testing::banana_draws(10000, box, data_rng)};

  TrainOptions options;
  options.flow.arch = FlowArch::maf;
  options.flow.layers = 5;
  options.flow.hidden = 32;
  options.max_epochs = 40;
  options.batch_size = 256;
  options.seed = 3;
  FlowOnBox flow;
  train_flow(train, box, options, flow);
  const FlowPrior prior(flow);

  // A trained flow still integrates to 1 on the box (midpoint rule, 600^2 cells; the banana ridge is ~0.16 wide
  // in x2, i.e. ~10 cells, so the quadrature error stays well below the 2e-3 tolerance).
  const int m = 600;
  MatrixXd grid(static_cast<Index>(m) * m, 2);
  const VectorXd w = box.width() / m;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j)
      grid.row(static_cast<Index>(i) * m + j) << lo[0] + (i + 0.5) * w[0], lo[1] + (j + 0.5) * w[1];
  EXPECT_NEAR(prior.log_prob(grid).array().exp().sum() * w[0] * w[1], 1.0, 2e-3);

  QualityOptions qo;
  qo.seed = 5;
  qo.moments.bootstrap = 40;
  Rng rng(6);
  const QualityReport r = assess_quality(reference, prior.sample(10000, rng), box, qo, &prior);
  // Looser than the bench's 1.5x / 0.55 at 100k draws: with 5000 points per side the 75x75 histograms are sparse
  // and the floor itself is noisy.
  EXPECT_LT(r.kl.mean / r.kl_floor.mean, 1.5);
  EXPECT_LT(r.c2st.accuracy, 0.56);
  EXPECT_LT(r.moments.max_abs, 5.0);
}

}  // namespace
}  // namespace flowprior
