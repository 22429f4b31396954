// A dataset whose model is given by tables (`design = "design.csv"`, `outputs = "outputs.csv"` in [datasets.X]):
// the run builds and validates a PCA + GP emulator of it in the run folder before the first stage
// (user_emulator.hpp), and the dataset's likelihood uses it, emulator covariance included.
// - design: one column per parameter it varies, named as in [parameters], in any order; a subset is allowed (the
//   other parameters do not affect this dataset). outputs: one row per design row, one named column per output.
// - Validation on `validation_design` / `validation_outputs` when given, else on a held-out `validation_fraction`
//   (default 0.2) of the rows: evenly spaced rows i = floor((k + 1/2) n / n_valid), so the split does not depend
//   on a seed and a sorted table still leaves out points over its whole range.
// - scale = "log": the emulator is trained on ln(outputs) and the data compared as ln y with relative errors
//   (emulator/gaussian_likelihood.hpp); a non-positive output is an Error naming file, line and column.
// - The data rows are the output columns named by `observables`, or all output columns in order.
#include <filesystem>
#include <memory>
#include <sstream>

#include "flowprior/core/digest.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/core/stream_purpose.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/model_registry.hpp"
#include "workflow/models/user_emulator.hpp"

namespace flowprior {
namespace {

struct TableModelSpec {
  std::string design, outputs, validation_design, validation_outputs;  // paths ("" = none)
  double validation_fraction = 0.2;
  int components = 0;
  double variance_fraction = 0.999;
  bool log_scale = false;
  UserEmulatorTables tables;  // read and checked by make(); validation rows filled in by the split if needed
};

// Design and output tables, checked against each other and the analysis parameters (Errors name the file).
void read_table_pair(const std::string& design_file, const std::string& outputs_file, const Box& box,
                     bool log_scale, std::vector<std::string>& parameters, std::vector<std::string>& outputs,
                     MatrixXd& x, MatrixXd& y) {
  const Table design = read_csv_table(design_file);
  const Table out = read_csv_table(outputs_file);
  for (std::size_t j = 0; j < design.names.size(); ++j) {
    const std::string& p = design.names[j];
    if (std::find(box.names().begin(), box.names().end(), p) == box.names().end())
      throw Error(ErrorContext{.file = design_file, .line = 1, .parameter = p},
                  "design column is not a parameter of [parameters]");
    if (std::find(design.names.begin(), design.names.begin() + static_cast<long>(j), p) !=
        design.names.begin() + static_cast<long>(j))
      throw Error(ErrorContext{.file = design_file, .line = 1, .parameter = p}, "design column given twice");
  }
  if (out.values.rows() != design.values.rows())
    throw Error(ErrorContext{.file = outputs_file},
                "has " + std::to_string(out.values.rows()) + " rows, the design " + design_file + " " +
                    std::to_string(design.values.rows()) + " (one output row per design row)");
  if (!parameters.empty()) {  // validation tables: the training tables' columns, reordered by name
    x.resize(design.values.rows(), static_cast<Index>(parameters.size()));
    for (std::size_t j = 0; j < parameters.size(); ++j) {
      const int c = design.column(parameters[j]);
      if (c < 0 || design.names.size() != parameters.size())
        throw Error(ErrorContext{.file = design_file, .line = 1, .parameter = parameters[j]},
                    "the validation design must have the training design's columns");
      x.col(static_cast<Index>(j)) = design.values.col(c);
    }
    const MatrixXd scaled = user_outputs_on_scale(out, outputs_file, log_scale);
    y.resize(scaled.rows(), static_cast<Index>(outputs.size()));
    for (std::size_t j = 0; j < outputs.size(); ++j) {
      const int c = out.column(outputs[j]);
      if (c < 0 || out.names.size() != outputs.size())
        throw Error(ErrorContext{.file = outputs_file, .line = 1, .parameter = outputs[j]},
                    "the validation outputs must have the training outputs' columns");
      y.col(static_cast<Index>(j)) = scaled.col(c);
    }
    return;
  }
  if (design.values.rows() < 4)
    throw Error(ErrorContext{.file = design_file}, "needs at least 4 design points");
  parameters = design.names;
  outputs = out.names;
  x = design.values;
  y = user_outputs_on_scale(out, outputs_file, log_scale);
}

class TableDatasetModel final : public DatasetModel {
 public:
  TableDatasetModel(std::shared_ptr<const TableModelSpec> spec, std::string emulator_file)
      : spec_(std::move(spec)), emulator_file_(std::move(emulator_file)) {}
  std::string kind() const override { return "table"; }
  std::vector<std::string> observables(const DatasetConfig& d, const GaussianDataset& data) const override {
    return user_model_observables(d.name, d.data_file, d.observables, spec_->tables.outputs, data.values.size(),
                                  spec_->outputs);
  }
  std::shared_ptr<const GaussianLikelihood> likelihood(GaussianDataset data, const Box& box, bool) const override {
    return user_emulator_likelihood(std::move(data), box, emulator_file_, spec_->log_scale);
  }
  bool has_direct() const override { return false; }
  std::optional<std::vector<std::string>> parameters_used(const Box&) const override {
    return spec_->tables.parameters;  // the design's columns
  }
  nlohmann::json identity() const override {
    namespace fs = std::filesystem;
    nlohmann::json j = {{"model", "table"},
                         {"design", fs::path(spec_->design).filename().string()},
                         {"design_fnv1a", file_digest(spec_->design)},
                         {"outputs", fs::path(spec_->outputs).filename().string()},
                         {"outputs_fnv1a", file_digest(spec_->outputs)},
                         {"emulator", fs::path(emulator_file_).filename().string()},
                         {"matrix", nlohmann::json::array()},
                         {"offset", nlohmann::json::array()}};
    if (!emulator_file_.empty() && fs::exists(emulator_file_)) j["emulator_fnv1a"] = file_digest(emulator_file_);
    return j;
  }
  std::shared_ptr<const TableModelSpec> spec() const { return spec_; }

 private:
  std::shared_ptr<const TableModelSpec> spec_;
  std::string emulator_file_;  // empty until prepare
};

class TableFamily final : public ModelFamily {
 public:
  std::shared_ptr<const DatasetModel> make(ConfigTable& t, const DatasetConfig& d, const Box& box) const override {
    auto spec = std::make_shared<TableModelSpec>();
    t.get_path("design", spec->design);
    t.get_path("outputs", spec->outputs);
    if (spec->outputs.empty()) throw Error(t.where("outputs"), "missing key: the outputs table of the design");
    t.get_path("validation_design", spec->validation_design);
    t.get_path("validation_outputs", spec->validation_outputs);
    if (spec->validation_design.empty() != spec->validation_outputs.empty())
      throw Error(t.where(spec->validation_design.empty() ? "validation_design" : "validation_outputs"),
                  "give both validation_design and validation_outputs, or neither (a held-out split)");
    if (!spec->validation_design.empty() && t.has("validation_fraction"))
      throw Error(t.where("validation_fraction"), "not used with validation tables: remove it");
    t.get_double("validation_fraction", spec->validation_fraction);
    if (!(spec->validation_fraction > 0.0 && spec->validation_fraction <= 0.5))
      throw Error(t.where("validation_fraction"), "must be in (0, 0.5]");
    t.get_int("components", spec->components);
    t.get_double("variance_fraction", spec->variance_fraction);
    if (!(spec->variance_fraction > 0 && spec->variance_fraction <= 1))
      throw Error(t.where("variance_fraction"), "must be in (0, 1]");
    spec->log_scale = d.scale == ObservableScale::log;
    UserEmulatorTables& tab = spec->tables;
    read_table_pair(spec->design, spec->outputs, box, spec->log_scale, tab.parameters, tab.outputs, tab.design,
                    tab.design_outputs);
    if (!spec->validation_design.empty()) {
      read_table_pair(spec->validation_design, spec->validation_outputs, box, spec->log_scale, tab.parameters,
                      tab.outputs, tab.validation, tab.validation_outputs);
    } else {  // held-out split
      const Index n = tab.design.rows();
      const Index n_valid = std::max<Index>(2, static_cast<Index>(std::lround(spec->validation_fraction * n)));
      std::vector<bool> held(static_cast<std::size_t>(n), false);
      for (Index k = 0; k < n_valid; ++k)
        held[static_cast<std::size_t>(std::min<Index>(n - 1, ((2 * k + 1) * n) / (2 * n_valid)))] = true;
      MatrixXd x_train(n - n_valid, tab.design.cols()), y_train(n - n_valid, tab.design_outputs.cols());
      tab.validation.resize(n_valid, tab.design.cols());
      tab.validation_outputs.resize(n_valid, tab.design_outputs.cols());
      Index a = 0, b = 0;
      for (Index i = 0; i < n; ++i) {
        if (held[static_cast<std::size_t>(i)]) {
          tab.validation.row(b) = tab.design.row(i);
          tab.validation_outputs.row(b++) = tab.design_outputs.row(i);
        } else {
          x_train.row(a) = tab.design.row(i);
          y_train.row(a++) = tab.design_outputs.row(i);
        }
      }
      tab.design = std::move(x_train);
      tab.design_outputs = std::move(y_train);
    }
    return std::make_shared<TableDatasetModel>(std::move(spec), std::string());
  }

  std::map<std::string, EmulatorRecord> prepare(std::vector<DatasetConfig*> datasets, const Box& box,
                                                const PrepareContext& context) const override {
    namespace fs = std::filesystem;
    std::map<std::string, EmulatorRecord> records;
    for (DatasetConfig* d : datasets) {
      const auto spec = dynamic_cast<const TableDatasetModel&>(*d->model).spec();
      // A design that stops short of the box leaves the sampler where the emulator extrapolates: said, not refused
      // (the user may know the posterior lies inside).
      for (std::size_t j = 0; j < spec->tables.parameters.size() && !context.load_only; ++j) {
        const int c = box.index_of(spec->tables.parameters[j]);
        const double lo = box.lower()[c], hi = box.upper()[c], margin = 0.05 * (hi - lo);
        const auto col = spec->tables.design.col(static_cast<Index>(j));
        if (col.minCoeff() > lo + margin || col.maxCoeff() < hi - margin) {
          std::ostringstream m;
          m << "dataset '" << d->name << "': the design " << spec->design << " spans [" << col.minCoeff() << ", "
            << col.maxCoeff() << "] of " << spec->tables.parameters[j] << ", the box [" << lo << ", " << hi
            << "]: the emulator extrapolates outside";
          context.messages.warn(m.str());
        }
      }
      UserEmulatorBuild build;
      build.name = "emulator_" + d->name;
      build.components = spec->components;
      build.variance_fraction = spec->variance_fraction;
      build.log_scale = spec->log_scale;
      build.source = spec->outputs;
      build.what = "dataset '" + d->name + "'";
      build.seed = stream_id({context.seed, purpose_id(StreamPurpose::emulator_design), fnv1a(build.name)});
      auto file_json = [](const std::string& path) {
        if (path.empty()) return nlohmann::json(nullptr);
        return nlohmann::json{{"file", fs::path(path).filename().string()}, {"fnv1a", file_digest(path)}};
      };
      build.settings = {{"model", "table"},
                        {"design", file_json(spec->design)},
                        {"outputs", file_json(spec->outputs)},
                        {"validation_design", file_json(spec->validation_design)},
                        {"validation_outputs", file_json(spec->validation_outputs)},
                        {"validation_fraction", spec->validation_design.empty() ? spec->validation_fraction : 0.0},
                        {"scale", spec->log_scale ? "log" : "linear"},
                        {"components", spec->components},
                        {"variance_fraction", spec->variance_fraction},
                        {"seed", build.seed}};
      std::string file;
      records[d->name] = prepare_user_emulator(build, [&] { return spec->tables; }, context, file);
      records[d->name].datasets = {d->name};  // for the emulator-to-data error ratio (workflow/second_wave.hpp)
      if (!file.empty()) d->model = std::make_shared<TableDatasetModel>(spec, file);
    }
    return records;
  }
};

}  // namespace

std::shared_ptr<ModelFamily> make_table_family() { return std::make_shared<TableFamily>(); }

}  // namespace flowprior
