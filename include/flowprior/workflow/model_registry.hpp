#pragma once
// Model names -> families (workflow/model.hpp). builtin_models() registers the built-in ones, one line each
// (src/workflow/model_registry.cpp); a caller may add its own before reading a configuration. A registry is a
// value passed to the configuration reader, never global state.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "flowprior/workflow/model.hpp"

namespace flowprior {

class ModelRegistry {
 public:
  using Factory = std::function<std::shared_ptr<ModelFamily>()>;
  // Error when the name is taken.
  void add(const std::string& name, Factory make);
  // A new family of that name; Error listing the known names when there is none.
  std::shared_ptr<ModelFamily> make(const std::string& name, const ErrorContext& where) const;
  bool has(const std::string& name) const { return factories_.count(name) > 0; }
  std::vector<std::string> names() const;

 private:
  std::map<std::string, Factory> factories_;
};

// linear, quadratic, emulator (a dataset's `emulator = "FILE"`), hotspot (the built-in HotSpot-UPC model).
ModelRegistry builtin_models();

// The built-in families' factories (each defined in its own file of src/workflow/models/).
std::shared_ptr<ModelFamily> make_linear_family();
std::shared_ptr<ModelFamily> make_quadratic_family();
std::shared_ptr<ModelFamily> make_emulator_file_family();
std::shared_ptr<ModelFamily> make_hotspot_family();

}  // namespace flowprior
