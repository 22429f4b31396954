#pragma once
// The one shape of a model in the workflow. A dataset names its model (`model = "NAME"` in [datasets.X], or
// `emulator = "FILE"`); the registry (workflow/model_registry.hpp) turns the name into a ModelFamily, which reads
// the model's own keys and makes the dataset's DatasetModel. The workflow, the checks and the command line only
// see these two interfaces: adding a model is one file in src/workflow/models/ plus one line in
// builtin_models() (or ModelRegistry::add in the caller's own code, as tests/workflow/test_engine.cpp does).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flowprior/core/box.hpp"
#include "flowprior/core/messages.hpp"
#include "flowprior/emulator/gaussian_likelihood.hpp"
#include "flowprior/workflow/config_table.hpp"

namespace flowprior {

struct DatasetConfig;

// A model as one dataset uses it.
class DatasetModel {
 public:
  virtual ~DatasetModel() = default;
  // The registry name ("linear", "emulator", ...), recorded in run identities.
  virtual std::string kind() const = 0;
  // The model output of each data row, checked against the data file (Error naming the file and row).
  virtual std::vector<std::string> observables(const DatasetConfig& dataset, const GaussianDataset& data) const = 0;
  // The likelihood of `data` (observables set) on `box`: batch prediction, with the model's own covariance where
  // it has one (an emulator). `direct`: the model itself, even where the runs use an emulator of it.
  virtual std::shared_ptr<const GaussianLikelihood> likelihood(GaussianDataset data, const Box& box,
                                                               bool direct) const = 0;
  // Checks that need no run, before the first one (e.g. an emulator file's parameters against the box): an Error
  // naming the file and key. Default: nothing beyond observables().
  virtual void validate(const DatasetConfig& dataset, const Box& box) const {
    (void)dataset;
    (void)box;
  }
  // The parameters the model's predictions depend on (nullopt: every parameter of the box). A stage may leave the
  // others neither free nor fixed (StageConfig::parameters); the ones listed here it must free or fix.
  virtual std::optional<std::vector<std::string>> parameters_used(const Box& box) const {
    (void)box;
    return std::nullopt;
  }
  // Whether the model itself can be evaluated (pseudo-data and chi^2 with the model need it; an emulator file
  // alone cannot).
  virtual bool has_direct() const = 0;
  // Whether the runs' likelihood uses an emulator that stands in for a model with has_direct() (fit quality then
  // also reports chi^2 with the model itself).
  virtual bool emulated() const { return false; }
  // What determines the model's predictions, merged into the dataset's entry of every run identity
  // (NAME.settings.json) and of the likelihood keys that MPI worker ranks rebuild the likelihood from.
  virtual nlohmann::json identity() const = 0;
};

// What a family builds before the first run (emulators), for summary.json's "emulators".
struct EmulatorRecord {
  std::string file;
  std::string validation;
  bool trustworthy = true;
  std::vector<std::string> problems;
  long design_points = 0, validation_points = 0;
  int components = -1;  // -1: not recorded (loaded)
  bool loaded = false;
  // Second wave (ModelFamily::refine): design points drawn from a pilot run's posteriors, added to the first design.
  long second_wave_points = 0;
  std::vector<std::string> datasets;  // the datasets that use this emulator
  // Emulator sd / data error (emulator/error_ratio.hpp) at posterior points of the final runs, over `datasets`'
  // data points; error_ratio_count 0: not measured.
  long error_ratio_count = 0;
  double error_ratio_median = 0.0, error_ratio_max = 0.0;
  double error_ratio_p95 = 0.0;             // 95th percentile over points x data points
  long error_ratio_points = 0;              // posterior points
  double error_ratio_fraction_above = 0.0;  // fraction of the points where some data point's ratio exceeds 1/3
  std::string error_ratio_worst;            // the data point with the largest 95th percentile over the points
  double error_ratio_worst_median = 0.0, error_ratio_worst_p95 = 0.0;
  std::string error_ratio_file;             // per data point quantiles (CSV in the run folder)
};

struct PrepareContext {
  std::string folder;   // the run folder
  int threads = 1;
  std::uint64_t seed = 1;
  bool load_only = false;  // MPI worker ranks: attach what rank 0 built, never build
  Messages messages;       // status lines and warnings of the build (empty sinks: stderr)
};

// A registered model kind: its shared settings and the per-dataset models.
class ModelFamily {
 public:
  virtual ~ModelFamily() = default;
  // [model] with name = this family's name, or [models.NAME] with kind = this family's name: settings shared by
  // the datasets that name it. Families without shared settings
  // refuse the table.
  virtual void read_shared(ConfigTable& table);
  // The parameter box of the model when [parameters] is absent (nullopt: [parameters] is required).
  virtual std::optional<Box> default_box() const { return std::nullopt; }
  // The parameters the model needs, in its order, when it insists on them (checked against [parameters]).
  virtual std::optional<std::vector<std::string>> required_parameters() const { return std::nullopt; }
  // Units of the model's parameters (for plots and the report); [units] overrides.
  virtual std::map<std::string, std::string> units() const { return {}; }
  // The model of one dataset, reading the dataset's model keys from `table` (e.g. matrix and offset).
  virtual std::shared_ptr<const DatasetModel> make(ConfigTable& table, const DatasetConfig& dataset,
                                                   const Box& box) const = 0;
  // Before the first run: build what the models need in the run folder (emulators) and return the datasets'
  // models to use from then on (same order as `datasets`). Default: nothing to build.
  virtual std::map<std::string, EmulatorRecord> prepare(std::vector<DatasetConfig*> datasets, const Box& box,
                                                        const PrepareContext& context) const;
  // Second wave: how many design points the family wants drawn from the posteriors of a pilot run made with the
  // emulators prepare() built (0: none, the default). refine() then rebuilds its emulators on the first design plus
  // `second_wave` (rows in `box` order), switches `datasets` to them and returns their records; the workflow reruns
  // every stage with them (workflow/second_wave.hpp).
  virtual long second_wave_points() const { return 0; }
  virtual std::map<std::string, EmulatorRecord> refine(std::vector<DatasetConfig*> datasets, const Box& box,
                                                       const PrepareContext& context, const MatrixXd& second_wave) const {
    (void)datasets, (void)box, (void)context, (void)second_wave;
    return {};
  }
};

}  // namespace flowprior
