#pragma once
// Files of a persistent-sampler run: the JSON summary, the equal-weight posterior as CSV, and the whole run as HDF5
//   /particles/{x, weights, log_likelihood, log_prior}   all stored particles, normalised weights at beta = 1
//   /posterior/x                                          equal-weight sample
//   /iterations/{iteration, beta, ess, n_effective, log_z, acceptance, steps, scale, correlation,
//                flow_validation_loss, likelihood_calls}
//   attributes on /: format = "flowprior.smc", version = 1, names (JSON), summary (the JSON summary as text)
// Every file is written to a temporary name and renamed into place.
#include <string>

#include <nlohmann/json.hpp>

#include "flowprior/sampler/persistent.hpp"

namespace flowprior {

// log_z, log_z_err (the reported evidence), log_z_method ("importance": from the final flow, or "persistent"),
// log_z_ps, log_z_ps_err (persistent-sampling estimate), log_z_is, log_z_is_err, log_z_is_ess, log_z_is_khat (null
// without a flow), log_z_is_rounds, log_z_is_draws, log_z_is_batches (0 without a flow),
// likelihood_calls, wall_seconds, iterations, ess, converged, stop_reason, posterior_mean, names; `extra` is merged
// in (target, options, ...). /iterations/log_z of the HDF5 file is the persistent-sampling estimate at each beta.
nlohmann::json smc_summary_json(const SmcResult& result, const nlohmann::json& extra = nlohmann::json::object());
void write_smc_json(const std::string& path, const nlohmann::json& summary);
void write_smc_posterior_csv(const std::string& path, const SmcResult& result);
void write_smc_hdf5(const std::string& path, const SmcResult& result, const nlohmann::json& summary);

}  // namespace flowprior
