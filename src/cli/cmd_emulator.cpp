#include "cli/commands.hpp"

namespace flowprior::cli {

// Placeholder until the emulator commands land.
void register_emulator_commands(CLI::App& /*app*/) {}

}  // namespace flowprior::cli
