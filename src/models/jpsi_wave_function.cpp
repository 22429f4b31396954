#include "flowprior/models/jpsi_wave_function.hpp"

#include <cmath>
#include <numbers>

#include <boost/math/special_functions/bessel.hpp>

#include "flowprior/core/error.hpp"
#include "flowprior/models/quadrature.hpp"
#include "flowprior/models/units.hpp"

namespace flowprior {

std::string to_string(CrossSectionUnit unit) {
  switch (unit) {
    case CrossSectionUnit::nb: return "nb";
    case CrossSectionUnit::ub: return "ub";
    case CrossSectionUnit::mb: return "mb";
  }
  return "?";
}

double jpsi_overlap_t(double r, double z, const JpsiWaveFunctionOptions& o) {
  constexpr double pi = std::numbers::pi;
  const double zz = z * (1.0 - z);
  const double m = o.m_c;
  const double phi = o.n_t * zz * std::exp(-m * m * o.r2 / (8.0 * zz) - 2.0 * zz * r * r / o.r2 + m * m * o.r2 / 2.0);
  const double e = std::sqrt(4.0 * pi * o.alpha_em);
  const double k0 = boost::math::cyl_bessel_k(0, m * r);
  const double k1 = boost::math::cyl_bessel_k(1, m * r);
  // -(z^2 + (1-z)^2) eps K1 d(phi)/dr with d(phi)/dr = -4 z(1-z) r/R^2 phi (eps = m_c at Q^2 = 0).
  return o.quark_charge * e * (3.0 / (pi * zz)) * phi *
         (m * m * k0 + (z * z + (1.0 - z) * (1.0 - z)) * m * k1 * 4.0 * zz * r / o.r2);
}

double jpsi_radial_weight(double r, const JpsiWaveFunctionOptions& o) {
  if (!(r > 0.0)) throw Error("jpsi_radial_weight: r must be > 0");
  const QuadratureRule z = gauss_legendre(o.z_nodes, 0.0, 1.0);
  double integral = 0.0;
  for (Index k = 0; k < z.nodes.size(); ++k) integral += z.weights(k) * jpsi_overlap_t(r, z.nodes(k), o);
  return 2.0 * std::numbers::pi * r * 2.0 / (4.0 * std::numbers::pi) * integral;
}

RadialRule make_radial_rule(const JpsiWaveFunctionOptions& o, int panels, int nodes_per_panel, double r_min,
                            double r_max) {
  if (!(r_min > 0.0 && r_max > r_min)) throw Error("make_radial_rule: need 0 < r_min < r_max");
  const QuadratureRule lnr = composite_gauss_legendre(panels, nodes_per_panel, std::log(r_min), std::log(r_max));
  RadialRule rule;
  rule.r = lnr.nodes.array().exp().matrix();
  rule.weight.resize(rule.r.size());
  for (Index k = 0; k < rule.r.size(); ++k)
    rule.weight(k) = lnr.weights(k) * rule.r(k) * jpsi_radial_weight(rule.r(k), o);  // dr = r d(ln r)
  return rule;
}

}  // namespace flowprior
