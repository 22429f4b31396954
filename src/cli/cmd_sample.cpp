#include "cli/commands.hpp"

namespace flowprior::cli {

// Placeholder until the sample commands land.
void register_sample_commands(CLI::App& /*app*/) {}

}  // namespace flowprior::cli
