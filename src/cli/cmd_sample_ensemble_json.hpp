#pragma once
// The JSON form of an ensemble chain's diagnostics, shared by `sample --sampler ensemble` and `chain`.
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "flowprior/core/digest.hpp"
#include "flowprior/sampler/diagnostics.hpp"

namespace flowprior::cli {

// FNV-1a over the bytes of every stored value (positions step-major, log_prob, accepted): equal digests mean
// bitwise equal chains, which is what the resume test compares.
inline std::string chain_digest(const Chain& chain) {
  std::uint64_t h = kFnv1aOffset;
  auto add = [&h](double v) { h = fnv1a(&v, sizeof v, h); };
  for (Index s = 0; s < chain.steps; ++s)
    for (int w = 0; w < chain.walkers; ++w) {
      for (int j = 0; j < chain.dim; ++j) add(chain.positions(s * chain.walkers + w, j));
      add(chain.log_prob(s, w));
    }
  for (Index w = 0; w < chain.accepted.size(); ++w) add(chain.accepted(w));
  return to_hex(h);
}

inline nlohmann::json chain_summary_json(const Chain& chain, Index discard) {
  const ChainDiagnostics d = diagnose(chain, discard);
  auto vec = [](const VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
  nlohmann::json j;
  j["walkers"] = chain.walkers;
  j["steps"] = chain.steps;
  j["discard"] = discard;
  j["names"] = chain.names;
  j["acceptance_fraction"] = vec(d.acceptance_fraction);
  j["mean_acceptance_fraction"] = d.acceptance_fraction.mean();
  j["autocorr_time"] = vec(d.autocorr_time);
  j["ess"] = vec(d.ess);
  j["r_hat"] = vec(d.r_hat);
  j["mean"] = vec(d.mean);
  j["mean_error"] = vec(d.mean_error);
  std::vector<std::vector<double>> cov;
  for (Index i = 0; i < d.covariance.rows(); ++i) cov.push_back(vec(d.covariance.row(i).transpose()));
  j["covariance"] = cov;
  j["warnings"] = d.warnings;
  j["digest"] = chain_digest(chain);
  return j;
}

}  // namespace flowprior::cli
