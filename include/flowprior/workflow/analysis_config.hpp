#pragma once
// The analysis configuration of `flowprior run` (TOML). Every key is checked: unknown keys and wrong types are an
// Error naming file, line and key. Relative paths (data, emulator, output) are resolved against the config's
// folder. See examples/linear_gaussian/analysis.toml for every key with its meaning.
#include <cstdint>
#include <string>
#include <vector>

#include "flowprior/core/box.hpp"
#include "flowprior/emulator/gaussian_likelihood.hpp"
#include "flowprior/flow/train.hpp"

namespace flowprior {

// linear: y = matrix x + offset (exact test problems); quadratic: y = matrix (x * x) + offset, elementwise square
// (a sign-symmetric, hence bimodal, test problem).
enum class ModelKind { linear, quadratic, emulator };

struct DatasetConfig {
  std::string name;
  std::string data_file;                      // CSV: `value`, `error` columns (names configurable)
  std::string value_column = "value";
  std::string error_column = "error";
  std::vector<std::string> correlated_columns;  // fully correlated error sources, one column each
  std::vector<std::string> observables;         // model outputs per data row (emulator); default y0..y{m-1}
  ObservableScale scale = ObservableScale::linear;
  ModelKind model = ModelKind::linear;
  MatrixXd matrix;
  VectorXd offset;
  std::string emulator_file;
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
};

struct StageConfig {
  std::string name;
  std::vector<std::string> datasets;
  PriorKind prior = PriorKind::uniform;
  double epsilon = 0.1;  // mixture weight of the uniform component
  SamplerConfig sampler;
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
};

struct AnalysisConfig {
  std::string source;       // config file path
  std::uint64_t seed = 1;
  std::string output = "run";
  int threads = 1;
  Box box;
  std::vector<DatasetConfig> datasets;
  std::vector<StageConfig> stages;
  TrainOptions flow;        // hand-over training (seed set per stage)
  bool joint = true;
  SamplerConfig joint_sampler;
  ChecksConfig checks;
  bool plots = true;

  const DatasetConfig& dataset(const std::string& name) const;  // Error if absent
};

AnalysisConfig read_analysis_config(const std::string& path);
AnalysisConfig parse_analysis_config(const std::string& text, const std::string& source,
                                     const std::string& base_dir);

std::string to_string(SamplerKind kind);
std::string to_string(PriorKind kind);

}  // namespace flowprior
