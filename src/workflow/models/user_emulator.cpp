#include "workflow/models/user_emulator.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/emulator/emulator.hpp"
#include "flowprior/emulator/validation.hpp"
#include "workflow/file_helpers.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json user_emulator_read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return json::parse(ss.str());
  } catch (const json::exception& e) {
    throw Error(ErrorContext{.file = path}, std::string("corrupt JSON: ") + e.what());
  }
}

}  // namespace

EmulatorRecord prepare_user_emulator(const UserEmulatorBuild& build,
                                     const std::function<UserEmulatorTables()>& tables,
                                     const PrepareContext& context, std::string& file_out) {
  using workflow_detail::path_in;
  const std::string& name = build.name;
  const std::string file = path_in(context.folder, name + ".json");
  const std::string validation_file = path_in(context.folder, name + "_validation.json");
  const std::string settings_file = path_in(context.folder, name + ".settings.json");
  EmulatorRecord entry;
  entry.file = name + ".json";
  entry.validation = name + "_validation.json";
  if (context.load_only) {  // MPI worker ranks: rank 0 built it before sending any likelihood
    if (fs::exists(file)) file_out = file;
    return entry;
  }
  fs::create_directories(context.folder);
  if (fs::exists(settings_file) && user_emulator_read_json(settings_file) != build.settings)
    throw Error(ErrorContext{.file = settings_file},
                "this run folder holds an emulator built with other settings; use another --out or remove " + name +
                    ".*");
  if (fs::exists(file) && fs::exists(validation_file)) {
    const json v = user_emulator_read_json(validation_file);
    entry.trustworthy = v.value("trustworthy", false);
    entry.problems = v.value("problems", std::vector<std::string>{});
    entry.design_points = v.value("design_points", 0L);
    entry.validation_points = v.value("validation_points", 0L);
    entry.loaded = true;
    context.messages.status(name + ": loaded (built by an earlier run)");
    file_out = file;
    return entry;
  }
  write_file_atomically(settings_file, build.settings.dump(2) + "\n");
  const auto t0 = std::chrono::steady_clock::now();
  const UserEmulatorTables t = tables();
  const double model_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_csv_table(path_in(context.folder, name + "_design.csv"), t.parameters, t.design);
  write_csv_table(path_in(context.folder, name + "_outputs.csv"), t.outputs, t.design_outputs);
  write_csv_table(path_in(context.folder, name + "_validation_design.csv"), t.parameters, t.validation);
  write_csv_table(path_in(context.folder, name + "_validation_outputs.csv"), t.outputs, t.validation_outputs);
  EmulatorOptions eo;
  eo.components = build.components;
  eo.variance_fraction = build.variance_fraction;
  eo.threads = context.threads;
  eo.messages = context.messages;
  eo.gp.seed = build.seed;
  EmulatorSummary es;
  context.messages.status(name + ": training the PCA + GP emulator of " + (build.log_scale ? "ln(outputs)" : "the outputs") + " on " +
         std::to_string(t.design.rows()) + " design points");
  Emulator emulator;
  ValidationReport report;
  try {
    emulator = Emulator::train(t.design, t.design_outputs, t.parameters, t.outputs, eo, &es);
    report = validate_emulator(emulator, t.validation, t.validation_outputs);
  } catch (const Error& e) {  // the fit's errors name the user's table or model
    throw Error(ErrorContext{.file = build.source}, build.what + ": no emulator of it: " + e.what());
  }
  json v = report.to_json();
  v["components"] = es.components;
  v["explained_variance"] = es.explained_variance;
  v["design_points"] = static_cast<long>(t.design.rows());
  v["validation_points"] = static_cast<long>(t.validation.rows());
  v["model_seconds"] = model_seconds;
  v["total_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_file_atomically(validation_file, v.dump(2) + "\n");
  emulator.save(file);  // atomic (core/output_file.hpp)
  entry.trustworthy = report.trustworthy;
  entry.problems = report.problems;
  entry.components = es.components;
  entry.design_points = t.design.rows();
  entry.validation_points = t.validation.rows();
  context.messages.status(name + ": " + std::to_string(es.components) + " components; held-out coverage 68%: " +
         std::to_string(report.pooled.coverage68) + ", 95%: " + std::to_string(report.pooled.coverage95) +
         (report.trustworthy ? "" : " — NOT trustworthy, see " + name + "_validation.json"));
  if (!report.trustworthy) context.messages.warn(name + " failed its validation: " + report.to_text());
  file_out = file;
  return entry;
}

MatrixXd user_outputs_on_scale(const Table& table, const std::string& file, bool log_scale) {
  MatrixXd y = table.values;
  for (Index i = 0; i < y.rows(); ++i)
    for (Index j = 0; j < y.cols(); ++j) {
      const double v = y(i, j);
      const ErrorContext where{.file = file, .line = static_cast<long>(i) + 2,
                               .parameter = table.names[static_cast<std::size_t>(j)]};
      if (!std::isfinite(v)) throw Error(where, "output is not a finite number");
      if (log_scale && !(v > 0.0))
        throw Error(where, "output " + std::to_string(v) + " is not positive: scale = \"log\" emulates ln(output)");
      if (log_scale) y(i, j) = std::log(v);
    }
  return y;
}

std::vector<std::string> user_model_observables(const std::string& dataset, const std::string& data_file,
                                                const std::vector<std::string>& dataset_observables,
                                                const std::vector<std::string>& outputs, Index data_rows,
                                                const std::string& outputs_source) {
  if (!dataset_observables.empty()) {
    for (const std::string& o : dataset_observables)
      if (std::find(outputs.begin(), outputs.end(), o) == outputs.end())
        throw Error(ErrorContext{.file = data_file, .parameter = "observables"},
                    "dataset '" + dataset + "': \"" + o + "\" is not an output column of " + outputs_source);
    return dataset_observables;
  }
  if (static_cast<Index>(outputs.size()) != data_rows)
    throw Error(ErrorContext{.file = data_file, .parameter = "observables"},
                "dataset '" + dataset + "': give `observables` (the output columns of the data rows): " +
                    outputs_source + " has " + std::to_string(outputs.size()) + " output columns, the data " +
                    std::to_string(data_rows) + " rows");
  return outputs;
}

std::shared_ptr<const GaussianLikelihood> user_emulator_likelihood(GaussianDataset data, const Box& box,
                                                                   const std::string& emulator_file,
                                                                   bool log_scale) {
  if (emulator_file.empty())
    throw Error("dataset '" + data.name + "': its emulator is built before the first run (ModelFamily::prepare)");
  // The emulator gives ln y on the log scale, which GaussianLikelihood takes an emulator to give.
  if (log_scale != (data.scale == ObservableScale::log))
    throw Error("dataset '" + data.name + "': the emulator's scale differs from the dataset's");
  auto emulator = std::make_shared<const Emulator>(Emulator::load(emulator_file));
  return std::make_shared<GaussianLikelihood>(std::move(data), std::move(emulator), box.names());
}

}  // namespace flowprior
