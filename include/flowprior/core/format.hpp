#pragma once
// Numbers in messages and printed objects: %g (six significant digits), so 1e-9 prints as 1e-09, not 0.000000
// as std::to_string(double) would; format_exact where six digits could hide the point (a value just outside a
// bound): the shortest text that reads back as the same double.
#include <cstdio>
#include <cstdlib>
#include <string>

namespace flowprior {

inline std::string format_g(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

inline std::string format_exact(double value) {
  char buffer[40];
  for (int precision = 6; precision < 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) return buffer;
  }
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

}  // namespace flowprior
