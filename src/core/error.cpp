#include "flowprior/core/error.hpp"

namespace flowprior {

std::string Error::format(const ErrorContext& where, const std::string& what) {
  std::string prefix;
  auto add = [&prefix](const std::string& part) {
    if (!prefix.empty()) prefix += ", ";
    prefix += part;
  };
  if (!where.file.empty()) add(where.file);
  if (where.line >= 0) add("line " + std::to_string(where.line));
  if (!where.parameter.empty()) add("parameter '" + where.parameter + "'");
  if (where.row >= 0) add("row " + std::to_string(where.row));
  return prefix.empty() ? what : prefix + ": " + what;
}

}  // namespace flowprior
