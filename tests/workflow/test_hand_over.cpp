// Hand-over coverage against exact Gaussian answers, and the configuration keys that act on it.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/hand_over.hpp"

namespace flowprior {
namespace {

Samples gaussian_samples(Index n, const VectorXd& mean, const VectorXd& sd, std::uint64_t seed) {
  Rng rng(seed);
  Samples s;
  s.values.resize(n, mean.size());
  rng.fill_normal(s.values);
  for (Index j = 0; j < mean.size(); ++j) s.values.col(j) = (s.values.col(j) * sd[j]).array() + mean[j];
  for (Index j = 0; j < mean.size(); ++j) s.names.push_back("p" + std::to_string(j));
  return s;
}

TEST(HandOverCoverage, NarrowLaterPosteriorInsideABroadEarlierOne) {
  // Earlier N(0, I_3), later N(0, 0.2^2 I_3): the later 95% ellipsoid is the ball of radius^2 0.04 * chi2_3(0.95)
  // = 0.04 * 7.8147 = 0.31259, which holds P(chi2_3 <= 0.31259) = 0.04235 of the earlier mass (exact, chi-square
  // cdf). The later moments are estimated from 20000 draws, so the radius carries ~1% error: tolerance 0.005 on
  // the fraction (binomial sd with 40000 earlier draws: 0.001).
  const Index n = 40000;
  const Samples earlier = gaussian_samples(n, VectorXd::Zero(3), VectorXd::Ones(3), 1);
  const Samples later = gaussian_samples(20000, VectorXd::Zero(3), VectorXd::Constant(3, 0.2), 2);
  const HandOverCoverage c = hand_over_coverage(earlier, later);
  EXPECT_NEAR(c.fraction, 0.04235, 0.005);
  EXPECT_NEAR(c.effective_inside, c.fraction * n, 1e-6 * n);  // equal weights: Kish size = count inside
  EXPECT_NEAR(c.resolution_sd, 1.0 / std::sqrt(c.effective_inside), 1e-12);

  // The same distribution: 95% of the earlier samples inside (binomial sd 0.0011 at n = 40000).
  const HandOverCoverage same =
      hand_over_coverage(earlier, gaussian_samples(20000, VectorXd::Zero(3), VectorXd::Ones(3), 3));
  EXPECT_NEAR(same.fraction, 0.95, 0.006);

  // A later posterior far out in the earlier one's tail: (almost) nothing inside, resolution beyond any margin.
  const HandOverCoverage far =
      hand_over_coverage(earlier, gaussian_samples(20000, VectorXd::Constant(3, 5.0), VectorXd::Constant(3, 0.2), 4));
  EXPECT_LT(far.effective_inside, 1.0);
  EXPECT_GT(far.resolution_sd, 1.0);
}

TEST(HandOverCoverage, WeightsCountAsTheirKishSize) {
  // Duplicating every earlier row with weight 1/2 each changes nothing; one heavy row inside dominates the Kish size.
  const Samples earlier = gaussian_samples(4000, VectorXd::Zero(2), VectorXd::Ones(2), 5);
  const Samples later = gaussian_samples(4000, VectorXd::Zero(2), VectorXd::Constant(2, 0.3), 6);
  Samples doubled = earlier;
  doubled.values.resize(8000, 2);
  doubled.values << earlier.values, earlier.values;
  doubled.weights = VectorXd::Constant(8000, 0.5);
  const HandOverCoverage a = hand_over_coverage(earlier, later), b = hand_over_coverage(doubled, later);
  EXPECT_NEAR(a.fraction, b.fraction, 1e-12);
  EXPECT_NEAR(b.effective_inside, a.effective_inside * 2.0, 1e-6);  // 2x rows of equal weight inside
  Samples heavy = earlier;
  heavy.values.row(0).setZero();  // inside
  heavy.weights = VectorXd::Ones(4000);
  heavy.weights[0] = 1e6;
  const HandOverCoverage h = hand_over_coverage(heavy, later);
  EXPECT_LT(h.effective_inside, 1.01);
  EXPECT_GT(h.fraction, 0.99);

  Samples flat = later;
  flat.values.col(1).setConstant(0.5);  // a parameter that does not vary: no region
  EXPECT_THROW(hand_over_coverage(earlier, flat), Error);
  EXPECT_THROW(hand_over_coverage(gaussian_samples(100, VectorXd::Zero(3), VectorXd::Ones(3), 7), later), Error);
}

std::string config_with(const std::string& extra) {
  return "seed = 1\n[parameters]\nx = [0, 1]\ny = [0, 1]\n"
         "[datasets.A]\ndata = \"a.csv\"\nmodel = \"linear\"\nmatrix = [[1.0, 0.0]]\n"
         "[datasets.B]\ndata = \"b.csv\"\nmodel = \"linear\"\nmatrix = [[0.0, 1.0]]\n"
         "[[stages]]\nname = \"s1\"\ndatasets = [\"A\"]\n"
         "[[stages]]\nname = \"s2\"\ndatasets = [\"B\"]\nprior = \"flow\"\nn_total = 3000\n" +
         extra;
}

TEST(AnalysisConfig, FlowEnsembleAndReverseOrderSampleSize) {
  const AnalysisConfig c = parse_analysis_config(
      config_with("[flow]\nensemble = 4\n[checks]\nreverse_order = true\nreverse_order_n_total = 20000\n"),
      "inline.toml", "");
  EXPECT_EQ(c.flow_ensemble, 4);
  EXPECT_EQ(c.checks.reverse_order_n_total, 20000);
  EXPECT_EQ(parse_analysis_config(config_with(""), "inline.toml", "").flow_ensemble, 1);
  try {
    parse_analysis_config(config_with("[flow]\nensemble = 0\n"), "inline.toml", "");
    FAIL() << "ensemble = 0 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().parameter, "flow.ensemble");
  }
  try {
    parse_analysis_config(
        config_with("sampler = \"ensemble\"\n[checks]\nreverse_order = true\nreverse_order_n_total = 5000\n"),
        "inline.toml", "");
    FAIL() << "reverse_order_n_total accepted for an ensemble-sampler stage";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().parameter, "checks.reverse_order_n_total");
  }
}

}  // namespace
}  // namespace flowprior
