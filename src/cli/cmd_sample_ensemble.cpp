#include "cli/sample_cli.hpp"
#include "flowprior/core/error.hpp"

namespace flowprior::cli {

// Placeholder until the ensemble sampler lands.
SampleRunner add_ensemble_options(CLI::App& /*sample*/) {
  return [](const SampleCommon&) { throw Error("the ensemble sampler is not built yet"); };
}

}  // namespace flowprior::cli
