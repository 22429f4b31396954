#pragma once
// Where the commands evaluate likelihoods: threads, or (built with FLOWPRIOR_MPI and started by mpirun) MPI ranks.
// Under `mpirun -n K flowprior ...`, rank 0 runs the command and ranks 1..K-1 serve likelihood shares (main.cpp);
// a density reaches them as a key (NamedDensity) that DensityKeyResolver turns back into the density.
// Keys are JSON objects:
//   {"kind": "target", "target": NAME, "dim": D, "cost_ms": C}     built-in target likelihood (flowprior sample)
//   {"kind": "analysis", "config": PATH, "folder": DIR, "datasets": [...]}  a run's likelihood (flowprior run);
//       "datasets" is the run's settings record (RunRequest::settings), whose names select the datasets; what the
//       models built in the run folder (emulators) is attached by prepare_models(..., load_only).
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "flowprior/core/evaluator.hpp"
#include "flowprior/core/log_density.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/run_evaluation.hpp"

namespace flowprior::cli {

bool distributed();     // rank 0 of an MPI job with at least one worker rank
int evaluation_ranks();  // ranks that evaluate likelihoods (1 without MPI)
// An MpiEvaluator when distributed(), else a ThreadEvaluator.
std::unique_ptr<Evaluator> make_evaluator(int threads);

// The likelihood of a built-in target as `flowprior sample` evaluates it: cost_ms > 0 adds a CPU busy wait per point;
// named for worker ranks.
std::shared_ptr<const LogDensity> target_likelihood(const std::string& target, int dim, double cost_ms);

// The evaluation of `flowprior run` for the configuration file `config_path`: threads, or MPI ranks.
RunEvaluation run_evaluation(const std::string& config_path);

// Worker ranks: key -> density (analysis configurations are read once per file).
class DensityKeyResolver {
 public:
  std::shared_ptr<const LogDensity> operator()(const std::string& key);

 private:
  std::map<std::string, AnalysisConfig> configs_;
};

}  // namespace flowprior::cli
