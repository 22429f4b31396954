// The emulator-to-data error ratio (emulator/error_ratio.hpp) on a known emulator: exactly the emulator's marginal sd
// (Emulator::predict_marginal) over the data's marginal error, point by point; quantiles, maximum, the fraction of
// points above the target and each data point's distribution on known matrices.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "analytic_model.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/quantile.hpp"
#include "flowprior/emulator/design.hpp"
#include "flowprior/emulator/error_ratio.hpp"

using namespace flowprior;
using flowprior::testing::analytic_box;
using flowprior::testing::analytic_model;
using flowprior::testing::analytic_output_names;

namespace {

std::shared_ptr<const Emulator> ratio_test_emulator() {
  static const auto e = [] {
    const MatrixXd design = maximin_latin_hypercube(analytic_box(), 40, {.seed = 7});
    EmulatorOptions o;
    o.components = 2;  // a visible truncation term: it counts as emulator error too
    o.gp.restarts = 1;
    return std::make_shared<const Emulator>(Emulator::train(design, analytic_model(design, 6), analytic_box().names(),
                                                            analytic_output_names(6), o));
  }();
  return e;
}

GaussianDataset ratio_test_dataset() {
  GaussianDataset d;
  d.name = "toy";
  d.observables = {"y1", "y4"};
  d.values = VectorXd::Constant(2, 1.0);
  d.uncorrelated_sd = (VectorXd(2) << 0.03, 0.04).finished();
  d.correlated = {{"normalisation", (VectorXd(2) << 0.0, 0.03).finished()}};  // y4: total sd 0.05
  return d;
}

}  // namespace

TEST(ErrorRatio, IsTheEmulatorsMarginalSdOverTheDataError) {
  const GaussianLikelihood like(ratio_test_dataset(), ratio_test_emulator());
  const MatrixXd x = maximin_latin_hypercube(analytic_box(), 5, {.seed = 99});
  const MatrixXd r = emulator_to_data_error_ratios(like, x);
  MatrixXd mean, sd;
  ratio_test_emulator()->predict_marginal(x, mean, sd);
  ASSERT_EQ(r.rows(), 5);
  ASSERT_EQ(r.cols(), 2);
  for (Index b = 0; b < 5; ++b) {
    EXPECT_NEAR(r(b, 0), sd(b, 1) / 0.03, 1e-9 * r(b, 0)) << b;
    EXPECT_NEAR(r(b, 1), sd(b, 4) / 0.05, 1e-9 * r(b, 1)) << b;
    EXPECT_GT(r(b, 0), 0.0);
  }
}

TEST(ErrorRatio, MedianAndMaximum) {
  const ErrorRatioSummary odd = summarize_error_ratios((MatrixXd(1, 3) << 0.3, 0.1, 0.2).finished());
  EXPECT_EQ(odd.count, 3);
  EXPECT_DOUBLE_EQ(odd.median, 0.2);
  EXPECT_DOUBLE_EQ(odd.max, 0.3);
  const ErrorRatioSummary even = summarize_error_ratios((MatrixXd(2, 2) << 3.0, 1.0, 2.0, 4.0).finished());
  EXPECT_DOUBLE_EQ(even.median, 2.5);
  EXPECT_DOUBLE_EQ(even.max, 4.0);
  EXPECT_EQ(summarize_error_ratios(MatrixXd(0, 2)).count, 0);
}

TEST(ErrorRatio, QuantilesInterpolateBetweenOrderStatistics) {
  std::vector<double> v{4.0, 0.0, 3.0, 1.0, 2.0};  // sorted 0..4: quantile q is 4 q
  std::sort(v.begin(), v.end());
  EXPECT_DOUBLE_EQ(quantile_of_sorted(v, 0.5), 2.0);
  EXPECT_DOUBLE_EQ(quantile_of_sorted(v, 0.95), 3.8);
  EXPECT_DOUBLE_EQ(quantile_of_sorted(v, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(quantile_of_sorted(v, 0.0), 0.0);
  std::vector<double> none;
  EXPECT_EQ(quantile_of_sorted(none, 0.5), 0.0);
}

// 20 points x 3 data points: data point 0 at 0.1 everywhere, data point 1 at 0.2 except 0.5 at two points, data
// point 2 rising from 0 to 0.95 (i / 20). The pooled 95th percentile, the fraction of points with some ratio above
// 1/3 and each column's distribution are known.
TEST(ErrorRatio, PerDataPointAndFractionOfPointsAboveTheTarget) {
  MatrixXd r(20, 3);
  for (Index i = 0; i < 20; ++i) r.row(i) << 0.1, (i == 3 || i == 11) ? 0.5 : 0.2, static_cast<double>(i) / 20.0;
  const ErrorRatioSummary s = summarize_error_ratios(r);
  EXPECT_EQ(s.points, 20);
  // rows with a ratio > 1/3: i >= 7 by column 2 (13 rows), and rows 3 (column 1): 14 of 20
  EXPECT_DOUBLE_EQ(s.fraction_points_above, 14.0 / 20.0);
  std::vector<double> all(r.data(), r.data() + r.size());
  std::sort(all.begin(), all.end());
  EXPECT_DOUBLE_EQ(s.p95, quantile_of_sorted(all, 0.95));
  EXPECT_NEAR(s.p95, 0.8025, 1e-12);  // 60 values, (n - 1) q = 56.05: between column 2's 0.8 and 0.85
  const std::vector<DataPointRatios> d = per_data_point_ratios(r);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_DOUBLE_EQ(d[0].median, 0.1);
  EXPECT_DOUBLE_EQ(d[0].p95, 0.1);
  EXPECT_DOUBLE_EQ(d[0].fraction_above, 0.0);
  EXPECT_DOUBLE_EQ(d[1].median, 0.2);
  EXPECT_NEAR(d[1].p90, 0.23, 1e-12);  // (n - 1) q = 17.1: a tenth of the way from 0.2 to the first 0.5
  EXPECT_DOUBLE_EQ(d[1].max, 0.5);
  EXPECT_DOUBLE_EQ(d[1].fraction_above, 2.0 / 20.0);
  EXPECT_NEAR(d[2].median, 0.475, 1e-15);  // 9.5 / 20
  EXPECT_NEAR(d[2].p99, (0.99 * 19.0) / 20.0, 1e-15);
  EXPECT_DOUBLE_EQ(d[2].fraction_above, 13.0 / 20.0);
  // A higher threshold counts fewer points.
  EXPECT_DOUBLE_EQ(summarize_error_ratios(r, 0.6).fraction_points_above, 7.0 / 20.0);  // i >= 13
}

TEST(ErrorRatio, RefusesALikelihoodWithoutEmulator) {
  GaussianDataset d = ratio_test_dataset();
  const DirectModel model = [](const MatrixXd& x, MatrixXd& y) { y = analytic_model(x, 6); };
  const GaussianLikelihood like(d, model, analytic_box().names(), analytic_output_names(6));
  EXPECT_THROW(emulator_to_data_error_ratios(like, MatrixXd::Constant(1, 5, 0.5)), Error);
}
