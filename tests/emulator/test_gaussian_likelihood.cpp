#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "analytic_model.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/emulator/design.hpp"
#include "flowprior/emulator/gaussian_likelihood.hpp"

using namespace flowprior;
using flowprior::testing::analytic_box;
using flowprior::testing::analytic_model;
using flowprior::testing::analytic_output_names;

namespace {

std::shared_ptr<const Emulator> small_emulator() {
  static const auto e = [] {
    const MatrixXd design = maximin_latin_hypercube(analytic_box(), 60, {.seed = 31});
    EmulatorOptions o;
    o.kernel = KernelType::squared_exponential;
    o.components = 3;  // leaves a visible truncation term
    o.gp.restarts = 2;
    return std::make_shared<const Emulator>(Emulator::train(design, analytic_model(design, 8), analytic_box().names(),
                                                            analytic_output_names(8), o));
  }();
  return e;
}

GaussianDataset dataset(const std::vector<std::string>& obs, ObservableScale scale = ObservableScale::linear) {
  const MatrixXd truth = analytic_model(RowVectorXd::Constant(5, 0.4), 8);
  GaussianDataset d;
  d.name = "toy";
  d.observables = obs;
  d.scale = scale;
  const auto all = analytic_output_names(8);
  d.values.resize(static_cast<Index>(obs.size()));
  d.uncorrelated_sd.resize(d.values.size());
  VectorXd c1(d.values.size()), c2(d.values.size());
  for (Index i = 0; i < d.values.size(); ++i) {
    const int col = static_cast<int>(std::find(all.begin(), all.end(), obs[static_cast<std::size_t>(i)]) - all.begin());
    d.values[i] = truth(0, col) * (1.0 + 0.01 * static_cast<double>(i));
    d.uncorrelated_sd[i] = 0.02 + 0.005 * static_cast<double>(i);
    c1[i] = 0.03 * d.values[i];
    c2[i] = 0.01 * static_cast<double>(i % 3);
  }
  d.correlated = {{"normalisation", c1}, {"shape", c2}};
  return d;
}

// The textbook formula with explicit inverse and determinant.
double dense_log_likelihood(const VectorXd& y, const VectorXd& mu, const MatrixXd& c) {
  const VectorXd r = y - mu;
  return -0.5 * r.dot(c.inverse() * r) - 0.5 * std::log(c.determinant()) -
         0.5 * static_cast<double>(y.size()) * std::log(2.0 * M_PI);
}

MatrixXd dense_experimental(const GaussianDataset& d, const VectorXd& relative) {
  MatrixXd c = d.uncorrelated_sd.cwiseProduct(relative).cwiseAbs2().asDiagonal();
  for (const auto& s : d.correlated) {
    const VectorXd v = s.sd.cwiseProduct(relative);
    c += v * v.transpose();
  }
  return c;
}

}  // namespace

TEST(GaussianLikelihood, EmulatorLikelihoodMatchesDenseComputation) {
  const auto emu = small_emulator();
  const std::vector<std::string> obs{"y6", "y1", "y3", "y7"};  // a subset, out of order
  const GaussianDataset d = dataset(obs);
  const GaussianLikelihood like(d, emu);
  const MatrixXd x = maximin_latin_hypercube(analytic_box(), 12, {.seed = 40});
  const VectorXd lp = like.log_prob(x);
  MatrixXd mean, var;
  emu->predict(x, mean, var);
  const MatrixXd exp_cov = dense_experimental(d, VectorXd::Ones(4));
  for (Index i = 0; i < x.rows(); ++i) {
    const MatrixXd full = emu->covariance(var.row(i));
    MatrixXd c = exp_cov;
    VectorXd mu(4);
    for (int a = 0; a < 4; ++a) {
      const int ia = emu->output_index(obs[static_cast<std::size_t>(a)]);
      mu[a] = mean(i, ia);
      for (int b = 0; b < 4; ++b) c(a, b) += full(ia, emu->output_index(obs[static_cast<std::size_t>(b)]));
    }
    EXPECT_NEAR(lp[i], dense_log_likelihood(d.values, mu, c), 1e-10);
  }
}

TEST(GaussianLikelihood, DirectModelOnLogScaleMatchesDenseComputation) {
  const auto outs = analytic_output_names(8);
  DirectModel model = [](const MatrixXd& x, MatrixXd& y) { y = analytic_model(x, 8).array() + 3.0; };
  GaussianDataset d = dataset({"y0", "y2", "y5"}, ObservableScale::log);
  d.values.array() += 3.0;
  const GaussianLikelihood like(d, model, analytic_box().names(), outs);
  const MatrixXd x = maximin_latin_hypercube(analytic_box(), 9, {.seed = 41});
  const VectorXd lp = like.log_prob(x);
  const MatrixXd c = dense_experimental(d, d.values.cwiseInverse());
  MatrixXd y;
  model(x, y);
  for (Index i = 0; i < x.rows(); ++i) {
    const VectorXd mu = Eigen::Vector3d(y(i, 0), y(i, 2), y(i, 5)).array().log();
    EXPECT_NEAR(lp[i], dense_log_likelihood(d.values.array().log(), mu, c), 1e-10);
  }
}

TEST(GaussianLikelihood, DoesNotChangeWithBatchSize) {
  const GaussianLikelihood like(dataset({"y0", "y4", "y5"}), small_emulator());
  const MatrixXd x = maximin_latin_hypercube(analytic_box(), 50, {.seed = 42});
  const VectorXd all = like.log_prob(x);
  for (Index batch : {1, 7, 50}) {
    for (Index start = 0; start < x.rows(); start += batch) {
      const Index len = std::min(batch, x.rows() - start);
      const VectorXd part = like.log_prob(x.middleRows(start, len));
      // Bitwise: the emulator predicts each row with the same operations whatever the batch, and the likelihood
      // is computed row by row.
      for (Index i = 0; i < len; ++i) {
        EXPECT_EQ(part[i], all[start + i]) << "batch " << batch << " row " << start + i;
      }
    }
  }
}

// An emulator of some of the analysis parameters: its columns are picked from the points by name, in any order,
// bitwise the same as the emulator's own likelihood; the other columns change nothing; a missing one is an Error.
TEST(GaussianLikelihood, EmulatorOnSomeParametersPicksItsColumnsByName) {
  const GaussianLikelihood own(dataset({"y0", "y4", "y5"}), small_emulator());
  std::vector<std::string> names = analytic_box().names();
  std::reverse(names.begin(), names.end());
  names.insert(names.begin() + 2, "extra");
  const GaussianLikelihood wide(dataset({"y0", "y4", "y5"}), small_emulator(), names);
  EXPECT_EQ(wide.names(), names);
  const MatrixXd x = maximin_latin_hypercube(analytic_box(), 20, {.seed = 43});
  MatrixXd wx(x.rows(), static_cast<Index>(names.size()));
  const int d = static_cast<int>(x.cols());
  for (int j = 0; j < d; ++j) wx.col(j < 2 ? j : j + 1) = x.col(d - 1 - j);
  wx.col(2).setLinSpaced(-3.0, 7.0);
  EXPECT_EQ(wide.log_prob(wx), own.log_prob(x));
  std::vector<std::string> missing = analytic_box().names();
  const std::string gone = missing.back();
  missing.pop_back();
  try {
    GaussianLikelihood(dataset({"y0"}), small_emulator(), missing);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(gone), std::string::npos) << e.what();
  }
}

// [model] exact_k of the HotSpot model: the emulator leaves out an overall factor K of the outputs and the
// likelihood adds ln K to every mean. On the log scale that is the same as dividing the data (values and errors) by K.
TEST(GaussianLikelihood, ExactLogFactorAddsItsLogToEveryMean) {
  GaussianDataset d = dataset({"y0", "y4", "y5"}, ObservableScale::log);
  d.values = d.values.array().abs() + 1.0;
  for (auto& c : d.correlated) c.sd = c.sd.array().abs();
  std::vector<std::string> names = analytic_box().names();
  names.push_back("K");
  const GaussianLikelihood plain(d, small_emulator(), names);
  GaussianLikelihood factored(d, small_emulator(), names);
  factored.set_log_factor("K");
  const MatrixXd base = maximin_latin_hypercube(analytic_box(), 6, {.seed = 5});
  MatrixXd x(base.rows(), base.cols() + 1);
  x.leftCols(base.cols()) = base;
  x.col(base.cols()).setLinSpaced(0.5, 2.5);
  MatrixXd mp, vp, mf, vf;
  plain.predict(x, mp, vp);
  factored.predict(x, mf, vf);
  EXPECT_EQ(vf, vp);
  for (Index b = 0; b < x.rows(); ++b)
    for (Index i = 0; i < mp.cols(); ++i) EXPECT_NEAR(mf(b, i) - mp(b, i), std::log(x(b, base.cols())), 1e-13) << b;
  for (Index b = 0; b < x.rows(); ++b) {
    const double k = x(b, base.cols());
    GaussianDataset scaled = d;
    scaled.values /= k;
    scaled.uncorrelated_sd /= k;
    for (auto& c : scaled.correlated) c.sd /= k;
    const GaussianLikelihood reference(scaled, small_emulator(), names);
    EXPECT_NEAR(factored.log_prob(x.row(b))[0], reference.log_prob(x.row(b))[0], 1e-9) << b;
  }
  GaussianLikelihood bad(d, small_emulator(), names);
  EXPECT_THROW(bad.set_log_factor("nope"), Error);
  EXPECT_THROW(bad.set_log_factor(names.front()), Error);  // an input of the emulator
  GaussianLikelihood linear(dataset({"y0"}), small_emulator(), names);
  EXPECT_THROW(linear.set_log_factor("K"), Error);
}

TEST(GaussianLikelihood, SumOfDatasetsIsTheSumOfTheirLikelihoods) {
  auto a = std::make_shared<GaussianLikelihood>(dataset({"y0", "y1"}), small_emulator());
  auto b = std::make_shared<GaussianLikelihood>(dataset({"y5", "y6", "y7"}), small_emulator());
  const SumOfLogDensities sum({a, b});
  const MatrixXd x = maximin_latin_hypercube(analytic_box(), 6, {.seed = 43});
  const VectorXd expected = a->log_prob(x) + b->log_prob(x);
  EXPECT_EQ(sum.log_prob(x), expected);
  EXPECT_EQ(sum.dim(), 5);
}

TEST(GaussianLikelihood, BadDataAreErrorsNamingTheDataset) {
  const auto outs = analytic_output_names(8);
  DirectModel model = [](const MatrixXd& x, MatrixXd& y) { y = analytic_model(x, 8); };
  auto message = [&](const GaussianDataset& d) {
    try {
      GaussianLikelihood(d, model, analytic_box().names(), outs);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // Singular experimental covariance: one observable without uncorrelated error and only a correlated source
  // that is zero there.
  GaussianDataset singular = dataset({"y0", "y1", "y2"});
  singular.uncorrelated_sd[1] = 0.0;
  singular.correlated = {{"norm", Eigen::Vector3d(0.1, 0.0, 0.1)}};
  const std::string m1 = message(singular);
  EXPECT_NE(m1.find("dataset 'toy'"), std::string::npos) << m1;
  EXPECT_NE(m1.find("not positive definite"), std::string::npos) << m1;
  GaussianDataset missing = dataset({"y0", "y1"});
  missing.observables[1] = "nope";
  EXPECT_NE(message(missing).find("not an output of the model"), std::string::npos);
  GaussianDataset negative = dataset({"y0", "y1"}, ObservableScale::log);
  negative.values[0] = -1.0;
  EXPECT_NE(message(negative).find("positive on the log scale"), std::string::npos);
  GaussianDataset nan = dataset({"y0", "y1"});
  nan.values[1] = std::nan("");
  EXPECT_NE(message(nan).find("not finite"), std::string::npos);
  GaussianDataset short_sd = dataset({"y0", "y1"});
  short_sd.uncorrelated_sd.resize(1);
  EXPECT_NE(message(short_sd).find("one entry per observable"), std::string::npos);
}

TEST(GaussianLikelihood, DirectModelReturningNanIsAnErrorNamingTheRow) {
  DirectModel model = [](const MatrixXd& x, MatrixXd& y) {
    y = analytic_model(x, 8);
    y(1, 0) = std::nan("");
  };
  const GaussianLikelihood like(dataset({"y0"}), model, analytic_box().names(), analytic_output_names(8));
  const MatrixXd x = MatrixXd::Constant(3, 5, 0.5);
  try {
    like.log_prob(x);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().row, 1);
    EXPECT_NE(std::string(e.what()).find("toy"), std::string::npos);
  }
}
