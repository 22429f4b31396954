#include <gtest/gtest.h>

#include <cmath>

#include "flowprior/core/box.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"

using namespace flowprior;

namespace {

Box make_box(BoxMap map) {
  VectorXd lo(3), hi(3);
  lo << -1.0, 0.0, 10.0;
  hi << 2.0, 1e-3, 20.0;
  return Box({"a", "b", "c"}, lo, hi, map);
}

}  // namespace

class BoxMaps : public ::testing::TestWithParam<BoxMap> {};

TEST_P(BoxMaps, RoundTripAndInverseJacobians) {
  const Box box = make_box(GetParam());
  Rng rng(7);
  MatrixXd u(200, 3);
  rng.fill_normal(u);
  // Beyond |u| ~ 4 the distance of x to a bound approaches the spacing of doubles near that bound, so the
  // round trip cannot be exact there; extremes are covered by ExtremeLatentValuesStayStrictlyInside.
  u = (2.0 * u).cwiseMax(-4.0).cwiseMin(4.0);
  MatrixXd x, u2;
  VectorXd ld_box, ld_unb;
  box.to_box(u, x, ld_box);
  box.to_unbounded(x, u2, ld_unb);
  for (Index i = 0; i < u.rows(); ++i) {
    EXPECT_TRUE(box.contains(x.row(i)));
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(u2(i, j), u(i, j), 1e-7 * (1 + std::abs(u(i, j))));
    EXPECT_NEAR(ld_box[i] + ld_unb[i], 0.0, 1e-8);  // log|dx/du| = -log|du/dx|
  }
}

TEST_P(BoxMaps, LogJacobianMatchesFiniteDifferences) {
  const Box box = make_box(GetParam());
  MatrixXd u(1, 3);
  u << 0.3, -1.7, 2.2;
  MatrixXd x;
  VectorXd ld;
  box.to_box(u, x, ld);
  double fd = 0;
  for (int j = 0; j < 3; ++j) {  // the map is diagonal: log|det| = sum of log of per-coordinate derivatives
    const double h = 1e-6;
    MatrixXd up = u, dn = u, xp, xm;
    up(0, j) += h;
    dn(0, j) -= h;
    VectorXd tmp;
    box.to_box(up, xp, tmp);
    box.to_box(dn, xm, tmp);
    fd += std::log((xp(0, j) - xm(0, j)) / (2 * h));
  }
  EXPECT_NEAR(ld[0], fd, 1e-6);
}

TEST_P(BoxMaps, ExtremeLatentValuesStayStrictlyInside) {
  const Box box = make_box(GetParam());
  MatrixXd u(2, 3);
  u << 1e3, -1e3, 40, -40, 1e300, -1e300;
  MatrixXd x;
  VectorXd ld;
  box.to_box(u, x, ld);
  for (Index i = 0; i < 2; ++i) EXPECT_TRUE(box.contains(x.row(i)));
}

INSTANTIATE_TEST_SUITE_P(Core, BoxMaps, ::testing::Values(BoxMap::logit, BoxMap::probit));

TEST(Box, PointsOnOrOutsideTheBoundGetMinusInfinity) {
  const Box box = make_box(BoxMap::logit);
  MatrixXd x(3, 3);
  x << -1.0, 5e-4, 15.0,   // on the lower bound of a
      0.5, 5e-4, 15.0,     // inside
      0.5, 5e-4, 25.0;     // outside in c
  MatrixXd u;
  VectorXd ld;
  box.to_unbounded(x, u, ld);
  EXPECT_EQ(ld[0], -INFINITY);
  EXPECT_TRUE(std::isfinite(ld[1]));
  EXPECT_EQ(ld[2], -INFINITY);
  EXPECT_TRUE(u.allFinite());
}

TEST(Box, NudgeMovesOnlyBoundaryValuesAndCountsThem) {
  const Box box = make_box(BoxMap::logit);
  MatrixXd x(2, 3);
  x << -1.0, 1e-3, 15.0, 0.0, 5e-4, 20.0;
  EXPECT_EQ(box.nudge_into_interior(x), 3u);
  for (Index i = 0; i < 2; ++i) EXPECT_TRUE(box.contains(x.row(i)));
  EXPECT_DOUBLE_EQ(x(1, 0), 0.0);
}

TEST(Box, BadBoundsNameTheParameter) {
  VectorXd lo(2), hi(2);
  lo << 0, 1;
  hi << 1, 1;
  try {
    Box({"p", "q"}, lo, hi);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().parameter, "q");
    EXPECT_NE(std::string(e.what()).find("not below"), std::string::npos);
  }
}

TEST(Box, OutsideValueErrorNamesRowAndParameter) {
  const Box box = make_box(BoxMap::logit);
  MatrixXd x(2, 3);
  x << 0, 5e-4, 15, 0, 5e-4, 21;
  try {
    box.check_in_closed_box(x, "s.csv");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().row, 1);
    EXPECT_EQ(e.context().parameter, "c");
    EXPECT_EQ(e.context().file, "s.csv");
  }
}
