#include <gtest/gtest.h>

#include <cmath>

#include <boost/math/special_functions/expint.hpp>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/models/hotspot_profile.hpp"
#include "flowprior/models/jpsi_wave_function.hpp"
#include "flowprior/models/quadrature.hpp"
#include "flowprior/models/units.hpp"

using namespace flowprior;

namespace {

// F(0, a) = int_0^a (1 - e^-t)/t dt = Ein(a) = E1(a) + ln a + gamma: an independent closed form.
double ein(double a) { return boost::math::expint(1, a) + std::log(a) + 0.57721566490153286; }

const IshProfileTable& shared_table() {
  static const IshProfileTable table;
  return table;
}

}  // namespace

TEST(Quadrature, LegendreIsExactForPolynomialsAndHermiteGivesNormalMoments) {
  const QuadratureRule gl = gauss_legendre(5, -1.0, 2.0);
  double sum = 0.0;
  for (Index k = 0; k < 5; ++k) sum += gl.weights(k) * std::pow(gl.nodes(k), 9);  // degree 9 = 2n - 1
  EXPECT_NEAR(sum, (std::pow(2.0, 10) - 1.0) / 10.0, 1e-11);
  const QuadratureRule gh = gauss_hermite_normal(12);
  double m0 = 0.0, m2 = 0.0, m4 = 0.0, mexp = 0.0;
  for (Index k = 0; k < 12; ++k) {
    m0 += gh.weights(k);
    m2 += gh.weights(k) * std::pow(gh.nodes(k), 2);
    m4 += gh.weights(k) * std::pow(gh.nodes(k), 4);
    mexp += gh.weights(k) * std::exp(0.8 * gh.nodes(k));
  }
  EXPECT_NEAR(m0, 1.0, 1e-13);
  EXPECT_NEAR(m2, 1.0, 1e-12);
  EXPECT_NEAR(m4, 3.0, 1e-11);
  EXPECT_NEAR(mexp, std::exp(0.32), 1e-12);  // E[e^{s xi}] = e^{s^2/2}
  const QuadratureRule composite = composite_gauss_legendre(7, 4, 0.0, M_PI);
  EXPECT_NEAR(composite.weights.dot(composite.nodes.array().sin().matrix()), 2.0, 1e-10);
}

TEST(IshProfile, SeriesAndIntegralAgreeWhereBothApply) {
  for (double a : {0.05, 0.5, 2.0, 5.0, 10.0, 15.0})
    for (double y : {0.0, 0.3, 2.0, 10.0, 60.0, 400.0}) {
      const double series = ish_f_series(y, a);
      const double integral = ish_f_integral(y, a);
      // Cancellation in the alternating series: its absolute error grows like e^a * 1e-16.
      EXPECT_NEAR(series, integral, 1e-10 * std::max(1.0, std::exp(a) / 1e3) + 1e-12 * ein(a))
          << "a = " << a << ", y = " << y;
    }
}

TEST(IshProfile, ZeroMomentumTransferIsEin) {
  for (double a : {1e-4, 0.1, 1.0, 7.0, 12.0, 30.0, 1e3, 1e7}) {
    EXPECT_NEAR(ish_f_direct(0.0, a), ein(a), 1e-9 * ein(a)) << a;
    EXPECT_NEAR(shared_table()(0.0, a), ein(a), 2e-5 * ein(a)) << a;
  }
  // Dilute limit: F = a e^{-y/2} - a^2 e^{-y/4}/4 + O(a^3), below and inside the grid (ln a >= -7).
  for (double a : {1e-5, 2e-3}) {
    const double two_terms = a * std::exp(-1.5) - a * a * std::exp(-0.75) / 4.0;
    EXPECT_NEAR(shared_table()(3.0, a), two_terms, 1e-6 * two_terms + a * a * a) << a;
  }
}

TEST(IshProfile, TableMatchesDirectEvaluationOverItsGrid) {
  const IshProfileTable& table = shared_table();
  Rng rng(11);
  double worst = 0.0;
  for (int k = 0; k < 400; ++k) {
    const double sqrt_y = 50.0 * rng.uniform();
    const double ln_a = -7.0 + 27.0 * rng.uniform();
    const double y = sqrt_y * sqrt_y;
    const double a = std::exp(ln_a);
    const double err = std::abs(table(y, a) - ish_f_direct(y, a)) / ein(a);
    worst = std::max(worst, err);
  }
  // Bicubic interpolation on (0.05 in sqrt y) x (0.1 in ln a): error below 1e-4 of the profile's scale F(0, a).
  EXPECT_LT(worst, 1e-4);
  // Outside the grid the table falls back to direct evaluation.
  EXPECT_NEAR(table(60.0 * 60.0, 3.0), ish_f_direct(3600.0, 3.0), 1e-14);
  EXPECT_NEAR(table(1.0, std::exp(22.0)), ish_f_integral(1.0, std::exp(22.0)), 1e-12);
  EXPECT_THROW(table(-1.0, 1.0), Error);
  EXPECT_THROW(table(1.0, 0.0), Error);
  EXPECT_THROW(ish_f_series(1.0, 50.0), Error);
}

TEST(JpsiWaveFunction, RadialWeightIsPositiveAndRadialRuleConverged) {
  const JpsiWaveFunctionOptions wf;
  for (double r : {0.01, 0.3, 1.0, 3.0, 10.0}) EXPECT_GT(jpsi_radial_weight(r, wf), 0.0) << r;
  // The default 48-node rule against a 320-node one, on the dilute-limit integrand r^2/4 ln(e + 1/(r m)).
  const RadialRule coarse = make_radial_rule(wf);
  const RadialRule fine = make_radial_rule(wf, 40, 8);
  for (double m : {0.05, 0.5, 1.5}) {
    auto integral = [m](const RadialRule& rule) {
      double s = 0.0;
      for (Index k = 0; k < rule.r.size(); ++k)
        s += rule.weight(k) * rule.r(k) * rule.r(k) / 4.0 * std::log(std::exp(1.0) + 1.0 / (rule.r(k) * m));
      return s;
    };
    EXPECT_NEAR(integral(coarse), integral(fine), 1e-6 * integral(fine)) << m;
  }
}

TEST(Units, ConversionFactorsAreExactRatios) {
  // The same cross section in nb and mb differs by exactly 1e6, in microbarn and mb by 1e3.
  EXPECT_NEAR(natural_to(CrossSectionUnit::nb) / natural_to(CrossSectionUnit::mb), 1e6, 1e6 * 1e-15);
  EXPECT_NEAR(natural_to(CrossSectionUnit::ub) / natural_to(CrossSectionUnit::mb), 1e3, 1e3 * 1e-15);
  EXPECT_NEAR(natural_to(CrossSectionUnit::mb), 0.3894, 1e-4);  // 1 GeV^-2 = 0.3894 mb
  EXPECT_EQ(to_string(CrossSectionUnit::ub), "ub");
}
