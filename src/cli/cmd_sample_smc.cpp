#include "cli/sample_cli.hpp"
#include "flowprior/core/error.hpp"

namespace flowprior::cli {

// Placeholder until the smc sampler lands.
SampleRunner add_smc_options(CLI::App& /*sample*/) {
  return [](const SampleCommon&) { throw Error("the smc sampler is not built yet"); };
}

}  // namespace flowprior::cli
