// The emulator-to-data error ratio (emulator/error_ratio.hpp) on a known emulator: exactly the emulator's marginal sd
// (Emulator::predict_marginal) over the data's marginal error, point by point; median and maximum of a known matrix.
#include <gtest/gtest.h>

#include <memory>

#include "analytic_model.hpp"
#include "flowprior/core/error.hpp"
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

TEST(ErrorRatio, RefusesALikelihoodWithoutEmulator) {
  GaussianDataset d = ratio_test_dataset();
  const DirectModel model = [](const MatrixXd& x, MatrixXd& y) { y = analytic_model(x, 6); };
  const GaussianLikelihood like(d, model, analytic_box().names(), analytic_output_names(6));
  EXPECT_THROW(emulator_to_data_error_ratios(like, MatrixXd::Constant(1, 5, 0.5)), Error);
}
