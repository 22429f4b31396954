#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "flowprior/core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"flowprior: sequential Bayesian inference with normalizing-flow priors"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "flowprior 0.1.0");
  flowprior::cli::register_flow_commands(app);
  flowprior::cli::register_sample_commands(app);
  flowprior::cli::register_emulator_commands(app);
  flowprior::cli::register_run_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const flowprior::Error& e) {
    std::fprintf(stderr, "flowprior: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flowprior: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
