// The spline flow on the paper's banana at reduced size (bench/check_banana.cpp runs the full size; issue 21):
// exact KL(p || q) = mean over independent exact draws of log p - log q, with p normalised on the box by
// quadrature. Guards the NSF's fit in box coordinates (box map, standardisation, tail bound, knots) as a whole.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "flowprior/core/rng.hpp"
#include "flowprior/density/flow_prior.hpp"
#include "flowprior/flow/flow_on_box.hpp"
#include "density/banana_problem.hpp"

namespace flowprior {
namespace {

double nsf_banana_kl(double tail_bound) {
  VectorXd lo(2), hi(2);
  lo << -2.0, -1.0;
  hi << 3.0, 8.0;
  const Box box({"x1", "x2"}, lo, hi);
  Rng data_rng(77);
  const Samples train{.names = box.names(), .values = testing::banana_draws(8000, box, data_rng)};
  const MatrixXd reference = testing::banana_draws(5000, box, data_rng);
  TrainOptions options;
  options.flow.arch = FlowArch::nsf;
  options.flow.layers = 4;
  options.flow.hidden = 32;
  options.flow.tail_bound = tail_bound;
  options.max_epochs = 60;
  options.patience = 10;
  options.batch_size = 256;
  options.learning_rate = 3e-3;
  options.seed = 5;
  FlowOnBox flow;
  train_flow(train, box, options, flow);
  const FlowPrior prior(flow);
  const double log_z = testing::banana_log_normaliser(box);
  const VectorXd log_q = prior.log_prob(reference);
  double kl = 0;
  for (Index i = 0; i < reference.rows(); ++i) {
    kl += testing::banana_log_p(reference(i, 0), reference(i, 1)) - log_z - log_q[i];
  }
  return kl / static_cast<double>(reference.rows());
}

}  // namespace

// 8000 exact draws, 4 splines of 2 x 32, 60 epochs at most (~1.4 s of training each). Measured (seed fixed):
// default (autoregressive spline, bound from the data: 10.6 here) 0.033 nats, B = 3 0.136 (its identity tails
// cannot move the skewed x2 tail of the box logit); before issue 21 (coupling spline, B = 10) 0.041. Not tightened:
// over five data/training seeds the default spans 0.020-0.089 (bench/RESULTS.md, issue 21). The bar 0.06 leaves
// room for rounding differences between builds; the B = 3 run shows the test sees a defect of the kind it guards
// against.
TEST(NsfBanana, DefaultSplineFitsTheBananaAtReducedSize) {
  const double kl_default = nsf_banana_kl(FlowConfig{}.tail_bound);
  RecordProperty("kl_default", std::to_string(kl_default));
  EXPECT_LT(kl_default, 0.06);
  const double kl_narrow = nsf_banana_kl(3.0);
  RecordProperty("kl_narrow", std::to_string(kl_narrow));
  EXPECT_GT(kl_narrow, 2 * kl_default) << "default " << kl_default << ", B = 3: " << kl_narrow;
}

}  // namespace flowprior
