#pragma once
// `flowprior run`: the whole sequential analysis from one configuration.
//   1. stages in order; a flow/mixture stage trains its flow prior on the WEIGHTED particles of the stage before
//      (flow_STAGE.json), 2. the joint run on all datasets with the uniform prior, 3. sequential vs joint
//      comparison, 4. checks: dataset tension (an extra uniform-prior run "b_alone" on the datasets not in the
//      first stage), flow-prior error (importance weights L_earlier pi / q on the last flow stage's particles ->
//      ESS fraction and STAGE_corrected.csv), lost modes (run "mixture_check": the last flow stage under the
//      defensive mixture, reweighted to the exact target L_earlier L_stage pi; a lost mode is detected when that
//      reweighted posterior, or the joint run, puts more than 5% of its mass where the flow density is below its
//      own 0.1% quantile), the reverse order ([checks] reverse_order), fit quality at each run's best particle.
// Each check is one file of src/workflow/checks/ (workflow/check.hpp); every run goes through RunContext
// (workflow/run_context.hpp). Everything goes to the run folder with summary.json written last.
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/analysis_result.hpp"
#include "flowprior/workflow/run_evaluation.hpp"

namespace flowprior {

struct RunOptions {
  std::string output;  // overrides config.output when non-empty
  int threads = 0;     // overrides config.threads when > 0
  bool plots = true;   // scripts/plot_run.py when /usr/bin/python3 with matplotlib is there
  std::string plot_script;  // path of plot_run.py; empty = no plots
  RunEvaluation evaluation;  // where the runs' likelihoods are evaluated (default: threads; MPI ranks under mpirun)
};

struct LostModeRule {
  double quantile = 1e-3;     // "far below its typical value": below this quantile of log q under q itself
  double max_mass = 0.05;     // detected when the reweighted mixture posterior has more mass than this there
};

// The typed result; summary.json is its to_json().
AnalysisResult run_analysis(const AnalysisConfig& config, const RunOptions& options = {});

// Every model family of the configuration prepares its datasets (ModelFamily::prepare): builds or, with
// context.load_only, attaches what it needs in the run folder. Returns the emulators built, by system.
std::map<std::string, EmulatorRecord> prepare_models(AnalysisConfig& config, const PrepareContext& context);

}  // namespace flowprior
