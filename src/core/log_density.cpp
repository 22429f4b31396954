#include "flowprior/core/log_density.hpp"

namespace flowprior {

std::vector<std::string> LogDensity::names() const { return default_names(dim()); }

std::vector<std::string> default_names(int dim, const std::string& stem) {
  std::vector<std::string> out;
  for (int j = 0; j < dim; ++j) out.push_back(stem + std::to_string(j + 1));
  return out;
}

}  // namespace flowprior
