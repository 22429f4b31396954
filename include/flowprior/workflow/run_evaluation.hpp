#pragma once
// Where the runs of the workflow evaluate their likelihoods. Empty (the default): threads on this process.
// `mpirun -n K flowprior run` fills it: make_evaluator gives rank 0's MPI evaluator, and likelihood_key names a
// likelihood, from a settings record with its datasets (RunRequest::settings: names and emulator files) and the run
// folder, so that the worker ranks can rebuild it (see src/cli/parallel.hpp). Flow training, priors and all
// sampler work between likelihood batches stay on this process.
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "flowprior/core/evaluator.hpp"
#include "flowprior/core/log_density.hpp"
#include "flowprior/core/messages.hpp"
#include "flowprior/sampler/persistent.hpp"

namespace flowprior {

struct RunEvaluation {
  std::function<std::unique_ptr<Evaluator>(int threads)> make_evaluator;
  std::function<std::string(const nlohmann::json& settings, const std::string& folder)> likelihood_key;
  // The samplers' `interrupt` hook (EnsembleOptions, PersistentOptions): may throw to stop the run. The Python
  // module sets it so that Ctrl-C stops flowprior.run; empty for the command line.
  std::function<void()> interrupt;
  // Status lines and warnings of the analysis (empty sinks: stderr, the command line). The Python module
  // collects them, so that flowprior.run writes nothing to the process's stderr.
  Messages messages;
  // Called after every SMC iteration of a run, with the run's name, on the calling thread (the Python module's
  // progress bar); it only observes. When set, the SMC runs write no per-iteration status lines.
  std::function<void(const std::string& run, const SmcProgress&)> smc_progress;

  bool distributed() const { return make_evaluator && likelihood_key; }
  // make_evaluator's evaluator when distributed, else a ThreadEvaluator.
  std::unique_ptr<Evaluator> evaluator(int threads) const;
  // The likelihood as that evaluator needs it: when distributed, a NamedDensity keyed by likelihood_key.
  std::shared_ptr<const LogDensity> named(std::shared_ptr<const LogDensity> likelihood,
                                          const nlohmann::json& settings, const std::string& folder) const;
};

}  // namespace flowprior
