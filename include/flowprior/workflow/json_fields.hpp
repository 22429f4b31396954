#pragma once
// Reading typed results back from their JSON files (summary.json): numbers that may be null (JSON has no inf or
// NaN; they are written as null and read back as NaN), and optional fields with defaults.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace flowprior::json_fields {

inline double number(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : std::numeric_limits<double>::quiet_NaN();
}
inline nlohmann::json nullable(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
inline std::string text(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
inline bool flag(const nlohmann::json& j, const char* key, bool otherwise = false) {
  const auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : otherwise;
}
inline std::vector<std::string> texts(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  const auto it = j.find(key);
  if (it != j.end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}
inline std::vector<double> numbers(const nlohmann::json& j, const char* key) {
  std::vector<double> out;
  const auto it = j.find(key);
  if (it != j.end() && it->is_array())
    for (const auto& v : *it) out.push_back(v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN());
  return out;
}

}  // namespace flowprior::json_fields
