#include <gtest/gtest.h>

#include <cmath>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/density/gaussian.hpp"
#include "flowprior/density/metrics/quality_report.hpp"

namespace flowprior {
namespace {

MatrixXd normal_sample(Index n, int d, double shift, std::uint64_t seed) {
  Rng rng(seed);
  MatrixXd x(n, d);
  rng.fill_normal(x);
  x.col(0).array() += shift;
  return x;
}

TEST(HistogramKL, EntropyMatchesHandComputation) {
  VectorXd p(3), q(3);
  p << 1, 2, 1;  // normalised: 1/4, 1/2, 1/4
  q << 2, 1, 1;  // normalised: 1/2, 1/4, 1/4
  EXPECT_NEAR(entropy_kl(p, q), 0.25 * std::log(0.5) + 0.5 * std::log(2.0), 1e-15);
  EXPECT_EQ(entropy_kl(q, q), 0.0);
  VectorXd z(3);
  z << 1, 0, 1;
  EXPECT_EQ(entropy_kl(p, z), INFINITY);
  EXPECT_THROW(entropy_kl(p, VectorXd::Zero(3)), Error);
}

TEST(HistogramKL, OneAndTwoDimensionalByHand) {
  // Box [0,1]^2, 2 bins per axis. p has 3 points, q 4; the 1e-10 floor is added to density values (numpy
  // density=True), then renormalised as scipy.stats.entropy does.
  const Box box({"a", "b"}, VectorXd::Zero(2), VectorXd::Ones(2));
  MatrixXd p(3, 2), q(4, 2);
  p << 0.1, 0.1, 0.2, 0.9, 0.7, 0.8;
  q << 0.1, 0.2, 0.6, 0.3, 0.7, 0.9, 1.0, 0.6;  // a = 1.0 lands in the last (closed) bin, as in numpy
  const HistogramKLOptions options{.bins = 2, .floor = 1e-10};
  const HistogramKL kl = histogram_kl(p, VectorXd(), q, VectorXd(), box, options);
  auto kl_of = [](std::vector<double> dp, std::vector<double> dq) {
    double sp = 0, sq = 0, out = 0;
    for (auto& v : dp) sp += (v += 1e-10);
    for (auto& v : dq) sq += (v += 1e-10);
    for (std::size_t i = 0; i < dp.size(); ++i) out += dp[i] / sp * std::log((dp[i] / sp) / (dq[i] / sq));
    return out;
  };
  // a: p counts [2, 1] -> densities [4/3, 2/3]; q counts [1, 3] -> [1/2, 3/2].
  EXPECT_NEAR(kl.kl_1d[0], kl_of({4. / 3, 2. / 3}, {0.5, 1.5}), 1e-12);
  // b: p [1, 2] -> [2/3, 4/3]; q [2, 2] -> [1, 1].
  EXPECT_NEAR(kl.kl_1d[1], kl_of({2. / 3, 4. / 3}, {1, 1}), 1e-12);
  // pair (b, a): cells (b bin, a bin) row-major; area 1/4. p: (0,0) (1,0) (1,1); q: (0,0) (0,1) (1,1) (1,1).
  ASSERT_EQ(kl.pairs.size(), 1u);
  EXPECT_EQ(kl.pairs[0], std::make_pair(1, 0));
  EXPECT_NEAR(kl.kl_2d[0], kl_of({4. / 3, 0, 4. / 3, 4. / 3}, {1, 1, 0, 2}), 1e-12);
  EXPECT_NEAR(kl.mean, 0.5 * (0.5 * (kl.kl_1d[0] + kl.kl_1d[1]) + kl.kl_2d[0]), 1e-15);
}

TEST(HistogramKL, FloorMakesDisjointSupportsFinite) {
  const Box box({"a"}, VectorXd::Zero(1), VectorXd::Ones(1));
  MatrixXd p(1, 1), q(1, 1);
  p << 0.2;
  q << 0.8;
  const HistogramKL kl = histogram_kl(p, VectorXd(), q, VectorXd(), box, {.bins = 2, .floor = 1e-10});
  const double a = (2 + 1e-10) / (2 + 2e-10), b = 1e-10 / (2 + 2e-10);
  EXPECT_NEAR(kl.mean, (a - b) * std::log(a / b), 1e-9);  // ~ ln(2e10) = 23.7
}

TEST(HistogramKL, WeightsActLikeRepeatedPoints) {
  const Box box({"a"}, VectorXd::Zero(1), VectorXd::Ones(1));
  MatrixXd p(2, 1), p_rep(3, 1), q(3, 1);
  p << 0.1, 0.9;
  p_rep << 0.1, 0.9, 0.9;
  q << 0.2, 0.3, 0.6;
  VectorXd w(2);
  w << 0.5, 1.0;
  EXPECT_NEAR(histogram_kl(p, w, q, VectorXd(), box, {.bins = 4}).mean,
              histogram_kl(p_rep, VectorXd(), q, VectorXd(), box, {.bins = 4}).mean, 1e-12);
}

TEST(MomentZScores, SampleMomentsByHand) {
  MatrixXd x(4, 2);
  x << 1, 1, 2, 0, 3, 0, 4, 3;
  const SampleMoments m = sample_moments(x);
  EXPECT_DOUBLE_EQ(m.per_parameter(0, kMean), 2.5);
  EXPECT_DOUBLE_EQ(m.per_parameter(0, kVariance), 1.25);
  EXPECT_NEAR(m.per_parameter(0, kSkewness), 0.0, 1e-15);
  EXPECT_NEAR(m.per_parameter(0, kExcessKurtosis), 2.5625 / 1.5625 - 3.0, 1e-14);
  // second column: mean 1, deviations 0,-1,-1,2 -> m2 = 1.5, m3 = 6/4, skew = 1.5 / 1.5^1.5
  EXPECT_NEAR(m.per_parameter(1, kSkewness), 1.5 / std::pow(1.5, 1.5), 1e-14);
  // covariance (biased): deviations (-1.5,-.5,.5,1.5).(0,-1,-1,2) / 4 = (0 + .5 - .5 + 3) / 4
  EXPECT_NEAR(m.covariance[0], 0.75, 1e-15);
}

TEST(MomentZScores, SameDistributionNearOneShiftedMeanLarge) {
  const MatrixXd a = normal_sample(3000, 3, 0.0, 1), b = normal_sample(3000, 3, 0.0, 2);
  const MomentZScores same = moment_z_scores(a, b, {.bootstrap = 60, .seed = 3});
  // 18 entries of N(0,1) (approximately): rms within [0.4, 1.8] except with tiny probability.
  EXPECT_LT(same.rms, 1.8);
  EXPECT_GT(same.rms, 0.4);
  const MatrixXd c = normal_sample(3000, 3, 0.25, 2);
  const MomentZScores shifted = moment_z_scores(a, c, {.bootstrap = 60, .seed = 3});
  // expected z_mean = 0.25 / sqrt(2 / 3000) = 9.7
  EXPECT_GT(shifted.z(0, kMean), 6.0);
  // threads change nothing
  const MomentZScores two = moment_z_scores(a, c, {.bootstrap = 60, .seed = 3, .threads = 2});
  EXPECT_EQ(two.z, shifted.z);
}

TEST(C2ST, SameDistributionHalfDifferentSeparable) {
  const MatrixXd a = normal_sample(2000, 2, 0.0, 11), b = normal_sample(2000, 2, 0.0, 12);
  const C2STResult same = c2st(a, b, {.neighbours = 25, .seed = 5});
  // SE of an accuracy at 4000 test points = 0.008; 0.04 is 5 SE.
  EXPECT_NEAR(same.accuracy, 0.5, 0.04);
  const MatrixXd c = normal_sample(2000, 2, 1.0, 12);
  const C2STResult diff = c2st(a, c, {.neighbours = 25, .seed = 5});
  // Bayes accuracy for a unit mean shift is Phi(0.5) = 0.69; kNN gets close.
  EXPECT_GT(diff.accuracy, 0.62);
  EXPECT_EQ(diff.fold_accuracy.size(), 5u);
  const C2STResult threaded = c2st(a, c, {.neighbours = 25, .seed = 5, .threads = 2});
  EXPECT_EQ(threaded.fold_accuracy, diff.fold_accuracy);
  EXPECT_THROW(c2st(a, c, {.neighbours = 4}), Error);
}

TEST(QualityReport, SystematicResampleByHand) {
  VectorXd w(4);
  w << 0, 1, 0, 3;
  EXPECT_EQ(systematic_resample(w, 4, 9), (std::vector<Index>{1, 3, 3, 3}));
}

TEST(QualityReport, SameVersusDifferentAgainstNoiseFloor) {
  const Box box({"a", "b"}, VectorXd::Constant(2, -5.0), VectorXd::Constant(2, 5.0));
  Samples ref;
  ref.names = {"b", "a"};  // matched by name, not position
  ref.values = normal_sample(4000, 2, 0.0, 21);
  const MatrixXd same = normal_sample(2000, 2, 0.0, 22);
  const GaussianDensity truth(VectorXd::Zero(2), MatrixXd::Identity(2, 2));
  QualityOptions options;
  options.histogram.bins = 20;
  options.moments.bootstrap = 40;
  const QualityReport r = assess_quality(ref, same, box, options, &truth);
  EXPECT_EQ(r.n_used, 2000);
  // Same distribution: the model's <D_KL> is a draw of the same statistic as the floor. Their ratio scatters by
  // ~10 % at these sizes (20 bins), so [0.7, 1.4] is a generous band.
  EXPECT_GT(r.kl.mean / r.kl_floor.mean, 0.7);
  EXPECT_LT(r.kl.mean / r.kl_floor.mean, 1.4);
  // SE of a C2ST accuracy at 4000 test points = 0.008; 0.04 = 5 SE.
  EXPECT_NEAR(r.c2st.accuracy, 0.5, 0.04);
  EXPECT_NEAR(r.c2st_floor.accuracy, 0.5, 0.04);
  // NLL of the exact density = entropy of N(0, I_2) = 1 + log(2 pi) = 2.8379; SE ~ 0.016 at n = 4000.
  EXPECT_NEAR(r.nll, 1.0 + std::log(2 * M_PI), 5 * r.nll_standard_error);

  // Different: column "b" wider (sd 1.5) and shifted by 0.3.
  MatrixXd wide = normal_sample(2000, 2, 0.0, 23);
  wide.col(1) = (wide.col(1).array() * 1.5 + 0.3).matrix();
  const QualityReport d = assess_quality(ref, wide, box, options, &truth);
  // The 2-D part of <D_KL> (400 cells, 2000 points) is mostly binning noise, so the difference shows in the 1-D
  // part; the same-distribution band above is [0.7, 1.4].
  EXPECT_GT(d.kl.mean_1d / d.kl_floor.mean_1d, 3.0);
  EXPECT_GT(d.kl.mean / d.kl_floor.mean, 1.25);
  EXPECT_GT(d.c2st.accuracy, 0.56);  // 7 SE above 0.5
  EXPECT_GT(std::abs(d.moments.z(1, kVariance)), 8.0);  // 1.25 / sqrt(2 / 2000 + 2 * 1.5^4 / 2000) ~ 15

  const nlohmann::json j = quality_report_to_json(d);
  EXPECT_EQ(j["c2st"]["model"]["accuracy"].get<double>(), d.c2st.accuracy);
  EXPECT_FALSE(quality_report_table(d).empty());
}

TEST(QualityReport, ReferenceWeightsAreHonoured) {
  // Half of the reference rows come from a shifted normal but carry weight 0: ignoring the weights would make the
  // model (an unshifted normal) clearly distinguishable.
  const Box box({"a", "b"}, VectorXd::Constant(2, -6.0), VectorXd::Constant(2, 8.0));
  Samples ref;
  ref.names = {"a", "b"};
  ref.values.resize(4000, 2);
  ref.values << normal_sample(2000, 2, 0.0, 31), normal_sample(2000, 2, 3.0, 32);
  ref.weights = VectorXd::Zero(4000);
  ref.weights.head(2000).setOnes();
  QualityOptions options;
  options.histogram.bins = 20;
  options.moments.bootstrap = 20;
  const QualityReport r = assess_quality(ref, normal_sample(2000, 2, 0.0, 33), box, options);
  EXPECT_TRUE(r.reference_weighted);
  EXPECT_NEAR(r.reference_effective_size, 2000.0, 1e-9);
  EXPECT_EQ(r.n_used, 1000);
  EXPECT_NEAR(r.c2st.accuracy, 0.5, 0.05);  // SE 0.011 at 2000 test points
  EXPECT_LT(std::abs(r.moments.z(0, kMean)), 5.0);
}

TEST(QualityReport, BadReferenceIsAnError) {
  const Box box({"a", "b"}, VectorXd::Zero(2), VectorXd::Ones(2));
  Samples ref;
  ref.names = {"a", "c"};
  ref.values = MatrixXd::Constant(100, 2, 0.5);
  EXPECT_THROW(assess_quality(ref, MatrixXd::Constant(100, 2, 0.5), box), Error);  // column b missing
  ref.names = {"a", "b"};
  ref.values(3, 1) = 1.5;
  try {
    assess_quality(ref, MatrixXd::Constant(100, 2, 0.5), box);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().row, 3);
    EXPECT_EQ(e.context().parameter, "b");
  }
}

}  // namespace
}  // namespace flowprior
