#pragma once
// What `flowprior run` and its checks share while the analysis runs: the configuration, the run folder, the
// configured evaluation (threads, or MPI worker ranks under mpirun), the seeds, the runs made so far and the
// result being filled. Every sampling run goes through run(), every likelihood evaluated outside a sampler
// through likelihood() and evaluator(), so each of them reaches the worker ranks.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flowprior/core/evaluator.hpp"
#include "flowprior/core/stream_purpose.hpp"
#include "flowprior/density/flow_prior.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/analysis_result.hpp"
#include "flowprior/workflow/comparison.hpp"
#include "flowprior/workflow/run_analysis.hpp"
#include "flowprior/workflow/stage_runner.hpp"

namespace flowprior {

// The stages of one order of the data (the configured one, or the reverse order): each later stage with a flow
// trained on the one before.
struct Sequence {
  std::vector<StageConfig> configs;
  std::vector<RunOutput> runs;
  std::vector<std::shared_ptr<const FlowPrior>> flows;  // null for uniform stages
  std::vector<StageResult> results;
  std::shared_ptr<const FlowPrior> imported_flow;  // the first stage's posterior when it is a flow file
};

class RunContext {
 public:
  RunContext(const AnalysisConfig& config, const RunOptions& options);

  const AnalysisConfig& config() const { return config_; }
  const Box& box() const { return config_.box; }
  const std::string& folder() const { return folder_; }
  int threads() const { return threads_; }
  // Where status lines and warnings go (RunOptions::evaluation.messages; empty sinks: stderr).
  const Messages& messages() const { return options_.evaluation.messages; }
  // The seed of a sub-run or check: its own stream of the configuration's seed.
  std::uint64_t seed(StreamPurpose purpose, std::uint64_t index = 0) const;

  // One sampling run (loaded when a run with the same settings finished earlier in the folder). `prior.identity`
  // and `extra_settings` enter the run's identity (NAME.settings.json).
  RunOutput run(const std::string& name, const RunPrior& prior, const std::vector<std::string>& datasets,
                const SamplerConfig& sampler, std::uint64_t seed, const nlohmann::json& extra_settings = {});
  // The stages in `configs` in order, flows trained between them (seed streams `stage` and `flow`).
  Sequence run_sequence(std::vector<StageConfig> configs, StreamPurpose stage, StreamPurpose flow);

  // The summed likelihood of `datasets` on the points of `parameters` (default: all of [parameters]), evaluable by
  // evaluator() (named for the worker ranks).
  std::shared_ptr<const LogDensity> likelihood(const std::vector<std::string>& datasets,
                                               const std::vector<std::string>& parameters = {});
  // The parameters' own priors (uniform unless [parameters] says otherwise) on `parameters`.
  RunPrior own_prior(const std::vector<std::string>& parameters) const;
  Evaluator& evaluator();
  // Normalised importance weights that take a run of prior q on `run_datasets` to the exact target
  // L_earlier x L_run x uniform: w_i ~ w_run_i L_earlier_i pi_i / q_i.
  VectorXd exact_weights(const RunOutput& run, const std::vector<std::string>& earlier_datasets);
  ComparisonOptions comparison_options(double model_ess, double reference_ess) const;
  // `model` (a run's posterior on its own parameters) against the joint run's posterior on the same parameters.
  Comparison compare_to_joint(const Samples& model, double model_ess) const;

  // The datasets of every configured stage, in first-use order.
  std::vector<std::string> all_datasets() const;
  // Why checks that reweight to the earlier stages' likelihood do not apply before stage k (an earlier posterior
  // from a file), or empty.
  std::string imported_before(std::size_t k) const;
  // Why stage k's particles cannot be reweighted to the exact target L_earlier x L_k x prior (an imported earlier
  // posterior, or a parameter of an earlier stage that stage k does not free), or empty.
  std::string not_reweightable(std::size_t k) const;
  // The last configured stage with a flow (or mixture) prior, if any.
  std::optional<std::size_t> last_flow_stage() const;
  // The datasets of the configured stages before stage k (what its flow prior stands for).
  std::vector<std::string> datasets_before(std::size_t k) const;

  // Filled as the analysis goes: the configured order, the joint run, the result.
  Sequence forward;
  std::optional<RunOutput> joint;
  std::optional<Sequence> reverse;
  AnalysisResult result;

 private:
  AnalysisConfig config_;
  RunOptions options_;
  std::string folder_;
  int threads_;
  std::unique_ptr<Evaluator> evaluator_;
};

// The prior of a stage on its free `parameters`: the parameters' own priors (kind uniform), or the flow of the
// earlier posterior on the parameters it covers (kind flow; mixture: the defensive mixture with weight epsilon on
// the uniform density of the flow's box), times the own priors of the others.
RunPrior stage_prior(const AnalysisConfig& config, const std::vector<std::string>& parameters, PriorKind kind,
                     double epsilon, const std::shared_ptr<const FlowPrior>& flow);
// Union of lists, in first-use order.
std::vector<std::string> union_of(const std::vector<std::vector<std::string>>& lists);
// Kish effective size of normalised weights.
double kish_size(const VectorXd& w);
// The stages with their dataset lists in reverse order: the first gets the uniform prior, the others a flow.
std::vector<StageConfig> reversed_stages(const AnalysisConfig& config);

}  // namespace flowprior
