#pragma once
// Dataset tension (Handley & Lemos 2019, PRD 100, 043504) from three uniform-prior runs: A alone, B alone, A and B.
//   log R = log Z_AB - log Z_A - log Z_B
//   D     = <log L>_posterior - log Z                 (KL divergence posterior || prior)
//   log I = D_A + D_B - D_AB                           (information ratio)
//   log S = log R - log I                              (suspiciousness: prior-volume independent)
//   d     = 2 Var_posterior(log L)                     (Bayesian model dimensionality), d_S = d_A + d_B - d_AB
//   p     = chi2_sf(d_S - 2 log S, d_S)                (probability of a suspiciousness at least this large)
// A small p (say < 0.01) is tension; log R alone depends on the prior width.
#include <nlohmann/json.hpp>

#include "flowprior/core/types.hpp"

namespace flowprior {

// What one run contributes: evidence and the log-likelihood on its weighted posterior sample.
struct EvidenceRun {
  double log_z = 0;
  double log_z_err = 0;
  VectorXd log_likelihood;
  VectorXd weights;  // empty = equal
};

struct PosteriorInformation {
  double mean_log_l = 0;
  double kl = 0;      // D
  double bmd = 0;     // d
};
PosteriorInformation posterior_information(const EvidenceRun& run);

struct Tension {
  double log_r = 0, log_r_err = 0;
  double log_i = 0, log_s = 0;
  double bmd = 0;     // d_S
  double suspiciousness_p = 0;
  double sigma = 0;   // p as a two-sided Gaussian equivalent
  PosteriorInformation a, b, ab;
  bool tension = false;  // p < 0.01
};

Tension dataset_tension(const EvidenceRun& a, const EvidenceRun& b, const EvidenceRun& ab);
nlohmann::json tension_to_json(const Tension& t);
Tension tension_from_json(const nlohmann::json& j);

}  // namespace flowprior
