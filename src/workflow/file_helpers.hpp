#pragma once
// Helpers shared by several workflow sources: one definition here instead of a copy in each file's anonymous
// namespace (copies would clash when a unity build compiles those files together).

#include <cmath>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace flowprior::workflow_detail {

// `folder/file` as a string.
inline std::string path_in(const std::string& folder, const std::string& file) {
  return (std::filesystem::path(folder) / file).string();
}

// A JSON number, or null when v is not finite (JSON has no inf/nan).
inline nlohmann::json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace flowprior::workflow_detail
