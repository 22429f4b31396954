#pragma once
// Each command family registers its subcommands on the app; main() only wires them and turns errors into
// one line on stderr with a non-zero exit code.
#include <CLI/CLI.hpp>

namespace flowprior::cli {

void register_flow_commands(CLI::App& app);      // flow train|sample|logpdf|check   (cmd_flow.cpp)
void register_sample_commands(CLI::App& app);    // sample, targets                  (cmd_sample.cpp)
void register_emulator_commands(CLI::App& app);  // emulator design|train|validate|predict (cmd_emulator.cpp)
void register_run_commands(CLI::App& app);       // run, compare                     (cmd_run.cpp, cmd_compare.cpp)
void register_report_command(CLI::App& app);     // report RUN_DIR                   (cmd_report.cpp)

}  // namespace flowprior::cli
