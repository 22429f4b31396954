// The preconditioning flow's training rows (sampler/flow_training_rows.hpp): below the cap they are the trimmed
// largest weights as before; above it, a resample whose weighted mean is the particles' weighted mean, where the
// largest weights alone were measured to narrow the flow's posterior.
#include <gtest/gtest.h>

#include <cmath>

#include "flowprior/core/rng.hpp"
#include "flowprior/sampler/flow_training_rows.hpp"

namespace flowprior {
namespace {

double weighted_mean(const VectorXd& x, const std::vector<Index>& rows, const VectorXd& w) {
  double s = 0, m = 0;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    s += w[static_cast<Index>(k)];
    m += w[static_cast<Index>(k)] * x[rows[k]];
  }
  return m / s;
}

TEST(FlowTrainingRows, BelowTheCapKeepsTheTrimmedLargestWeights) {
  // 10 particles: 6 of weight 0.16 and 4 of 0.01. 99 % of the ESS and 99.9 % of the mass need all 10.
  VectorXd w(10);
  w << 0.16, 0.01, 0.16, 0.16, 0.01, 0.16, 0.01, 0.16, 0.01, 0.16;
  Rng rng(1, 1);
  const TrainingRows all = flow_training_rows(w, 100, rng);
  ASSERT_EQ(all.rows.size(), 10u);
  for (std::size_t k = 0; k < 10; ++k) {
    EXPECT_EQ(all.rows[k], static_cast<Index>(k));
    EXPECT_EQ(all.weights[static_cast<Index>(k)], w[static_cast<Index>(k)]);
  }
  // Weights of exactly 0 are dropped; the rest kept in ascending order with their weights.
  VectorXd z = VectorXd::Zero(6);
  z << 0.5, 0, 0.25, 0, 0.25, 0;
  const TrainingRows some = flow_training_rows(z, 100, rng);
  ASSERT_EQ(some.rows, (std::vector<Index>{0, 2, 4}));
  EXPECT_EQ(some.weights[1], 0.25);
}

TEST(FlowTrainingRows, AboveTheCapAResampleKeepsTheWeightedMean) {
  // 40 000 particles at positions x ~ U(0, 1) with nearly equal weights w ~ 1 + 0.5 x (as at beta = 1 in a long
  // persistent run). Exact weighted mean of x: E[x (1 + x / 2)] / E[1 + x / 2] = (1/2 + 1/6) / (5/4) = 8/15.
  const Index n = 40000, cap = 4096;
  Rng draw(7, 3);
  VectorXd x(n), w(n);
  for (Index i = 0; i < n; ++i) {
    x[i] = draw.uniform();
    w[i] = 1 + 0.5 * x[i];
  }
  const double sample_mean = x.dot(w) / w.sum();
  w /= w.sum();
  Rng rng(11, 5);
  const TrainingRows t = flow_training_rows(w, cap, rng);
  ASSERT_LE(static_cast<Index>(t.rows.size()), cap);
  ASSERT_EQ(static_cast<Index>(t.rows.size()), t.weights.size());
  EXPECT_EQ(t.weights.sum(), static_cast<double>(cap));  // counts of the cap's draws
  for (std::size_t k = 1; k < t.rows.size(); ++k) ASSERT_LT(t.rows[k - 1], t.rows[k]);
  // A systematic resample of 4096 draws: its mean's sd is below 0.29 / sqrt(4096) = 0.0045; tolerance 0.015.
  EXPECT_NEAR(weighted_mean(x, t.rows, t.weights), sample_mean, 0.015);
  EXPECT_NEAR(sample_mean, 8.0 / 15.0, 0.005);
  // The 4096 largest weights (the rule before) sit at x > 0.89: a mean of ~0.95, far from 8/15.
  // The same seed gives the same rows.
  Rng again(11, 5);
  EXPECT_EQ(flow_training_rows(w, cap, again).rows, t.rows);
}

}  // namespace
}  // namespace flowprior
