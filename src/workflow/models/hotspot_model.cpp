// The built-in physics model, HotSpot-UPC (independent saturating hot spots; models/hotspot_ish.hpp), as a
// workflow model. [model] name = "hotspot" holds its options, shared by every dataset with model = "hotspot";
// each data file is matched to the model's observables by name and kinematics (hotspot_datasets.hpp). With
// emulate = true (the default) the run builds one PCA + GP emulator per system in its folder before the first
// stage (hotspot_emulators.hpp) and every likelihood uses it; the model itself still gives pseudo-data and the
// chi^2 of fit quality.
#include <algorithm>
#include <filesystem>
#include <memory>

#include "flowprior/models/hotspot_ish.hpp"
#include "flowprior/emulator/emulator.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/model_registry.hpp"
#include "workflow/models/hotspot_datasets.hpp"
#include "workflow/models/hotspot_emulators.hpp"

namespace flowprior {
namespace {

class HotspotDatasetModel final : public DatasetModel {
 public:
  HotspotDatasetModel(HotspotOptions options, HotspotDatasetMatch match, std::string emulator_file)
      : options_(std::move(options)), match_(std::move(match)), emulator_file_(std::move(emulator_file)) {}
  std::string kind() const override { return "hotspot"; }
  std::vector<std::string> observables(const DatasetConfig&, const GaussianDataset&) const override {
    return match_.observables;
  }
  std::shared_ptr<const GaussianLikelihood> likelihood(GaussianDataset data, const Box& box,
                                                       bool direct) const override {
    if (!direct && !emulator_file_.empty()) {
      auto emulator = std::make_shared<const Emulator>(Emulator::load(emulator_file_));
      if (emulator->parameter_names() == box.names()) return std::make_shared<GaussianLikelihood>(std::move(data), emulator);
      // [model] exact_k: the emulator of ln y - ln K over every parameter but K (hotspot_emulators.hpp)
      std::vector<std::string> without_k = box.names();
      without_k.erase(std::remove(without_k.begin(), without_k.end(), std::string("K")), without_k.end());
      if (without_k.size() == box.names().size() || emulator->parameter_names() != without_k)
        throw Error(ErrorContext{.file = emulator_file_},
                    "dataset '" + data.name + "': the emulator's parameters differ from [parameters]");
      auto like = std::make_shared<GaussianLikelihood>(std::move(data), emulator, box.names());
      like->set_log_factor("K");
      return like;
    }
    const HotspotModel model(hotspot_options_for(options_, match_.system));
    if (model.parameter_names() != box.names())
      throw Error("dataset '" + data.name + "': the model's parameters differ from [parameters]");
    return std::make_shared<GaussianLikelihood>(std::move(data), model.as_function(), box.names(),
                                                model.observable_names());
  }
  bool has_direct() const override { return true; }
  bool emulated() const override { return !emulator_file_.empty(); }
  nlohmann::json identity() const override {
    nlohmann::json fixed = nlohmann::json::object();
    for (const auto& [k, v] : options_.fixed) fixed[k] = v;
    return {{"model", "hotspot"},
            {"emulator", std::filesystem::path(emulator_file_).filename().string()},
            {"matrix", nlohmann::json::array()},
            {"offset", nlohmann::json::array()},
            {"hotspot", {{"n_q_free", options_.n_q_free}, {"n_q", options_.n_q},
                         {"k_free", options_.k_free}, {"k", options_.k},
                         {"sigma_signed", options_.sigma_signed}, {"sigma_b_signed", options_.sigma_b_signed},
                         {"fixed", fixed}}}};
  }
  HotspotSystem system() const { return match_.system; }
  std::shared_ptr<const DatasetModel> with_emulator(std::string file) const {
    return std::make_shared<HotspotDatasetModel>(options_, match_, std::move(file));
  }

 private:
  HotspotOptions options_;
  HotspotDatasetMatch match_;
  std::string emulator_file_;  // empty: the model itself
};

class HotspotFamily final : public ModelFamily {
 public:
  void read_shared(ConfigTable& r) override {
    shared_ = true;
    HotspotOptions& h = options_;
    r.get_bool("n_q_free", h.n_q_free);
    r.get_double("n_q", h.n_q);
    r.get_bool("k_free", h.k_free);
    r.get_double("k", h.k);
    r.get_bool("sigma_signed", h.sigma_signed);
    r.get_bool("sigma_b_signed", h.sigma_b_signed);
    r.get_bool("sigma_w", h.include_sigma_w);  // gamma+Pb also predicts the coherent sigma(W) of ALICE and CMS
    if (const toml::table* fixed = r.sub_table("fixed")) {
      for (auto&& [key, n] : *fixed) {
        auto v = n.value<double>();
        if (!v)
          throw Error(ErrorContext{.file = r.source(), .line = line_of(n), .parameter = "model.fixed." + std::string(key)},
                      "must be a number");
        h.fixed[std::string(key)] = *v;
      }
    }
    r.get_bool("emulate", emulate_);
    r.get_int("design_points", emulator_.design_points);
    r.get_int("validation_points", emulator_.validation_points);
    r.get_int("components", emulator_.components);
    r.get_double("variance_fraction", emulator_.variance_fraction);
    r.get_int("second_wave_points", emulator_.second_wave_points);  // default 0 (hotspot_emulators.hpp)
    r.get_bool("exact_k", emulator_.exact_k);  // default false (hotspot_emulators.hpp)
    if (emulator_.exact_k && !(h.k_free && emulate_))
      throw Error(r.where("exact_k"), "takes K out of the emulator: it needs k_free = true and emulate = true");
    if (emulator_.design_points < 10) throw Error(r.where("design_points"), "must be at least 10");
    if (!(emulator_.variance_fraction > 0 && emulator_.variance_fraction <= 1))
      throw Error(r.where("variance_fraction"), "must be in (0, 1]");
    if (emulator_.second_wave_points > 0 && !emulate_)
      throw Error(r.where("second_wave_points"), "a second wave of design points refines the emulators: it needs "
                                                 "emulate = true");
    if (emulator_.second_wave_points > 0 && emulator_.second_wave_points < 10)
      throw Error(r.where("second_wave_points"), "must be 0 (no second wave) or at least 10");
    try {  // unknown fixed names, bad switches
      const HotspotModel model(h);
      prior_box_ = model.prior_box();
    } catch (const Error& e) {
      throw Error(ErrorContext{.file = r.source(), .line = line_of(r.table()), .parameter = "model"}, e.what());
    }
  }
  std::optional<Box> default_box() const override {
    if (!shared_) return std::nullopt;
    return prior_box_;
  }
  std::optional<std::vector<std::string>> required_parameters() const override {
    if (!shared_) return std::nullopt;
    return prior_box_.names();
  }
  std::map<std::string, std::string> units() const override {
    std::map<std::string, std::string> u;
    for (const auto& name : prior_box_.names()) u[name] = hotspot_parameter_unit(name);
    return u;
  }
  std::shared_ptr<const DatasetModel> make(ConfigTable& t, const DatasetConfig& d, const Box&) const override {
    if (!shared_)
      throw Error(t.where("model"), "model = \"hotspot\" needs a [model] table with name = \"hotspot\"");
    if (d.scale != ObservableScale::log)
      throw Error(t.where("scale"), "hotspot datasets are fitted in ln y: scale = \"log\"");
    return std::make_shared<HotspotDatasetModel>(options_, match_hotspot_dataset(d.name, d.data_file, options_),
                                                 std::string());
  }
  std::map<std::string, EmulatorRecord> prepare(std::vector<DatasetConfig*> datasets, const Box& box,
                                                const PrepareContext& context) const override {
    std::map<std::string, EmulatorRecord> records;
    if (!emulate_) return records;
    std::map<HotspotSystem, std::vector<DatasetConfig*>> users;  // systems in use, each with its datasets
    for (DatasetConfig* d : datasets)
      users[dynamic_cast<const HotspotDatasetModel&>(*d->model).system()].push_back(d);
    for (const auto& [system, list] : users) {
      std::string file;
      // MPI worker ranks (load_only) attach the final emulator, which rank 0 built (refined) before any run.
      const MatrixXd none;
      records[to_string(system)] = prepare_hotspot_emulator(
          system, options_, emulator_, box, context, file,
          context.load_only && emulator_.second_wave_points > 0 ? &none : nullptr);
      for (DatasetConfig* d : list) records[to_string(system)].datasets.push_back(d->name);
      if (file.empty()) continue;
      for (DatasetConfig* d : list) d->model = dynamic_cast<const HotspotDatasetModel&>(*d->model).with_emulator(file);
    }
    return records;
  }
  long second_wave_points() const override { return emulate_ ? static_cast<long>(emulator_.second_wave_points) : 0; }
  std::map<std::string, EmulatorRecord> refine(std::vector<DatasetConfig*> datasets, const Box& box,
                                               const PrepareContext& context,
                                               const MatrixXd& second_wave) const override {
    std::map<std::string, EmulatorRecord> records;
    std::map<HotspotSystem, std::vector<DatasetConfig*>> users;
    for (DatasetConfig* d : datasets)
      users[dynamic_cast<const HotspotDatasetModel&>(*d->model).system()].push_back(d);
    for (const auto& [system, list] : users) {
      std::string file;
      EmulatorRecord& r = records[to_string(system)];
      r = prepare_hotspot_emulator(system, options_, emulator_, box, context, file, &second_wave);
      for (DatasetConfig* d : list) {
        r.datasets.push_back(d->name);
        d->model = dynamic_cast<const HotspotDatasetModel&>(*d->model).with_emulator(file);
      }
    }
    return records;
  }

 private:
  bool shared_ = false;
  HotspotOptions options_;
  bool emulate_ = true;
  HotspotEmulatorSettings emulator_;
  Box prior_box_;
};

}  // namespace

std::shared_ptr<ModelFamily> make_hotspot_family() { return std::make_shared<HotspotFamily>(); }

}  // namespace flowprior
