#include "flowprior/io/params_toml.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "flowprior/core/error.hpp"
#include "flowprior/core/format.hpp"

namespace flowprior {

Box parse_box_toml(const std::string& text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw Error(ErrorContext{.file = source_name, .line = static_cast<long>(e.source().begin.line)},
                std::string(e.description()));
  }
  BoxMap map = BoxMap::logit;
  for (auto&& [key, node] : root) {
    const long line = static_cast<long>(node.source().begin.line);
    if (key == "parameters") continue;
    if (key == "map") {
      auto v = node.value<std::string>();
      if (!v) throw Error(ErrorContext{.file = source_name, .line = line, .parameter = "map"}, "must be a string");
      try {
        map = box_map_from_string(*v);
      } catch (const Error& e) {
        throw Error(ErrorContext{.file = source_name, .line = line, .parameter = "map"}, e.what());
      }
      continue;
    }
    throw Error(ErrorContext{.file = source_name, .line = line, .parameter = std::string(key)}, "unknown key");
  }
  const toml::table* params = root["parameters"].as_table();
  if (!params) throw Error(ErrorContext{.file = source_name}, "missing table [parameters]");
  return box_from_parameters_table(*params, map, source_name);
}

Box box_from_parameters_table(const toml::table& params, BoxMap map, const std::string& source,
                              const std::string& key_prefix) {
  struct Entry {
    long line;
    std::string name;
    double lo, hi;
  };
  std::vector<Entry> entries;
  for (auto&& [key, node] : params) {
    const long line = static_cast<long>(node.source().begin.line);
    ErrorContext where{.file = source, .line = line, .parameter = key_prefix + std::string(key)};
    const toml::array* arr = node.as_array();
    if (!arr || arr->size() != 2) throw Error(where, "expected [low, high]");
    auto lo = (*arr)[0].value<double>();
    auto hi = (*arr)[1].value<double>();
    if (!lo || !hi) throw Error(where, "bounds must be numbers");
    if (!(*lo < *hi))
      throw Error(where, "lower bound " + format_g(*lo) + " is not below upper bound " + format_g(*hi));
    entries.push_back({line, std::string(key), *lo, *hi});
  }
  if (entries.empty()) throw Error(ErrorContext{.file = source}, "[parameters] is empty");
  // toml++ tables are ordered by key; the user's order is the order of the lines.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.line < b.line; });
  std::vector<std::string> names;
  VectorXd lo(static_cast<Index>(entries.size())), hi(static_cast<Index>(entries.size()));
  for (std::size_t k = 0; k < entries.size(); ++k) {
    names.push_back(entries[k].name);
    lo[static_cast<Index>(k)] = entries[k].lo;
    hi[static_cast<Index>(k)] = entries[k].hi;
  }
  try {
    return Box(names, lo, hi, map);
  } catch (const Error& e) {
    throw Error(ErrorContext{.file = source}, e.what());
  }
}

Box read_box_toml(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorContext{.file = path}, "cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_box_toml(ss.str(), path);
}

std::string box_to_toml(const Box& box) {
  std::ostringstream out;
  out.precision(17);
  out << "map = \"" << to_string(box.map()) << "\"\n\n[parameters]\n";
  for (int j = 0; j < box.dim(); ++j)
    out << '"' << box.names()[j] << "\" = [" << box.lower()[j] << ", " << box.upper()[j] << "]\n";
  return out.str();
}

}  // namespace flowprior
