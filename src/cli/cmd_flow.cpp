#include "cli/commands.hpp"

namespace flowprior::cli {

// Placeholder until the flow commands land.
void register_flow_commands(CLI::App& /*app*/) {}

}  // namespace flowprior::cli
