#pragma once
// A PCA + GP emulator of a user's model built by the run itself from design and output tables (the "table" and
// "command" models: table_model.cpp, command_model.cpp), shared by both so they build, validate, resume and report
// alike. Files in the run folder, for NAME = emulator_<dataset or model>:
//   NAME.settings.json (everything that determines the emulator; written first, checked on every later run: a
//   folder holding an emulator built with other settings is an Error naming the file), NAME_design.csv /
//   _outputs.csv / _validation_design.csv / _validation_outputs.csv (the tables it was trained and checked on, on
//   the emulated scale), NAME_validation.json (emulator/validation.hpp), NAME.json (the emulator, written last and
//   atomically). A finished emulator is loaded, never rebuilt.
// Private to src/workflow/models/.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flowprior/core/box.hpp"
#include "flowprior/emulator/gaussian_likelihood.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/workflow/model.hpp"

namespace flowprior {

// What an emulator is trained and validated on, outputs already on the emulated scale (ln y for scale = "log").
struct UserEmulatorTables {
  std::vector<std::string> parameters;  // design columns (a subset of the analysis parameters, any order)
  std::vector<std::string> outputs;     // output columns
  MatrixXd design, design_outputs, validation, validation_outputs;
};

struct UserEmulatorBuild {
  std::string name;           // file prefix in the run folder
  nlohmann::json settings;    // compared with NAME.settings.json
  int components = 0;         // 0: by variance_fraction
  double variance_fraction = 0.999;
  std::uint64_t seed = 1;     // the GP fits' restarts
  bool log_scale = false;     // outputs are ln y (messages only)
  std::string source;         // where the tables come from, for errors of the fit (the outputs file, the config)
  std::string what;           // who builds it, for errors of the fit ("dataset 'X'", "model 'M'")
};

// Builds the emulator (calling `tables` only then: a command model runs its simulator there) or loads the one an
// earlier run finished; `file_out` is the emulator's path (empty when load_only finds none).
EmulatorRecord prepare_user_emulator(const UserEmulatorBuild& build,
                                     const std::function<UserEmulatorTables()>& tables,
                                     const PrepareContext& context, std::string& file_out);

// Output table checks shared by both models: finite everywhere and, on the log scale, positive (Error naming file,
// line and column); returns the values on the emulated scale.
MatrixXd user_outputs_on_scale(const Table& table, const std::string& file, bool log_scale);

// The output columns that a dataset's data rows are: its `observables` (names of output columns) or, without
// them, all output columns in order when the counts match. Error naming the data file otherwise.
std::vector<std::string> user_model_observables(const std::string& dataset, const std::string& data_file,
                                                const std::vector<std::string>& dataset_observables,
                                                const std::vector<std::string>& outputs, Index data_rows,
                                                const std::string& outputs_source);

// The dataset's likelihood with a finished emulator file: the emulator's parameters picked from `box` by name.
std::shared_ptr<const GaussianLikelihood> user_emulator_likelihood(GaussianDataset data, const Box& box,
                                                                   const std::string& emulator_file,
                                                                   bool log_scale);

}  // namespace flowprior
