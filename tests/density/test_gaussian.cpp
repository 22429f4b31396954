#include <gtest/gtest.h>

#include <cmath>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/density/gaussian.hpp"

namespace flowprior {
namespace {

TEST(GaussianDensity, MatchesClosedForm2D) {
  // Closed form for d = 2 with correlation rho: log p = -log(2 pi s1 s2 sqrt(1 - rho^2)) - Q / (2 (1 - rho^2)).
  const double s1 = 1.5, s2 = 0.4, rho = -0.7;
  VectorXd mean(2);
  mean << 0.3, -2.0;
  MatrixXd cov(2, 2);
  cov << s1 * s1, rho * s1 * s2, rho * s1 * s2, s2 * s2;
  const GaussianDensity g(mean, cov, {"a", "b"});
  MatrixXd x(3, 2);
  x << 0.3, -2.0, 1.0, 0.5, -4.0, -1.9;
  const VectorXd lp = g.log_prob(x);
  for (Index i = 0; i < 3; ++i) {
    const double a = (x(i, 0) - mean[0]) / s1, b = (x(i, 1) - mean[1]) / s2;
    const double q = a * a - 2 * rho * a * b + b * b;
    const double expected = -std::log(2 * M_PI * s1 * s2 * std::sqrt(1 - rho * rho)) - q / (2 * (1 - rho * rho));
    EXPECT_NEAR(lp[i], expected, 1e-12 * std::max(1.0, std::abs(expected)));  // rounding only
  }
  EXPECT_EQ(g.names(), (std::vector<std::string>{"a", "b"}));
}

TEST(GaussianDensity, NotPositiveDefiniteNamesTheParameter) {
  MatrixXd cov(3, 3);
  cov << 1, 0, 0, 0, 1, 2, 0, 2, 1;  // the (b, c) block has eigenvalue -1: the pivot of c fails
  try {
    GaussianDensity g(VectorXd::Zero(3), cov, {"a", "b", "c"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().parameter, "c");
    EXPECT_NE(std::string(e.what()).find("positive definite"), std::string::npos);
  }
  MatrixXd asym(2, 2);
  asym << 1, 0.5, 0.4, 1;
  EXPECT_THROW(GaussianDensity(VectorXd::Zero(2), asym), Error);
  EXPECT_THROW(GaussianDensity(VectorXd::Zero(2), MatrixXd::Identity(3, 3)), Error);
}

TEST(GaussianDensity, SampleMomentsMatch) {
  VectorXd mean(2);
  mean << 1.0, -1.0;
  MatrixXd cov(2, 2);
  cov << 2.0, 0.6, 0.6, 0.5;
  const GaussianDensity g(mean, cov);
  Rng rng(7);
  const MatrixXd x = g.sample(40000, rng);
  const RowVectorXd m = x.colwise().mean();
  const MatrixXd c = (x.rowwise() - m).transpose() * (x.rowwise() - m) / (x.rows() - 1.0);
  // Standard errors at n = 40000: mean sqrt(2/n) = 0.007, covariance entries <= ~0.015; 5 sigma tolerances.
  EXPECT_NEAR(m[0], 1.0, 0.035);
  EXPECT_NEAR(m[1], -1.0, 0.02);
  EXPECT_NEAR(c(0, 0), 2.0, 0.075);
  EXPECT_NEAR(c(0, 1), 0.6, 0.03);
  EXPECT_NEAR(c(1, 1), 0.5, 0.02);
}

}  // namespace
}  // namespace flowprior
