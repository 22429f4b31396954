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

// The batched form (rq_spline_forward_rows / rq_spline_backward_rows) that the NSF layers use: parameters in
// columns with a stride, rows in blocks of kSplineLanes with a padded last block.
namespace {
struct SplineBatch {
  Index n = 0, stride = 0;
  VectorXd theta, x, dy, dl;  // theta: parameter q of row i at q * stride + i
};

// n rows, inside and outside [-B, B]; the parameter columns are stride > n apart (as in a layer's theta matrix).
SplineBatch random_batch(Index n, Rng& rng) {
  SplineBatch b;
  b.n = n;
  b.stride = n + 3;
  b.theta = random_params(kP * b.stride, rng, 1.5);
  b.x.resize(n);
  for (Index i = 0; i < n; ++i) b.x(i) = 3.4 * (2 * rng.uniform() - 1);
  b.dy = random_params(n, rng, 1.0);
  b.dl = random_params(n, rng, 1.0);
  return b;
}

struct SplineRowsResult {
  VectorXd y, ld, dx, dtheta;
};

SplineRowsResult run_rows(const SplineBatch& b) {
  SplineRowsResult r;
  r.y.resize(b.n);
  r.ld = VectorXd::Zero(b.n);
  r.dx.resize(b.n);
  r.dtheta = VectorXd::Constant(kP * b.stride, 7.0);  // entries outside the rows must stay untouched
  std::vector<double> tape(static_cast<std::size_t>(rq_spline_tape_size(kBins, b.n)));
  rq_spline_forward_rows(b.theta.data(), b.stride, b.n, kBins, kBound, b.x.data(), r.y.data(), r.ld.data(),
                         tape.data());
  rq_spline_backward_rows(tape.data(), b.n, kBins, kBound, b.dy.data(), b.dl.data(), r.dx.data(), r.dtheta.data(),
                          b.stride);
  return r;
}

// sum_i dy_i y_i + dl_i log_det_i.
double rows_objective(const SplineBatch& b) {
  VectorXd y(b.n), ld = VectorXd::Zero(b.n);
  rq_spline_forward_rows(b.theta.data(), b.stride, b.n, kBins, kBound, b.x.data(), y.data(), ld.data(), nullptr);
  return b.dy.dot(y) + b.dl.dot(ld);
}
}  // namespace

TEST(RqSplineRows, BackwardMatchesFiniteDifferencesOnABatch) {
  Rng rng(4);
  SplineBatch b = random_batch(2 * kSplineLanes + 3, rng);  // two full blocks and a partial one
  const SplineRowsResult r = run_rows(b);
  int tails = 0;
  for (Index i = 0; i < b.n; ++i) {
    if (std::abs(b.x(i)) > kBound) {
      ++tails;
      EXPECT_EQ(r.y(i), b.x(i));
      EXPECT_EQ(r.ld(i), 0.0);
    }
    for (Index q = 0; q < kP; ++q) {
      auto f = [&](const VectorXd& t) {
        SplineBatch c = b;
        c.theta = t;
        return rows_objective(c);
      };
      const double g = r.dtheta(q * b.stride + i);
      EXPECT_NEAR(central_difference(f, b.theta, q * b.stride + i, 1e-6), g, 1e-6 * std::max(1.0, std::abs(g)))
          << "row " << i << " theta " << q;
    }
    auto fx = [&](const VectorXd& v) {
      SplineBatch c = b;
      c.x = v;
      return rows_objective(c);
    };
    EXPECT_NEAR(central_difference(fx, b.x, i, 1e-6), r.dx(i), 1e-6 * std::max(1.0, std::abs(r.dx(i)))) << i;
  }
  EXPECT_GT(tails, 0) << "the batch must reach the identity tails";
  for (Index q = 0; q < kP; ++q)
    for (Index i = b.n; i < b.stride; ++i) EXPECT_EQ(r.dtheta(q * b.stride + i), 7.0) << "wrote past the rows";
}

TEST(RqSplineRows, ARowsResultsAreBitwiseTheSameAloneAndInAnyBatch) {
  // Every lane takes the same code path (padded blocks, no scalar tail), so a row's values cannot depend on its
  // position or on the other rows: the property that keeps training results independent of the batch layout.
  Rng rng(5);
  for (const double x_row : {0.37, -2.9, 3.2}) {  // inside, near the edge, in a tail
    SplineBatch alone = random_batch(1, rng);
    alone.x(0) = x_row;
    const SplineRowsResult ref = run_rows(alone);
    for (Index n = 1; n <= 2 * kSplineLanes + 1; ++n) {
      for (Index pos : {Index{0}, n / 2, n - 1}) {
        SplineBatch b = random_batch(n, rng);
        for (Index q = 0; q < kP; ++q) b.theta(q * b.stride + pos) = alone.theta(q * alone.stride);
        b.x(pos) = alone.x(0);
        b.dy(pos) = alone.dy(0);
        b.dl(pos) = alone.dl(0);
        const SplineRowsResult r = run_rows(b);
        EXPECT_EQ(r.y(pos), ref.y(0)) << "n " << n << " pos " << pos;
        EXPECT_EQ(r.ld(pos), ref.ld(0)) << "n " << n << " pos " << pos;
        EXPECT_EQ(r.dx(pos), ref.dx(0)) << "n " << n << " pos " << pos;
        for (Index q = 0; q < kP; ++q)
          EXPECT_EQ(r.dtheta(q * b.stride + pos), ref.dtheta(q * alone.stride)) << "n " << n << " q " << q;
      }
    }
  }
}
