#include "flowprior/core/named_density.hpp"

#include "flowprior/core/error.hpp"

namespace flowprior {

NamedDensity::NamedDensity(std::shared_ptr<const LogDensity> density, std::string key)
    : density_(std::move(density)), key_(std::move(key)) {
  if (!density_) throw Error("NamedDensity: no density given");
  if (key_.empty()) throw Error("NamedDensity: empty key");
}

}  // namespace flowprior
