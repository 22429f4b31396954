#include <gtest/gtest.h>

#include <cmath>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/density/gaussian.hpp"
#include "flowprior/density/targets.hpp"

using namespace flowprior;

namespace {

// log of the integral of exp(log L) over a 2-D box by a plain midpoint grid (independent of the targets' own
// quadrature), relative to the box volume: the evidence under the uniform prior.
double grid_log_z_2d(const Target& t, int n) {
  const VectorXd lo = t.prior_box.lower(), w = t.prior_box.width();
  MatrixXd x(n * n, 2);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) x.row(i * n + j) << lo(0) + (i + 0.5) * w(0) / n, lo(1) + (j + 0.5) * w(1) / n;
  const VectorXd lp = t.likelihood->log_prob(x);
  const double m = lp.maxCoeff();
  return m + std::log((lp.array() - m).exp().sum() / (static_cast<double>(n) * n));
}

}  // namespace

TEST(Targets, ShellsEvidenceMatchesPublishedQuadrature) {
  // docs/reference/samplers.md section 5 (Simpson/trapezoid references)
  EXPECT_NEAR(*make_target("gaussian-shells", 2).log_z, -1.746, 1e-3);
  EXPECT_NEAR(*make_target("gaussian-shells", 5).log_z, -5.674, 1e-3);
  EXPECT_NEAR(*make_target("gaussian-shells", 10).log_z, -14.590, 1e-3);
  EXPECT_NEAR(*make_target("gaussian-shells", 20).log_z, -36.087, 1e-3);
}

TEST(Targets, EggboxEvidenceMatchesPublishedValue) { EXPECT_NEAR(*make_target("eggbox", 2).log_z, 235.856, 1e-3); }

TEST(Targets, TwoDimensionalEvidenceAgreesWithBruteForceGrid) {
  for (const char* name : {"rosenbrock", "gaussian-shells", "gaussian", "mixture", "half-gaussian"}) {
    const Target t = make_target(name, 2);
    EXPECT_NEAR(grid_log_z_2d(t, 1500), *t.log_z, 2e-3) << name;
  }
}

TEST(Targets, RosenbrockMomentsAgreeWithGrid) {
  const Target t = make_target("rosenbrock", 2);
  const int n = 3000;
  double m0 = 0, m1 = 0, m2 = 0, c11 = 0, c12 = 0, c22 = 0;
  MatrixXd x(n, 2);
  for (int i = 0; i < n; ++i) {
    x.col(0).setConstant(-10 + (i + 0.5) * 20.0 / n);
    for (int j = 0; j < n; ++j) x(j, 1) = -10 + (j + 0.5) * 20.0 / n;
    const VectorXd p = t.likelihood->log_prob(x).array().exp();
    m0 += p.sum();
    m1 += p.dot(x.col(0));
    m2 += p.dot(x.col(1));
    c11 += p.dot(x.col(0).cwiseProduct(x.col(0)));
    c12 += p.dot(x.col(0).cwiseProduct(x.col(1)));
    c22 += p.dot(x.col(1).cwiseProduct(x.col(1)));
  }
  EXPECT_NEAR(t.mean(0), m1 / m0, 1e-3);
  EXPECT_NEAR(t.mean(1), m2 / m0, 1e-3);
  EXPECT_NEAR(t.covariance(0, 0), c11 / m0 - (m1 / m0) * (m1 / m0), 1e-2);
  EXPECT_NEAR(t.covariance(0, 1), c12 / m0 - (m1 / m0) * (m2 / m0), 1e-2);
  EXPECT_NEAR(t.covariance(1, 1), c22 / m0 - (m2 / m0) * (m2 / m0), 1e-2);
}

TEST(Targets, ShellAndMixtureMomentsAgreeWithMonteCarloOverTheBox) {
  // Importance sampling from the uniform box: E[x x^T] = sum L x x^T / sum L, compared with the exact moments.
  for (const char* name : {"gaussian-shells", "mixture"}) {
    const Target t = make_target(name, 3);
    Rng rng(5);
    MatrixXd u(400000, 3);
    rng.fill_uniform(u);
    const MatrixXd x = (u.array().rowwise() * t.prior_box.width().transpose().array()).rowwise() +
                       t.prior_box.lower().transpose().array();
    const VectorXd lp = t.likelihood->log_prob(x);
    const VectorXd w = (lp.array() - lp.maxCoeff()).exp();
    const MatrixXd second = x.transpose() * w.asDiagonal() * x / w.sum();
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        EXPECT_NEAR(second(i, j), t.covariance(i, j) + t.mean(i) * t.mean(j), 0.06 * (1 + std::abs(t.covariance(i, j))))
            << name << " " << i << "," << j;
  }
}

TEST(Targets, GaussianIsTheNormalizedCorrelatedDensity) {
  const Target t = make_target("gaussian", 3);
  EXPECT_NEAR(t.covariance(0, 2), 0.81, 1e-15);
  MatrixXd x = MatrixXd::Zero(1, 3);
  // log N(0; 0, S) = -1.5 log 2pi - 0.5 log det S, det S = (1 - 0.81)^2 for an AR(1) correlation matrix
  EXPECT_NEAR(t.likelihood->log_prob(x)(0), -1.5 * std::log(2 * M_PI) - 0.5 * std::log(0.19 * 0.19), 1e-12);
}

TEST(Targets, HalfGaussianAnswers) {
  const Target t = make_target("half-gaussian", 4);
  EXPECT_NEAR(t.mean(2), std::sqrt(2 / M_PI), 1e-15);
  EXPECT_NEAR(t.covariance(1, 1), 1 - 2 / M_PI, 1e-15);
  EXPECT_EQ(t.prior_box.lower()(0), 0.0);
}

TEST(Targets, ErrorsNameTheTargetAndDimension) {
  try {
    make_target("banana", 2);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("banana"), std::string::npos);
  }
  try {
    make_target("eggbox", 3);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("eggbox"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("3"), std::string::npos);
  }
  EXPECT_THROW(make_target("gaussian", 0), Error);
  EXPECT_EQ(target_names().size(), 6u);
}

// The gaussian target's likelihood is hand-vectorised (packets of rows, issue 21): it must equal the Gaussian
// density of the same covariance (an independent Cholesky implementation) to rounding, for every batch size and
// dimension (packet remainder, fewer rows than a packet, dimensions off the 8/4/2/1 column blocks), and a point's
// value must not depend on the batch it comes in.
TEST(Targets, GaussianLikelihoodIsTheNormalDensityWhateverTheBatch) {
  for (const int dim : {1, 2, 3, 10, 13, 70}) {
    const Target t = make_target("gaussian", dim);
    const GaussianDensity exact(VectorXd::Zero(dim), t.covariance);
    Rng rng(7, static_cast<std::uint64_t>(dim));
    MatrixXd x(19, dim);
    rng.fill_normal(x);
    x *= 2.0;
    const VectorXd all = t.likelihood->log_prob(x);
    const VectorXd want = exact.log_prob(x);
    for (Index i = 0; i < x.rows(); ++i) EXPECT_NEAR(all(i), want(i), 1e-12 * std::abs(want(i))) << dim << " " << i;
    for (const Index n : {1, 2, 3, 4, 5, 7, 8, 16}) {
      for (Index r0 = 0; r0 + n <= x.rows(); r0 += n) {
        const MatrixXd part = x.middleRows(r0, n);
        const VectorXd lp = t.likelihood->log_prob(part);
        for (Index i = 0; i < n; ++i)
          EXPECT_EQ(lp(i), all(r0 + i)) << "dim " << dim << ", batch of " << n << ", row " << r0 + i;
      }
    }
  }
}
