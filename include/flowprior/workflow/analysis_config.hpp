#pragma once
// The analysis configuration of `flowprior run` (TOML). Every key is checked: unknown keys and wrong types are an
// Error naming file, line and key. Relative paths (data, emulator, output) are resolved against the config's
// folder. See examples/linear_gaussian/analysis.toml for every key with its meaning.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "flowprior/core/box.hpp"
#include "flowprior/density/parameter_prior.hpp"
#include "flowprior/emulator/gaussian_likelihood.hpp"
#include "flowprior/flow/train.hpp"
#include "flowprior/workflow/check.hpp"
#include "flowprior/workflow/model_registry.hpp"

namespace flowprior {

struct DatasetConfig {
  std::string name;
  std::string data_file;                      // CSV: `value`, `error` columns (names configurable)
  std::string value_column = "value";
  std::string error_column = "error";
  std::vector<std::string> error_columns;       // `errors`: uncorrelated sources added in quadrature (else error_column)
  std::vector<std::string> correlated_columns;  // fully correlated error sources, one column each
  std::vector<std::string> observables;         // model outputs per data row (emulator); default y0..y{m-1}
  ObservableScale scale = ObservableScale::linear;
  // The dataset's model (workflow/model.hpp): `model = "NAME"` (registry name, with the model's own keys in this
  // table) or `emulator = "FILE"` (model "emulator"). Replaced before the first run where the model builds
  // emulators in the run folder (ModelFamily::prepare).
  std::string model_name;
  std::shared_ptr<const DatasetModel> model;
  // Pseudo-data (`pseudo_data = {name = value, ...}`): the values are replaced by the model (never an emulator) at
  // this point, the errors keep their relative size (sd * model / data), and with pseudo_data_seed > 0 one draw of
  // the experimental covariance is added (0 = noiseless). For closure tests and consistent-by-construction stages.
  std::map<std::string, double> pseudo_point;
  std::uint64_t pseudo_seed = 0;
  // Plots of the posterior predictive (workflow/predictive.hpp): the data column giving each row's kinematic
  // variable (empty: plot against the observable index), axis labels with units, logarithmic axes.
  std::string x_column;
  std::string x_label;
  std::string y_label;
  bool x_log = false;
  bool y_log = false;
  long line = -1;
};

enum class SamplerKind { smc, ensemble };
enum class PriorKind { uniform, flow, mixture };

struct SamplerConfig {
  SamplerKind kind = SamplerKind::smc;
  // smc (PersistentOptions)
  Index n_active = 256;
  double n_effective = 512;
  Index n_total = 2048;
  int warmup_blocks = 4;
  bool precondition = false;
  int max_iterations = 1000;
  bool checkpoint = true;  // stage checkpoint after every iteration; a killed stage resumes from it
  // ensemble
  int walkers = 32;
  Index steps = 2000;
  Index burn_in = 500;
  Index thin = 1;
  std::string moves = "stretch";
  // Walker starts: draws from the prior (default), or emcee's common practice of a small ball around one point
  // (e.g. a best fit), `start = [...]` with sd `start_scale` times each parameter's range. A ball only explores
  // what the walkers can reach from it: the lost-mode check exists for exactly this.
  VectorXd start;
  double start_scale = 1e-3;
};

struct StageConfig {
  std::string name;
  std::vector<std::string> datasets;
  PriorKind prior = PriorKind::uniform;
  double epsilon = 0.1;  // mixture weight of the uniform component
  SamplerConfig sampler;
  // `posterior = "FILE"` (first stage only): an earlier posterior from elsewhere instead of a run
  // (workflow/imported_posterior.hpp); `discard` steps of an emcee chain are dropped and every `thin`-th kept
  // (sampler.thin). The stage's datasets are then optional: they enter the joint run and the reverse order.
  std::string posterior_file;
  Index discard = 0;
  // The stage's parameters (issue 17): the free ones, in [parameters] order (`parameters = [...]`; default every
  // parameter not fixed), and the fixed ones with their values (`fixed = {K = 1}`). The stage's datasets are
  // evaluated at the fixed values; a parameter neither free nor fixed is one they do not use (checked before any
  // run). A later flow stage's prior is the flow of the stage before on the parameters both have free, times the
  // parameters' own priors on its new ones.
  std::vector<std::string> parameters;
  std::map<std::string, double> fixed;
  long line = -1;
};

struct ChecksConfig {
  bool tension = true;            // extra uniform-prior run on the later datasets alone -> log R, suspiciousness
  bool flow_prior_check = true;   // importance weights L_earlier pi / q on the last flow-prior stage
  bool lost_modes = true;         // short run of the last flow stage under the defensive mixture
  double lost_modes_epsilon = 0.1;
  int c2st_neighbours = 25;
  int kl_bins = 0;  // 0 = auto (see workflow/comparison.hpp)
  Index max_per_class = 4000;
  // The stages again in reverse dataset order (a uniform stage on the last stage's datasets, then flow stages),
  // compared with the joint run: does the answer depend on the order in which the data arrived?
  bool reverse_order = false;
  // n_total of the reverse order's first (uniform, SMC) stage; 0 = the settings of the stage it repeats. A broad first
  // stage needs more particles where the later data look: see the hand-over coverage (workflow/hand_over.hpp).
  Index reverse_order_n_total = 0;
  // Practical margins of the sequential-vs-joint verdict (see workflow/comparison.hpp).
  double mean_tolerance = 0.1;
  double width_tolerance = 0.1;
  double c2st_tolerance = 0.05;
};

struct AnalysisConfig {
  std::string source;       // config file path
  std::uint64_t seed = 1;
  std::string output = "run";
  int threads = 1;
  Box box;
  // Each parameter's own prior on its bounds ([parameters] name = {range = [..], prior = "normal", ...}), in box
  // order; uniform unless stated (workflow/parameters_table.hpp).
  std::vector<ParameterPrior> priors;
  // [model] name = "NAME": the shared settings of that model (e.g. the built-in physics model), and every model
  // family the datasets use, by name.
  std::string shared_model;
  std::map<std::string, std::shared_ptr<const ModelFamily>> models;
  std::map<std::string, std::string> units;  // [units]: parameter -> unit, for plot axes and reports
  std::vector<DatasetConfig> datasets;
  std::vector<StageConfig> stages;
  TrainOptions flow;        // hand-over training (seed set per stage): FlowTrainSettings' defaults, [flow] overrides
  int flow_ensemble = 1;    // [flow] ensemble: flows per hand-over, the prior is their mixture (flow_prior.hpp)
  bool joint = true;
  SamplerConfig joint_sampler;
  ChecksConfig checks;
  // The checks of the run, in order, each configured from [checks] (workflow/check.hpp).
  std::vector<std::shared_ptr<const Check>> check_list;
  bool plots = true;

  const DatasetConfig& dataset(const std::string& name) const;  // Error if absent
  // The stage whose datasets include `dataset` (nullptr if none).
  const StageConfig* stage_of(const std::string& dataset) const;
};

// What a configuration may name: the models of its datasets and the checks of its runs (default: the built-in
// ones; a caller may add its own).
struct Extensions {
  ModelRegistry models = builtin_models();
  CheckRegistry checks = builtin_checks();
};

AnalysisConfig read_analysis_config(const std::string& path, const Extensions& extensions = {});
AnalysisConfig parse_analysis_config(const std::string& text, const std::string& source,
                                     const std::string& base_dir, const Extensions& extensions = {});

std::string to_string(SamplerKind kind);
std::string to_string(PriorKind kind);

}  // namespace flowprior
