// Posterior predictive bands, chi^2 and p-values (workflow/predictive.hpp).
//
// Coverage (issue 10, item 2). What is checked: the band of the MODEL CURVE, i.e. the central 68% / 95% interval of
// mu_i(x) over posterior draws x (a direct model has no emulator variance, so this is exactly the band the run
// draws), and whether it contains the noiseless model value mu_i(x_true). Why the nominal rate is expected: for a
// linear model y = A x + b with Gaussian errors and a flat prior (a box far wider than the posterior), the posterior
// is N(x_hat, S) with x_hat ~ N(x_true, S) over repeated data, so mu_i(x_true) - mu_i(x_hat) has the same law as
// mu_i(x) - mu_i(x_hat) for a posterior draw x: the truth is one more posterior draw, and each band covers it with
// its nominal probability, for each observable, over simulated datasets. Within one dataset the observables share
// the same x_hat and are strongly correlated (20 points of one line), so the fraction of covered observables in a
// single dataset is NOT binomial; across independent datasets it is. Hence:
//   per observable: the count over K datasets ~ Binomial(K, p): |rate - p| < 4 sqrt(p (1 - p) / K);
//   pooled over all observables and datasets: |rate - p| < 4 SE, the SE from the spread of the K per-dataset
//   fractions (correct under the within-dataset correlation; it is larger than the binomial sqrt(p(1-p)/(K m))).
// The same check on posterior draws that are too narrow (sd halved: coverage P(|Z| < 0.497) = 0.38 for 68%) must
// fail, so the test can fail.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "flowprior/core/rng.hpp"
#include "flowprior/emulator/gaussian_likelihood.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/predictive.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;

// y_i = slope t_i + intercept at m points t_i in [0.1, 2], sd 0.3 each.
struct LineProblem {
  Index m = 20;
  VectorXd t = VectorXd::LinSpaced(20, 0.1, 2.0);
  double sd = 0.3;
  VectorXd truth = (VectorXd(2) << 1.0, -0.5).finished();
  MatrixXd design() const {
    MatrixXd a(m, 2);
    a.col(0) = t;
    a.col(1).setOnes();
    return a;
  }
};

std::shared_ptr<GaussianLikelihood> line_likelihood(const LineProblem& p, const VectorXd& values,
                                                    ObservableScale scale = ObservableScale::linear) {
  GaussianDataset d;
  d.name = "line";
  for (Index i = 0; i < p.m; ++i) d.observables.push_back("y" + std::to_string(i));
  d.values = values;
  d.uncorrelated_sd = VectorXd::Constant(p.m, scale == ObservableScale::log ? p.sd * values.mean() : p.sd);
  d.scale = scale;
  const MatrixXd a = p.design();
  DirectModel model = [a](const MatrixXd& x, MatrixXd& y) { y = x * a.transpose(); };
  const std::vector<std::string> outputs = d.observables;
  return std::make_shared<GaussianLikelihood>(std::move(d), model, std::vector<std::string>{"slope", "intercept"},
                                              outputs);
}

struct Coverage {
  VectorXd per_observable68, per_observable95;  // rate over datasets, per observable
  double pooled68 = 0, pooled95 = 0, se68 = 0, se95 = 0;  // pooled rate and its SE from per-dataset fractions
  Index datasets = 0;
};

// K simulated datasets; exact posterior N(x_hat, S) from generalised least squares, draws with sd scaled by
// `posterior_sd_scale` (1 = exact).
Coverage simulate_coverage(double posterior_sd_scale, Index datasets, Index draws, std::uint64_t seed) {
  const LineProblem p;
  const MatrixXd a = p.design();
  const VectorXd mu_true = a * p.truth;
  const MatrixXd s = (a.transpose() * a / (p.sd * p.sd)).inverse();
  const MatrixXd l = Eigen::LLT<MatrixXd>(s).matrixL();
  Rng rng(seed);
  Coverage c;
  c.datasets = datasets;
  c.per_observable68 = VectorXd::Zero(p.m);
  c.per_observable95 = VectorXd::Zero(p.m);
  VectorXd f68(datasets), f95(datasets);
  for (Index k = 0; k < datasets; ++k) {
    VectorXd y = mu_true;
    for (Index i = 0; i < p.m; ++i) y[i] += p.sd * rng.normal();
    const VectorXd x_hat = s * a.transpose() * y / (p.sd * p.sd);
    MatrixXd posterior(draws, 2);
    for (Index r = 0; r < draws; ++r) {
      const VectorXd z = (VectorXd(2) << rng.normal(), rng.normal()).finished();
      posterior.row(r) = (x_hat + posterior_sd_scale * (l * z)).transpose();
    }
    const auto likelihood = line_likelihood(p, y);
    Rng band_rng(seed, stream_id({7, static_cast<std::uint64_t>(k)}));
    const DatasetPredictive band = posterior_predictive(*likelihood, ObservableScale::linear, posterior, draws,
                                                        band_rng);
    EXPECT_EQ(band.draws, draws);
    Index in68 = 0, in95 = 0;
    for (Index i = 0; i < p.m; ++i) {
      const bool i68 = band.lower68[i] <= mu_true[i] && mu_true[i] <= band.upper68[i];
      const bool i95 = band.lower95[i] <= mu_true[i] && mu_true[i] <= band.upper95[i];
      c.per_observable68[i] += i68;
      c.per_observable95[i] += i95;
      in68 += i68;
      in95 += i95;
    }
    f68[k] = static_cast<double>(in68) / static_cast<double>(p.m);
    f95[k] = static_cast<double>(in95) / static_cast<double>(p.m);
  }
  const double n = static_cast<double>(datasets);
  c.per_observable68 /= n;
  c.per_observable95 /= n;
  c.pooled68 = f68.mean();
  c.pooled95 = f95.mean();
  c.se68 = std::sqrt((f68.array() - c.pooled68).square().sum() / (n - 1) / n);
  c.se95 = std::sqrt((f95.array() - c.pooled95).square().sum() / (n - 1) / n);
  return c;
}

// Every per-observable rate within 4 binomial sigma of p, and the pooled rate within 4 SE.
bool nominal(const VectorXd& per_observable, double pooled, double se, double p, Index datasets) {
  const double binomial = std::sqrt(p * (1 - p) / static_cast<double>(datasets));
  for (Index i = 0; i < per_observable.size(); ++i)
    if (std::abs(per_observable[i] - p) > 4 * binomial) return false;
  return std::abs(pooled - p) < 4 * se;
}

TEST(PosteriorPredictive, ModelCurveBandsCoverNoiselessValuesAtNominalRate) {
  const Index datasets = 400;
  const Coverage c = simulate_coverage(1.0, datasets, 400, 20261126);
  // Stated for the record (and for a reader of a failure): rates and tolerances.
  const double b68 = 4 * std::sqrt(0.68 * 0.32 / datasets), b95 = 4 * std::sqrt(0.95 * 0.05 / datasets);
  SCOPED_TRACE("68%: pooled " + std::to_string(c.pooled68) + " +- " + std::to_string(c.se68) + ", per observable " +
               std::to_string(c.per_observable68.minCoeff()) + ".." + std::to_string(c.per_observable68.maxCoeff()) +
               " (tolerance +-" + std::to_string(b68) + ")");
  SCOPED_TRACE("95%: pooled " + std::to_string(c.pooled95) + " +- " + std::to_string(c.se95) + ", per observable " +
               std::to_string(c.per_observable95.minCoeff()) + ".." + std::to_string(c.per_observable95.maxCoeff()) +
               " (tolerance +-" + std::to_string(b95) + ")");
  std::printf("coverage over %ld datasets x 20 observables: 68%% band %.4f +- %.4f (per observable %.3f..%.3f, "
              "binomial tolerance +-%.3f); 95%% band %.4f +- %.4f (per observable %.3f..%.3f, tolerance +-%.3f)\n",
              static_cast<long>(datasets), c.pooled68, c.se68, c.per_observable68.minCoeff(),
              c.per_observable68.maxCoeff(), b68, c.pooled95, c.se95, c.per_observable95.minCoeff(),
              c.per_observable95.maxCoeff(), b95);
  EXPECT_TRUE(nominal(c.per_observable68, c.pooled68, c.se68, 0.68, datasets));
  EXPECT_TRUE(nominal(c.per_observable95, c.pooled95, c.se95, 0.95, datasets));
  // The pooled SE exceeds the naive binomial SE of K m independent trials: the observables are correlated.
  EXPECT_GT(c.se68, std::sqrt(0.68 * 0.32 / static_cast<double>(datasets * 20)));
}

TEST(PosteriorPredictive, TooNarrowPosteriorFailsTheCoverageCheck) {
  const Index datasets = 400;
  const Coverage c = simulate_coverage(0.5, datasets, 400, 20261126);
  std::printf("too-narrow posterior (sd x 0.5): 68%% band %.4f, 95%% band %.4f\n", c.pooled68, c.pooled95);
  EXPECT_FALSE(nominal(c.per_observable68, c.pooled68, c.se68, 0.68, datasets));
  EXPECT_FALSE(nominal(c.per_observable95, c.pooled95, c.se95, 0.95, datasets));
  EXPECT_NEAR(c.pooled68, 0.383, 0.05);  // P(|Z| < 0.497): the band is half as wide as it should be
}

TEST(PosteriorPredictive, PointMassGivesExactChi2AndExtremePValues) {
  const LineProblem p;
  const MatrixXd posterior = p.truth.transpose().replicate(50, 1);
  const VectorXd mu = p.design() * p.truth;
  Rng rng(3);
  // Data exactly on the model: chi2 = 0, every replicate is at least as far: p = 1; bands collapse onto mu.
  const DatasetPredictive on = posterior_predictive(*line_likelihood(p, mu), ObservableScale::linear, posterior, 50,
                                                    rng);
  EXPECT_NEAR(on.chi2_at_median, 0.0, 1e-20);
  EXPECT_EQ(on.p_value, 1.0);
  EXPECT_LT((on.median - mu).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((on.upper95 - on.lower95).cwiseAbs().maxCoeff(), 1e-12);
  // Data 10 sd off at every point: chi2 = m * 100 exactly, no replicate reaches it: p = 0.
  const VectorXd off = mu.array() + 10 * p.sd;
  const DatasetPredictive bad = posterior_predictive(*line_likelihood(p, off), ObservableScale::linear, posterior, 50,
                                                     rng);
  EXPECT_NEAR(bad.chi2_at_median, 100.0 * static_cast<double>(p.m), 1e-8);
  EXPECT_EQ(bad.p_value, 0.0);
}

TEST(PosteriorPredictive, LogScaleBandsAreInDataUnits) {
  // On the log scale the likelihood works with ln y; the bands come back as y (quantiles commute with exp).
  const LineProblem p;
  const VectorXd truth = (VectorXd(2) << 1.0, 0.5).finished();  // positive model values
  const VectorXd mu = p.design() * truth;
  Rng rng(5);
  MatrixXd posterior(200, 2);
  for (Index r = 0; r < 200; ++r) posterior.row(r) = (truth + 0.05 * VectorXd::Constant(2, rng.normal())).transpose();
  Rng band_rng(6);
  const DatasetPredictive band = posterior_predictive(*line_likelihood(p, mu, ObservableScale::log),
                                                      ObservableScale::log, posterior, 200, band_rng);
  EXPECT_LT(((band.median - mu).array() / mu.array()).abs().maxCoeff(), 0.1);
  EXPECT_TRUE((band.lower68.array() <= band.median.array()).all());
  EXPECT_TRUE((band.median.array() <= band.upper68.array()).all());
  EXPECT_TRUE((band.lower95.array() > 0).all());
}

TEST(PosteriorPredictive, SameSeedSameBandsAndSubsampleSize) {
  const LineProblem p;
  const VectorXd mu = p.design() * p.truth;
  Rng draw_rng(11);
  MatrixXd posterior(1000, 2);
  for (Index r = 0; r < 1000; ++r) posterior.row(r) << 1.0 + 0.1 * draw_rng.normal(), -0.5 + 0.1 * draw_rng.normal();
  Rng r1(12), r2(12);
  const auto like = line_likelihood(p, mu);
  const DatasetPredictive a = posterior_predictive(*like, ObservableScale::linear, posterior, 300, r1);
  const DatasetPredictive b = posterior_predictive(*like, ObservableScale::linear, posterior, 300, r2);
  EXPECT_EQ(a.draws, 300);
  EXPECT_EQ(a.median, b.median);
  EXPECT_EQ(a.upper95, b.upper95);
  EXPECT_EQ(a.p_value, b.p_value);
}

TEST(PosteriorPredictive, RunFolderWithAMissingPosteriorIsRecordedNotThrown) {
  const fs::path dir = fs::temp_directory_path() / "flowprior_test_predictive_folder";
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream data(dir / "a.csv");
    data << "t,value,error\n0.5,1.2,0.3\n1.0,1.4,0.3\n1.5,2.1,0.3\n";
    std::ofstream post(dir / "stage1_posterior.csv");
    post << "slope,intercept\n1.0,0.5\n1.1,0.4\n0.9,0.6\n";
  }
  const std::string toml =
      "seed = 3\n[parameters]\nslope = [-10, 10]\nintercept = [-10, 10]\n"
      "[datasets.A]\ndata = \"a.csv\"\nmodel = \"linear\"\nmatrix = [[0.5, 1], [1.0, 1], [1.5, 1]]\n"
      "x_column = \"t\"\nx_label = \"t [s]\"\ny_label = \"y [m]\"\nx_log = true\n"
      "[[stages]]\nname = \"stage1\"\ndatasets = [\"A\"]\n";
  const AnalysisConfig config = parse_analysis_config(toml, "test.toml", dir.string());
  EXPECT_EQ(config.datasets[0].x_column, "t");
  EXPECT_TRUE(config.datasets[0].x_log);
  EXPECT_FALSE(config.datasets[0].y_log);
  const nlohmann::json j = write_posterior_predictive(config, dir.string());
  EXPECT_EQ(j["format"], "flowprior-predictive");
  EXPECT_TRUE(j["runs"]["joint"].contains("missing"));
  EXPECT_EQ(j["datasets"]["A"]["x_label"], "t [s]");
  EXPECT_EQ(j["datasets"]["A"]["stages"]["stage1"]["draws"], 3);
  EXPECT_TRUE(j["datasets"]["A"]["stages"]["stage1"]["fitted"].get<bool>());
  std::ifstream csv(dir / "predictive_A.csv");
  std::string header, first;
  std::getline(csv, header);
  std::getline(csv, first);
  EXPECT_EQ(header, "stage,index,observable,x,value,error,median,lower68,upper68,lower95,upper95");
  EXPECT_EQ(first.substr(0, 18), "stage1,0,y0,0.5,1.");
  EXPECT_TRUE(fs::exists(dir / "predictive.json"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace flowprior
