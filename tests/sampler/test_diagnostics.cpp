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

// The parameters may run on several threads (AutocorrOptions::threads, `sample --threads`): every value must be
// bitwise the one-thread value, for more threads than parameters too.
TEST(Diagnostics, DiagnoseIsTheSameOnAnyNumberOfThreads) {
  Chain chain;
  chain.reset(12, 3);
  const MatrixXd a = ar1(800, 12, 0.8, 31), b = ar1(800, 12, 0.3, 32), c = ar1(800, 12, 0.95, 33);
  for (Index s = 0; s < 800; ++s) {
    MatrixXd pos(12, 3);
    pos << a.row(s).transpose(), b.row(s).transpose(), c.row(s).transpose();
    chain.append(pos, VectorXd::Zero(12), VectorXd::Zero(12));
  }
  const ChainDiagnostics one = diagnose(chain, 200);
  for (const int threads : {2, 3, 5}) {
    const ChainDiagnostics many = diagnose(chain, 200, AutocorrOptions{.threads = threads});
    for (int j = 0; j < 3; ++j) {
      EXPECT_EQ(many.autocorr_time(j), one.autocorr_time(j)) << threads;
      EXPECT_EQ(many.r_hat(j), one.r_hat(j)) << threads;
      EXPECT_EQ(many.ess(j), one.ess(j)) << threads;
    }
    EXPECT_EQ(many.warnings, one.warnings) << threads;
    EXPECT_EQ(integrated_autocorr_time(chain, 200, AutocorrOptions{.threads = threads}).tau, one.autocorr_time);
  }
  EXPECT_EQ(one.autocorr_time(2), integrated_autocorr_time(c.bottomRows(600), 5.0));
}

namespace {

// emcee's integrated_time written out with O(n^2) direct sums (emcee/autocorr.py): each walker's ACF normalised by
// its own lag-0 value, averaged over walkers, tau(M) = 2 sum_{t<=M} rho(t) - 1, window the first M >= c tau(M),
// else the last lag.
double emcee_tau_by_direct_sums(const MatrixXd& series, double c) {
  const Index n = series.rows();
  VectorXd acf = VectorXd::Zero(n);
  for (Index w = 0; w < series.cols(); ++w) {
    const VectorXd x = series.col(w).array() - series.col(w).mean();
    const double zero = x.squaredNorm();
    for (Index t = 0; t < n; ++t) acf(t) += x.head(n - t).dot(x.tail(n - t)) / zero;
  }
  acf /= static_cast<double>(series.cols());
  double cumulative = 0;
  for (Index m = 0; m < n; ++m) {
    cumulative += acf(m);
    if (static_cast<double>(m) >= c * (2 * cumulative - 1)) return 2 * cumulative - 1;
  }
  return 2 * cumulative - 1;
}

}  // namespace

// The FFT path (one real FFT per walker, one inverse per parameter, first only the lags below n / 8) gives emcee's
// value: a long chain whose window lies in the first n / 8 lags, a short strongly correlated one whose window lies
// beyond them (the all-lags pass), and one with no window at all (the last lag). Walkers of different scale check the
// per-walker normalisation.
TEST(Diagnostics, IntegratedTimeEqualsEmceeDefinition) {
  struct Case {
    Index steps;
    double phi;
    double c;
  };
  for (const Case& k : {Case{3000, 0.5, 5.0}, Case{300, 0.9, 5.0}, Case{60, 0.99, 50.0}}) {
    MatrixXd x = ar1(k.steps, 6, k.phi, 31);
    x.col(1) *= 7.0;
    x.col(4).array() += 3.0;
    const double direct = emcee_tau_by_direct_sums(x, k.c);
    EXPECT_NEAR(integrated_autocorr_time(x, k.c), direct, 1e-9 * std::abs(direct)) << k.steps << " " << k.phi;
  }
}

// A walker that never moves contributes lag-0 correlation 1 and nothing else (emcee would divide by zero).
TEST(Diagnostics, ConstantWalkerCountsAsUncorrelated) {
  MatrixXd x = ar1(500, 4, 0.0, 41);
  x.col(2).setConstant(1.5);
  MatrixXd fresh = x;
  const double tau = integrated_autocorr_time(x, 5.0);
  EXPECT_TRUE(std::isfinite(tau));
  const VectorXd rho = autocorr_function(fresh.col(2));
  EXPECT_EQ(rho(0), 1.0);
  EXPECT_NEAR(rho.tail(499).cwiseAbs().maxCoeff(), 0.0, 1e-12);
}
