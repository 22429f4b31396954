// A dataset whose model is an emulator file (`emulator = "E.json"`, written by `flowprior emulator train`): the
// likelihood adds the emulator's own covariance to the experimental one (emulator/gaussian_likelihood.hpp).
#include <filesystem>
#include <memory>

#include "flowprior/core/digest.hpp"
#include "flowprior/emulator/emulator.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/model_registry.hpp"

namespace flowprior {
namespace {

class EmulatorFileModel final : public DatasetModel {
 public:
  explicit EmulatorFileModel(std::string file) : file_(std::move(file)) {}
  std::string kind() const override { return "emulator"; }
  std::vector<std::string> observables(const DatasetConfig& dataset, const GaussianDataset& data) const override {
    if (!dataset.observables.empty()) return data.observables;
    const Emulator emulator = Emulator::load(file_);
    if (static_cast<int>(data.values.size()) != emulator.outputs())
      throw Error(ErrorContext{.file = dataset.data_file, .parameter = "observables"},
                  "dataset '" + dataset.name + "': give `observables` (the emulator has " +
                      std::to_string(emulator.outputs()) + " outputs, the data " +
                      std::to_string(data.values.size()) + " rows)");
    return emulator.output_names();
  }
  std::shared_ptr<const GaussianLikelihood> likelihood(GaussianDataset data, const Box& box, bool) const override {
    auto emulator = std::make_shared<const Emulator>(Emulator::load(file_));
    if (emulator->parameter_names() != box.names())
      throw Error(ErrorContext{.file = file_},
                  "dataset '" + data.name + "': the emulator's parameters differ from [parameters]");
    return std::make_shared<GaussianLikelihood>(std::move(data), emulator);
  }
  void validate(const DatasetConfig& dataset, const Box& box) const override {
    const Emulator emulator = Emulator::load(file_);
    if (emulator.parameter_names() != box.names()) {
      std::string names;
      for (const auto& n : emulator.parameter_names()) names += (names.empty() ? "" : ", ") + n;
      throw Error(ErrorContext{.file = file_, .parameter = "datasets." + dataset.name + ".emulator"},
                  "the emulator's parameters (" + names + ") differ from [parameters]");
    }
  }
  bool has_direct() const override { return false; }
  nlohmann::json identity() const override {
    return {{"model", "emulator"},
            {"emulator", std::filesystem::path(file_).filename().string()},
            {"emulator_fnv1a", file_digest(file_)},
            {"matrix", nlohmann::json::array()},
            {"offset", nlohmann::json::array()}};
  }

 private:
  std::string file_;
};

class EmulatorFileFamily final : public ModelFamily {
 public:
  std::shared_ptr<const DatasetModel> make(ConfigTable& t, const DatasetConfig&, const Box&) const override {
    std::string file;
    t.get_path("emulator", file);
    if (file.empty()) throw Error(t.where("emulator"), "missing key: the emulator file");
    return std::make_shared<EmulatorFileModel>(file);
  }
};

}  // namespace

std::shared_ptr<ModelFamily> make_emulator_file_family() { return std::make_shared<EmulatorFileFamily>(); }

}  // namespace flowprior
