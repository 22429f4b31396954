#include "flowprior/workflow/config_table.hpp"

#include <filesystem>

namespace flowprior {

long line_of(const toml::node& node) { return static_cast<long>(node.source().begin.line); }

std::string resolve_path(const std::string& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute() || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

ErrorContext ConfigTable::where(const std::string& key) const {
  const toml::node* node = table_.get(key);
  return ErrorContext{.file = source_, .line = node ? line_of(*node) : line_of(table_), .parameter = prefix_ + key};
}

const toml::node* ConfigTable::node(const std::string& key) {
  used_.insert(key);
  return table_.get(key);
}

void ConfigTable::get_path(const std::string& key, std::string& out) {
  get_string(key, out);
  out = resolve_path(base_dir_, out);
}

std::vector<std::string> ConfigTable::get_strings(const std::string& key) {
  std::vector<std::string> out;
  const toml::node* n = node(key);
  if (!n) return out;
  if (auto s = n->value_exact<std::string>()) return {*s};
  const toml::array* arr = n->as_array();
  if (!arr) throw Error(where(key), "must be a string or an array of strings");
  for (const auto& item : *arr) {
    auto s = item.value_exact<std::string>();
    if (!s) throw Error(where(key), "must be an array of strings");
    out.push_back(*s);
  }
  return out;
}

VectorXd ConfigTable::get_vector(const std::string& key) {
  const toml::node* n = node(key);
  const toml::array* arr = n ? n->as_array() : nullptr;
  if (!arr) throw Error(where(key), "must be an array of numbers");
  VectorXd out(static_cast<Index>(arr->size()));
  for (std::size_t i = 0; i < arr->size(); ++i) {
    auto v = (*arr)[i].value<double>();
    if (!v) throw Error(where(key), "must be an array of numbers");
    out[static_cast<Index>(i)] = *v;
  }
  return out;
}

MatrixXd ConfigTable::get_matrix(const std::string& key) {
  const toml::node* n = node(key);
  const toml::array* arr = n ? n->as_array() : nullptr;
  if (!arr || arr->empty()) throw Error(where(key), "must be an array of rows (arrays of numbers)");
  MatrixXd out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::array* row = (*arr)[i].as_array();
    if (!row) throw Error(where(key), "must be an array of rows (arrays of numbers)");
    if (i == 0) out.resize(static_cast<Index>(arr->size()), static_cast<Index>(row->size()));
    if (static_cast<Index>(row->size()) != out.cols())
      throw Error(where(key), "row " + std::to_string(i) + " has " + std::to_string(row->size()) +
                                  " entries, row 0 has " + std::to_string(out.cols()));
    for (std::size_t j = 0; j < row->size(); ++j) {
      auto v = (*row)[j].value<double>();
      if (!v) throw Error(where(key), "must be an array of rows (arrays of numbers)");
      out(static_cast<Index>(i), static_cast<Index>(j)) = *v;
    }
  }
  return out;
}

const toml::table* ConfigTable::sub_table(const std::string& key) {
  const toml::node* n = node(key);
  if (!n) return nullptr;
  if (!n->is_table()) throw Error(where(key), "must be a table");
  return n->as_table();
}

void ConfigTable::finish() const {
  for (auto&& [key, n] : table_)
    if (!used_.count(std::string(key)))
      throw Error(ErrorContext{.file = source_, .line = line_of(n), .parameter = prefix_ + std::string(key)},
                  "unknown key");
}

}  // namespace flowprior
