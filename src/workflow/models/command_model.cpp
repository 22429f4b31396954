// A user's simulator run as a command ([models.NAME] command = "python3 sim.py {in} {out}"; datasets say
// model = "NAME"): any program, in any language, that reads a CSV of parameter points ({in}: a header of parameter
// names, one point per row) and writes a CSV of outputs ({out}: a header of output names, one row per point, in
// the same order). Before the first stage the run
//   1. draws `design_points` and `validation_points` maximin Latin-hypercube points over the model's parameters
//      (`parameters = [...]`, a subset of [parameters] in any order; default all) in the analysis box,
//   2. runs the command once for each set, in the config's folder, its output and errors going to
//      command_NAME_design.log / _validation.log in the run folder (a non-zero exit is an Error naming the model,
//      the command and the log, with its last lines),
//   3. keeps inputs and outputs in the run folder (command_NAME_design.csv, _design_outputs.csv, and the same for
//      validation): a rerun in that folder with the same settings reads them and never runs the simulator again,
//   4. builds and validates the PCA + GP emulator exactly as the table model does (user_emulator.hpp), on
//      ln(outputs) when the model's datasets have scale = "log" (all of them must agree).
// Each dataset's data rows are the output columns named by its `observables`, or all outputs in order.
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "flowprior/core/digest.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/core/stream_purpose.hpp"
#include "flowprior/emulator/design.hpp"
#include "flowprior/emulator/emulator.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/model_registry.hpp"
#include "workflow/file_helpers.hpp"
#include "workflow/models/user_emulator.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;

struct CommandModelSpec {
  std::string name;       // NAME of [models.NAME]
  std::string command;    // with {in} and {out}
  std::string base_dir;   // the command runs here (the config's folder)
  std::string source;     // the config file
  std::vector<std::string> parameters;  // empty: all of [parameters]
  ErrorContext parameters_where;
  Index design_points = 50;
  Index validation_points = 20;
  int components = 0;
  double variance_fraction = 0.999;
};

std::string command_shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string command_substitute(std::string text, const std::string& key, const std::string& value) {
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
    text.replace(at, key.size(), value);
  return text;
}

std::string command_log_tail(const std::string& path, std::size_t lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += "\n  " + all[i];
  return out;
}

// Runs the simulator on the points `x` (stem: "design" or "validation"), or reads the outputs an earlier run
// cached for exactly these points. Returns the output table as the command wrote it.
Table run_simulator(const CommandModelSpec& spec, const std::vector<std::string>& parameters, const MatrixXd& x,
                    const std::string& folder, const std::string& stem, const Messages& messages) {
  using workflow_detail::path_in;
  const std::string prefix = path_in(folder, "command_" + spec.name + "_" + stem);
  const std::string in_file = prefix + ".csv", out_file = prefix + "_outputs.csv", log_file = prefix + ".log";
  if (fs::exists(in_file) && fs::exists(out_file)) {
    const Table cached_in = read_csv_table(in_file);
    if (cached_in.names == parameters && cached_in.values.rows() == x.rows() &&
        (cached_in.values - x).cwiseAbs().maxCoeff() <= 1e-12 * (1.0 + x.cwiseAbs().maxCoeff())) {
      messages.status("model '" + spec.name + "': " + stem + " outputs read from " + out_file + " (cached)");
      return read_csv_table(out_file);
    }
  }
  write_csv_table(in_file, parameters, x);
  const std::string partial = prefix + "_outputs.partial.csv";
  fs::remove(partial);
  std::string command = command_substitute(spec.command, "{in}", command_shell_quote(in_file));
  command = command_substitute(command, "{out}", command_shell_quote(partial));
  const std::string shell = "cd " + command_shell_quote(spec.base_dir.empty() ? "." : spec.base_dir) + " && (" +
                            command + ") >" + command_shell_quote(log_file) + " 2>&1";
  messages.status("model '" + spec.name + "': running `" + spec.command + "` on " + std::to_string(x.rows()) + " " + stem +
         " points");
  const int rc = std::system(shell.c_str());
  const ErrorContext where{.file = spec.source, .parameter = "models." + spec.name + ".command"};
  if (rc == -1) throw Error(where, "model '" + spec.name + "': could not start a shell for `" + spec.command + "`");
  if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
    throw Error(where, "model '" + spec.name + "': `" + spec.command + "` failed on the " + stem + " points (" +
                           (WIFEXITED(rc) ? "exit code " + std::to_string(WEXITSTATUS(rc))
                                          : std::string("killed by a signal")) +
                           "); its output is in " + log_file + ", ending:" + command_log_tail(log_file, 5));
  if (!fs::exists(partial))
    throw Error(where, "model '" + spec.name + "': `" + spec.command + "` exited without writing {out} for the " +
                           stem + " points; its output is in " + log_file);
  Table out = read_csv_table(partial);  // errors name the file
  if (out.values.rows() != x.rows())
    throw Error(ErrorContext{.file = partial}, "model '" + spec.name + "': " + std::to_string(out.values.rows()) +
                                                   " output rows for " + std::to_string(x.rows()) +
                                                   " parameter points (one row per point, in order)");
  fs::rename(partial, out_file);
  return out;
}

class CommandDatasetModel final : public DatasetModel {
 public:
  CommandDatasetModel(std::shared_ptr<const CommandModelSpec> spec, bool log_scale, std::string emulator_file)
      : spec_(std::move(spec)), log_scale_(log_scale), emulator_file_(std::move(emulator_file)) {
    if (!emulator_file_.empty()) outputs_ = Emulator::load(emulator_file_).output_names();
  }
  std::string kind() const override { return "command"; }
  std::vector<std::string> observables(const DatasetConfig& d, const GaussianDataset& data) const override {
    // Before the simulator has run (the checks before any run) its output names are unknown: they are matched to
    // the data rows once the run has them (prepare).
    if (outputs_.empty()) return data.observables;
    return user_model_observables(d.name, d.data_file, d.observables, outputs_, data.values.size(),
                                  "the outputs of model '" + spec_->name + "'");
  }
  std::shared_ptr<const GaussianLikelihood> likelihood(GaussianDataset data, const Box& box, bool) const override {
    return user_emulator_likelihood(std::move(data), box, emulator_file_, log_scale_);
  }
  bool has_direct() const override { return false; }
  std::optional<std::vector<std::string>> parameters_used(const Box& box) const override {
    if (spec_->parameters.empty()) return box.names();
    return spec_->parameters;
  }
  nlohmann::json identity() const override {
    nlohmann::json j = {{"model", "command"},
                         {"name", spec_->name},
                         {"command", spec_->command},
                         {"emulator", fs::path(emulator_file_).filename().string()},
                         {"matrix", nlohmann::json::array()},
                         {"offset", nlohmann::json::array()}};
    if (!emulator_file_.empty() && fs::exists(emulator_file_)) j["emulator_fnv1a"] = file_digest(emulator_file_);
    return j;
  }
  bool log_scale() const { return log_scale_; }

 private:
  std::shared_ptr<const CommandModelSpec> spec_;
  bool log_scale_ = false;
  std::string emulator_file_;  // empty until prepare
  std::vector<std::string> outputs_;
};

class CommandFamily final : public ModelFamily {
 public:
  void read_shared(ConfigTable& r) override {
    auto spec = std::make_shared<CommandModelSpec>();
    spec->name = r.prefix().substr(std::string("models.").size());
    if (!spec->name.empty() && spec->name.back() == '.') spec->name.pop_back();
    spec->base_dir = r.base_dir();
    spec->source = r.source();
    r.get_string("command", spec->command);
    if (spec->command.empty())
      throw Error(r.where("command"), "missing key: the simulator's command, e.g. \"python3 sim.py {in} {out}\"");
    if (spec->command.find("{in}") == std::string::npos || spec->command.find("{out}") == std::string::npos)
      throw Error(r.where("command"), "must contain {in} (the CSV of parameter points the command reads) and {out} "
                                      "(the CSV of outputs it writes)");
    spec->parameters = r.get_strings("parameters");
    spec->parameters_where = r.where("parameters");
    r.get_int("design_points", spec->design_points);
    r.get_int("validation_points", spec->validation_points);
    if (spec->design_points < 4) throw Error(r.where("design_points"), "must be at least 4");
    if (spec->validation_points < 2) throw Error(r.where("validation_points"), "must be at least 2");
    r.get_int("components", spec->components);
    r.get_double("variance_fraction", spec->variance_fraction);
    if (!(spec->variance_fraction > 0 && spec->variance_fraction <= 1))
      throw Error(r.where("variance_fraction"), "must be in (0, 1]");
    spec_ = std::move(spec);
  }
  std::shared_ptr<const DatasetModel> make(ConfigTable& t, const DatasetConfig& d, const Box& box) const override {
    if (!spec_) throw Error(t.where("model"), "a command model is given as a [models.NAME] table");
    for (std::size_t j = 0; j < spec_->parameters.size(); ++j) {
      const std::string& p = spec_->parameters[j];
      if (std::find(box.names().begin(), box.names().end(), p) == box.names().end())
        throw Error(spec_->parameters_where, "\"" + p + "\" is not a parameter of [parameters]");
      if (std::count(spec_->parameters.begin(), spec_->parameters.end(), p) > 1)
        throw Error(spec_->parameters_where, "\"" + p + "\" is given twice");
    }
    return std::make_shared<CommandDatasetModel>(spec_, d.scale == ObservableScale::log, std::string());
  }
  std::map<std::string, EmulatorRecord> prepare(std::vector<DatasetConfig*> datasets, const Box& box,
                                                const PrepareContext& context) const override {
    const bool log_scale = dynamic_cast<const CommandDatasetModel&>(*datasets.front()->model).log_scale();
    for (const DatasetConfig* d : datasets)
      if (dynamic_cast<const CommandDatasetModel&>(*d->model).log_scale() != log_scale)
        throw Error(ErrorContext{.file = spec_->source, .line = d->line, .parameter = "datasets." + d->name + ".scale"},
                    "the datasets of model '" + spec_->name + "' (" + datasets.front()->name + ", " + d->name +
                        ") share one emulator: give them the same scale");
    const std::vector<std::string> names = spec_->parameters.empty() ? box.names() : spec_->parameters;
    VectorXd lower(static_cast<Index>(names.size())), upper(static_cast<Index>(names.size()));
    nlohmann::json box_json = nlohmann::json::array();
    for (std::size_t j = 0; j < names.size(); ++j) {
      const int c = box.index_of(names[j]);
      lower[static_cast<Index>(j)] = box.lower()[c];
      upper[static_cast<Index>(j)] = box.upper()[c];
      box_json.push_back({names[j], box.lower()[c], box.upper()[c]});
    }
    const Box sub(names, lower, upper);
    UserEmulatorBuild build;
    build.name = "emulator_" + spec_->name;
    build.components = spec_->components;
    build.variance_fraction = spec_->variance_fraction;
    build.log_scale = log_scale;
    build.source = spec_->source;
    build.what = "model '" + spec_->name + "'";
    const std::uint64_t design_seed =
        stream_id({context.seed, purpose_id(StreamPurpose::emulator_design), fnv1a(build.name)});
    build.seed = stream_id({design_seed, 2});
    build.settings = {{"model", "command"},
                      {"command", spec_->command},
                      {"box", box_json},
                      {"design_points", spec_->design_points},
                      {"validation_points", spec_->validation_points},
                      {"scale", log_scale ? "log" : "linear"},
                      {"components", spec_->components},
                      {"variance_fraction", spec_->variance_fraction},
                      {"seed", design_seed}};
    const std::string folder = fs::absolute(context.folder).string();
    auto tables = [&] {
      DesignOptions d_train, d_valid;
      d_train.seed = design_seed;
      d_valid.seed = stream_id({design_seed, 1});
      UserEmulatorTables t;
      t.parameters = names;
      t.design = maximin_latin_hypercube(sub, spec_->design_points, d_train);
      t.validation = maximin_latin_hypercube(sub, spec_->validation_points, d_valid);
      const Table y_train = run_simulator(*spec_, names, t.design, folder, "design", context.messages);
      const Table y_valid = run_simulator(*spec_, names, t.validation, folder, "validation", context.messages);
      if (y_valid.names != y_train.names)
        throw Error(ErrorContext{.file = spec_->source, .parameter = "models." + spec_->name + ".command"},
                    "model '" + spec_->name + "': the command wrote other output columns for the validation points");
      t.outputs = y_train.names;
      t.design_outputs = user_outputs_on_scale(
          y_train, workflow_detail::path_in(folder, "command_" + spec_->name + "_design_outputs.csv"), log_scale);
      t.validation_outputs = user_outputs_on_scale(
          y_valid, workflow_detail::path_in(folder, "command_" + spec_->name + "_validation_outputs.csv"),
          log_scale);
      return t;
    };
    std::string file;
    std::map<std::string, EmulatorRecord> records;
    records[spec_->name] = prepare_user_emulator(build, tables, context, file);
    for (const DatasetConfig* d : datasets) records[spec_->name].datasets.push_back(d->name);  // error ratio
    if (!file.empty())
      for (DatasetConfig* d : datasets) d->model = std::make_shared<CommandDatasetModel>(spec_, log_scale, file);
    return records;
  }

 private:
  std::shared_ptr<const CommandModelSpec> spec_;  // set by read_shared
};

}  // namespace

std::shared_ptr<ModelFamily> make_command_family() { return std::make_shared<CommandFamily>(); }

}  // namespace flowprior
