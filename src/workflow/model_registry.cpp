#include "flowprior/workflow/model_registry.hpp"

#include "flowprior/workflow/analysis_config.hpp"

namespace flowprior {

void ModelFamily::read_shared(ConfigTable& table) {
  throw Error(table.where("name"), "this model has no shared settings: remove the [model] table");
}

std::map<std::string, EmulatorRecord> ModelFamily::prepare(std::vector<DatasetConfig*>, const Box&,
                                                           const PrepareContext&) const {
  return {};
}

void ModelRegistry::add(const std::string& name, Factory make) {
  if (!factories_.emplace(name, std::move(make)).second) throw Error("model \"" + name + "\" is registered twice");
}

std::shared_ptr<ModelFamily> ModelRegistry::make(const std::string& name, const ErrorContext& where) const {
  const auto it = factories_.find(name);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& [n, f] : factories_) known += (known.empty() ? "\"" : ", \"") + n + "\"";
    throw Error(where, "unknown model \"" + name + "\" (known: " + known + ")");
  }
  return it->second();
}

std::vector<std::string> ModelRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, f] : factories_) out.push_back(n);
  return out;
}

ModelRegistry builtin_models() {
  ModelRegistry r;
  r.add("linear", make_linear_family);             // models/matrix_models.cpp
  r.add("quadratic", make_quadratic_family);       // models/matrix_models.cpp
  r.add("emulator", make_emulator_file_family);    // models/emulator_file_model.cpp
  r.add("hotspot", make_hotspot_family);           // models/hotspot_model.cpp
  return r;
}

}  // namespace flowprior
