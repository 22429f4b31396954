#pragma once
// The JSON form of an ensemble chain's diagnostics, shared by `sample --sampler ensemble` and `chain`.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "flowprior/core/digest.hpp"
#include "flowprior/sampler/diagnostics.hpp"

namespace flowprior::cli {

// FNV-1a over the 64-bit patterns of every stored value (positions step-major, log_prob, accepted), one word per
// step of the hash rather than one byte (8x fewer dependent multiplies: the byte-wise hash of a 50,000-step chain
// took longer than the sampling, issue 21): equal digests mean bitwise equal chains, which is what the resume test
// compares.
inline std::string chain_digest(const Chain& chain) {
  std::uint64_t h = kFnv1aOffset;
  auto add = [&h](double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    h = (h ^ bits) * 0x100000001b3ULL;  // the 64-bit FNV prime
  };
  for (Index s = 0; s < chain.steps; ++s)
    for (int w = 0; w < chain.walkers; ++w) {
      for (int j = 0; j < chain.dim; ++j) add(chain.positions(s * chain.walkers + w, j));
      add(chain.log_prob(s, w));
    }
  for (Index w = 0; w < chain.accepted.size(); ++w) add(chain.accepted(w));
  return to_hex(h);
}

struct ChainSummaryTiming {
  double diagnostics_seconds = 0;
  double digest_seconds = 0;
};

// `threads`: the diagnostics' parameters in parallel (the values do not depend on it).
inline nlohmann::json chain_summary_json(const Chain& chain, Index discard, ChainSummaryTiming* timing = nullptr,
                                         int threads = 1) {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  const ChainDiagnostics d = diagnose(chain, discard, AutocorrOptions{.threads = threads});
  if (timing) timing->diagnostics_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
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
  t0 = Clock::now();
  j["digest"] = chain_digest(chain);
  if (timing) timing->digest_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return j;
}

}  // namespace flowprior::cli
