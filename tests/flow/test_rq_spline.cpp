// The rational-quadratic spline on its own: identity at zero parameters, monotone, continuous with the linear
// tails, inverse, backward against central differences, and no NaN near or beyond the interval.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "flow_test_util.hpp"
#include "flowprior/flow/rq_spline.hpp"

using namespace flowprior;
using namespace flowprior::test;

namespace {
constexpr int kBins = 6;
constexpr double kBound = 3.0;
constexpr int kP = spline_param_count(kBins);

VectorXd random_theta(Rng& rng) { return random_params(kP, rng, 1.5); }
}  // namespace

TEST(RqSpline, ZeroParametersGiveTheIdentity) {
  const VectorXd theta = VectorXd::Zero(kP);
  for (double x = -4.0; x <= 4.0; x += 0.173) {
    double y = 0, ld = 0;
    rq_spline_forward(theta.data(), kBins, kBound, x, y, ld);
    EXPECT_NEAR(y, x, 1e-13);
    EXPECT_NEAR(ld, 0.0, 1e-13);
  }
}

TEST(RqSpline, MonotoneContinuousAndInvertible) {
  Rng rng(1);
  for (int rep = 0; rep < 20; ++rep) {
    const VectorXd theta = random_theta(rng);
    double prev = -std::numeric_limits<double>::infinity();
    for (int k = 0; k <= 2000; ++k) {
      const double x = -3.5 + 7.0 * k / 2000.0;
      double y = 0, ld = 0, x2 = 0, ld_inv = 0;
      rq_spline_forward(theta.data(), kBins, kBound, x, y, ld);
      EXPECT_GT(y, prev);
      prev = y;
      rq_spline_inverse(theta.data(), kBins, kBound, y, x2, ld_inv);
      EXPECT_NEAR(x2, x, 1e-11);
      EXPECT_NEAR(ld + ld_inv, 0.0, 1e-10);
    }
    // Continuity with the identity tails at both ends.
    for (double edge : {-kBound, kBound}) {
      double y_in = 0, y_out = 0, ld_in = 0, ld_out = 0;
      const double inside = edge * (1 - 1e-12), outside = edge * (1 + 1e-12);
      rq_spline_forward(theta.data(), kBins, kBound, inside, y_in, ld_in);
      rq_spline_forward(theta.data(), kBins, kBound, outside, y_out, ld_out);
      EXPECT_NEAR(y_in, y_out, 1e-9);
      EXPECT_NEAR(ld_in, 0.0, 1e-6);  // end slopes are 1
      EXPECT_EQ(ld_out, 0.0);
    }
  }
}

TEST(RqSpline, BackwardMatchesFiniteDifferences) {
  Rng rng(2);
  for (int rep = 0; rep < 30; ++rep) {
    const VectorXd theta = random_theta(rng);
    const double x = 3.2 * (2 * rng.uniform() - 1);  // mostly inside, some in the tails
    const double gy = rng.normal(), gl = rng.normal();
    VectorXd g = VectorXd::Zero(kP);
    const double gx = rq_spline_backward(theta.data(), kBins, kBound, x, gy, gl, g.data());
    auto f_theta = [&](const VectorXd& t) {
      double y = 0, ld = 0;
      rq_spline_forward(t.data(), kBins, kBound, x, y, ld);
      return gy * y + gl * ld;
    };
    for (Index k = 0; k < kP; ++k)
      EXPECT_NEAR(central_difference(f_theta, theta, k, 1e-6), g(k), 1e-6 * std::max(1.0, std::abs(g(k))))
          << "rep " << rep << " theta " << k;
    auto f_x = [&](const VectorXd& v) {
      double y = 0, ld = 0;
      rq_spline_forward(theta.data(), kBins, kBound, v(0), y, ld);
      return gy * y + gl * ld;
    };
    EXPECT_NEAR(central_difference(f_x, VectorXd::Constant(1, x), 0, 1e-6), gx, 1e-6 * std::max(1.0, std::abs(gx)));
  }
}

TEST(RqSpline, NoNaNAtTheBoundsOrOutside) {
  Rng rng(3);
  const VectorXd theta = random_params(kP, rng, 4.0);  // extreme bins
  for (double x : {-kBound, kBound, std::nextafter(kBound, 0.0), -1e300, 1e300, 3.0000001, -2.9999999}) {
    double y = 0, ld = 0, x2 = 0, ld2 = 0;
    rq_spline_forward(theta.data(), kBins, kBound, x, y, ld);
    rq_spline_inverse(theta.data(), kBins, kBound, y, x2, ld2);
    VectorXd g = VectorXd::Zero(kP);
    const double gx = rq_spline_backward(theta.data(), kBins, kBound, x, 1.0, 1.0, g.data());
    EXPECT_TRUE(std::isfinite(y) && std::isfinite(ld) && std::isfinite(x2) && std::isfinite(gx)) << x;
    EXPECT_TRUE(g.allFinite()) << x;
    EXPECT_NEAR(x2, x, 1e-9 * std::max(1.0, std::abs(x)));
  }
}
