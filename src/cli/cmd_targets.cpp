#include "cli/sample_cli.hpp"

namespace flowprior::cli {

// Placeholder until the built-in targets land.
void register_targets_command(CLI::App& /*app*/) {}

}  // namespace flowprior::cli
