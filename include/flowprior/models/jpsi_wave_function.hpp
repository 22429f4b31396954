#pragma once
// Boosted-Gaussian J/psi wave function at Q^2 = 0 and the radial weight of the dipole amplitude,
//   W(r) = 2 pi r * 2 * int dz/(4 pi) (Psi_V^* Psi)_T(r, z),
// so that A(Delta) = int dr W(r) int d^2b exp(-i b.Delta) N(r, b) once the (1 - z) r.Delta phase is neglected.
#include "flowprior/core/types.hpp"

namespace flowprior {

struct JpsiWaveFunctionOptions {
  double n_t = 0.578;              // N_T (hejajama/subnucleondiffraction gauss-boosted.dat)
  double r2 = 2.3;                 // R^2 [GeV^-2]
  double m_c = 1.4;                // charm mass [GeV]
  double alpha_em = 1.0 / 137.035999;
  double quark_charge = 2.0 / 3.0;
  int z_nodes = 64;                // Gauss-Legendre nodes of the z integral
};

// (Psi_V^* Psi)_T(r, z), r in GeV^-1.
double jpsi_overlap_t(double r, double z, const JpsiWaveFunctionOptions& options);
// W(r) [GeV]: the overlap integrated over z, times 2 pi r * 2/(4 pi).
double jpsi_radial_weight(double r, const JpsiWaveFunctionOptions& options);

// A quadrature over r in ln r: int dr W(r) f(r) ~= sum_k weight(k) f(r(k)); weight includes W(r) and dr.
struct RadialRule {
  VectorXd r;
  VectorXd weight;
};
RadialRule make_radial_rule(const JpsiWaveFunctionOptions& options, int panels = 8, int nodes_per_panel = 6,
                            double r_min = 1e-2, double r_max = 30.0);

}  // namespace flowprior
