#include <gtest/gtest.h>

#include <cmath>

#include "flowprior/core/rng.hpp"
#include "flowprior/sampler/diagnostics.hpp"

using namespace flowprior;

namespace {

// AR(1) series x_t = phi x_{t-1} + sqrt(1 - phi^2) e_t: integrated time (1 + phi) / (1 - phi).
MatrixXd ar1(Index steps, Index walkers, double phi, std::uint64_t seed) {
  Rng rng(seed);
  MatrixXd x(steps, walkers);
  for (Index w = 0; w < walkers; ++w) {
    double v = rng.normal();
    for (Index t = 0; t < steps; ++t) {
      v = phi * v + std::sqrt(1 - phi * phi) * rng.normal();
      x(t, w) = v;
    }
  }
  return x;
}

}  // namespace

TEST(Diagnostics, AutocorrFunctionMatchesDirectSum) {
  Rng rng(3);
  VectorXd x(37);
  for (Index i = 0; i < x.size(); ++i) x(i) = rng.normal() + 0.1 * i;
  const VectorXd acf = autocorr_function(x);
  const VectorXd c = x.array() - x.mean();
  for (Index t = 0; t < x.size(); ++t) {
    const double direct = c.head(x.size() - t).dot(c.tail(x.size() - t)) / c.squaredNorm();
    EXPECT_NEAR(acf(t), direct, 1e-12) << t;
  }
}

TEST(Diagnostics, IntegratedTimeOfAr1) {
  for (double phi : {0.0, 0.5, 0.9}) {
    const double exact = (1 + phi) / (1 - phi);
    const double tau = integrated_autocorr_time(ar1(20000, 16, phi, 7), 5.0);
    EXPECT_NEAR(tau, exact, 0.08 * exact) << phi;
  }
}

TEST(Diagnostics, ShortChainWarnsAndNamesParameters) {
  Chain chain;
  chain.reset(8, 1);
  const MatrixXd x = ar1(200, 8, 0.95, 2);
  for (Index s = 0; s < 200; ++s) chain.append(x.row(s).transpose(), VectorXd::Zero(8), VectorXd::Zero(8));
  const AutocorrResult r = integrated_autocorr_time(chain);
  EXPECT_TRUE(r.too_short);
  EXPECT_NE(r.warning.find("x1"), std::string::npos);
  EXPECT_FALSE(integrated_autocorr_time(chain, 0, {.c = 5, .tol = 1}).too_short);
}

TEST(Diagnostics, SplitRhatNearOneForStationaryAndLargeForShiftedGroups) {
  MatrixXd x = ar1(4000, 16, 0.5, 11);
  EXPECT_NEAR(split_r_hat(x), 1.0, 0.01);
  x.leftCols(4).array() += 1.0;  // one walker group sits elsewhere
  EXPECT_GT(split_r_hat(x), 1.1);
  MatrixXd drift = ar1(4000, 16, 0.5, 12);
  drift.bottomRows(2000).array() += 1.0;  // the second half of every walker moved
  EXPECT_GT(split_r_hat(drift), 1.1);
}

TEST(Diagnostics, DiagnoseReportsEssAndMeanError) {
  Chain chain;
  chain.reset(16, 2);
  const MatrixXd a = ar1(3000, 16, 0.8, 21), b = ar1(3000, 16, 0.0, 22);
  for (Index s = 0; s < 3000; ++s) {
    MatrixXd pos(16, 2);
    pos.col(0) = a.row(s).transpose();
    pos.col(1) = b.row(s).transpose();
    VectorXd acc = VectorXd::Constant(16, static_cast<double>(s + 1) / 2);
    chain.append(pos, VectorXd::Zero(16), acc);
  }
  const ChainDiagnostics d = diagnose(chain, 1000);
  EXPECT_NEAR(d.acceptance_fraction(0), 0.5, 1e-12);
  EXPECT_EQ(d.autocorr_time(0), integrated_autocorr_time(a.bottomRows(2000), 5.0));
  EXPECT_NEAR(d.autocorr_time(0), 9.0, 0.2 * 9.0);  // sd of the estimate here is ~0.7
  EXPECT_NEAR(d.ess(0), 2000 * 16 / d.autocorr_time(0), 1e-9);
  EXPECT_NEAR(d.mean_error(1), std::sqrt(d.covariance(1, 1) / d.ess(1)), 1e-12);
  EXPECT_NEAR(d.covariance(0, 0), 1.0, 0.1);
}
