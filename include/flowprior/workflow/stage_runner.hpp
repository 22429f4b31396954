#pragma once
// One sampling run of the workflow (a stage, the joint run, a check run): prior + likelihood + sampler settings
// -> weighted particles with their log-likelihoods, the evidence (SMC only), an equal-weight posterior, and
// diagnostics. Saved as NAME.csv (parameters, weight, log_likelihood, log_prior), NAME_posterior.csv, NAME.h5
// (SMC: particles, posterior and iterations; ensemble: the chain in emcee's HDFBackend layout),
// NAME_diagnostics.json, and last, atomically, the marker NAME.done: a run whose marker exists is loaded, never
// recomputed. A killed SMC run resumes from NAME.checkpoint.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "flowprior/core/box.hpp"
#include "flowprior/core/log_density.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/core/samples.hpp"
#include "flowprior/density/parameter_prior.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/run_evaluation.hpp"

namespace flowprior {

struct RunPrior {
  std::shared_ptr<const LogDensity> density;
  std::function<MatrixXd(Index, Rng&)> sample;
  std::string kind;  // "uniform", "flow", "mixture" (for the record)
  std::string identity = "uniform";  // in the run's identity (RunRequest::settings "prior"), e.g. "flow:0.100000"
  Box box;  // the run's parameters and their bounds (a stage may free only some of [parameters])
};

struct RunOutput {
  std::string name;
  Samples particles;          // weighted (weight column), names = box names
  VectorXd log_likelihood;    // per particle
  VectorXd log_prior;
  MatrixXd posterior;         // equal-weight
  double log_z = 0;           // NaN for the ensemble sampler
  double log_z_err = 0;
  double effective_size = 0;  // Kish ESS (SMC) or draws / max autocorrelation time (ensemble)
  bool loaded = false;        // read back from a finished run's files
  // SMC: reached beta = 1 (not stopped at max_iterations); ensemble: at least 50 autocorrelation times.
  bool converged = true;
  std::string stop_reason;
  std::vector<std::string> warnings;  // the sampler's (also in NAME_diagnostics.json, read back for a loaded run)
  nlohmann::json diagnostics;
};

struct RunRequest {
  std::string name;
  std::string folder;
  RunPrior prior;
  std::shared_ptr<const LogDensity> likelihood;
  SamplerConfig sampler;
  std::uint64_t seed = 1;
  int threads = 1;
  // Everything that determines the result (settings, datasets, box, seed), written to NAME.settings.json when the
  // run starts: a folder holding a run (finished or checkpointed) with other settings is an Error, never reused.
  nlohmann::json settings;
  // Where the likelihood is evaluated (default: `threads` threads). Distributed: the likelihood is named by
  // evaluation.likelihood_key(settings, folder) for the worker ranks.
  RunEvaluation evaluation;
};

// The lines a run adds to the analysis's warnings (summary.json, the report): "run 'NAME' did not converge (...)" when
// it did not, and every warning of its sampler (RunOutput::warnings, e.g. an unreliable evidence), each
// prefixed "run 'NAME': ", except the sampler's own convergence warning, which the first line already says.
std::vector<std::string> run_warnings(const RunOutput& out);

bool run_is_finished(const std::string& folder, const std::string& name);
// Writes the run's files (NAME.csv, NAME_posterior.csv, NAME_diagnostics.json, then the marker NAME.done).
void save_run(const RunOutput& out, const std::string& folder);
// Loads the finished run, or runs it and writes its files (marker last).
RunOutput run_or_load(const RunRequest& request, const Box& box);

RunPrior uniform_run_prior(const Box& box);
// The parameters' own priors on `box` (density/parameter_prior.hpp); exactly uniform_run_prior when all are uniform.
RunPrior parameter_run_prior(const Box& box, const std::vector<ParameterPrior>& priors);

}  // namespace flowprior
