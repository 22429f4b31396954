#pragma once
// Typed access to one TOML table of an analysis configuration that remembers which keys were read, so that
// everything left over is reported as unknown with its line. Shared by the configuration reader, the models
// (their dataset keys and the [model] table) and the checks ([checks] keys): each reads its own keys.
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "flowprior/core/error.hpp"
#include "flowprior/core/types.hpp"

namespace flowprior {

long line_of(const toml::node& node);

class ConfigTable {
 public:
  ConfigTable(const toml::table& table, std::string source, std::string prefix, std::string base_dir = "")
      : table_(table), source_(std::move(source)), prefix_(std::move(prefix)), base_dir_(std::move(base_dir)) {}

  // File, line and full key name ("datasets.A.matrix") of `key`, or of the table when the key is absent.
  ErrorContext where(const std::string& key) const;
  const toml::node* node(const std::string& key);
  bool has(const std::string& key) const { return table_.contains(key); }

  template <class T>
  void get(const std::string& key, T& out, const char* type_name) {
    const toml::node* n = node(key);
    if (!n) return;
    if constexpr (std::is_same_v<T, double>) {
      auto v = n->value<double>();  // integers are accepted where a real is expected
      if (!v) throw Error(where(key), std::string("must be ") + type_name);
      out = *v;
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (!n->is_integer()) throw Error(where(key), std::string("must be ") + type_name);
      const auto v = n->as_integer()->get();
      if (v < 0) throw Error(where(key), "must not be negative");
      if (static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
        throw Error(where(key), "is too large (at most " + std::to_string(std::numeric_limits<T>::max()) + ")");
      out = static_cast<T>(v);
    } else {
      auto v = n->value_exact<T>();
      if (!v) throw Error(where(key), std::string("must be ") + type_name);
      out = *v;
    }
  }
  void get_string(const std::string& key, std::string& out) { get(key, out, "a string"); }
  void get_bool(const std::string& key, bool& out) { get(key, out, "true or false"); }
  template <class T>
  void get_int(const std::string& key, T& out) { get(key, out, "a non-negative integer"); }
  void get_double(const std::string& key, double& out) { get(key, out, "a number"); }
  // A path relative to the configuration's folder (absolute paths as they are).
  void get_path(const std::string& key, std::string& out);

  std::vector<std::string> get_strings(const std::string& key);
  VectorXd get_vector(const std::string& key);
  MatrixXd get_matrix(const std::string& key);
  const toml::table* sub_table(const std::string& key);
  // Every key that no getter asked for is unknown.
  void finish() const;
  const std::string& source() const { return source_; }
  const std::string& prefix() const { return prefix_; }
  const std::string& base_dir() const { return base_dir_; }
  const toml::table& table() const { return table_; }

 private:
  const toml::table& table_;
  std::string source_;
  std::string prefix_;
  std::string base_dir_;
  std::set<std::string> used_;
};

// `path` relative to `base_dir` (absolute or empty paths as they are).
std::string resolve_path(const std::string& base_dir, const std::string& path);

}  // namespace flowprior
