#include <cstdio>
#include <exception>
#include <new>

#include "cli/commands.hpp"
#include "flowprior/core/error.hpp"
#ifdef FLOWPRIOR_HAVE_MPI
#include "cli/parallel.hpp"
#include "flowprior/mpi/mpi_evaluator.hpp"
#include "flowprior/mpi/mpi_session.hpp"
#include "flowprior/mpi/mpi_worker.hpp"
#endif

namespace {

int run_command(int argc, char** argv) {
  CLI::App app{"flowprior: sequential Bayesian inference with normalizing-flow priors"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "flowprior 0.1.0");
  flowprior::cli::register_flow_commands(app);
  flowprior::cli::register_sample_commands(app);
  flowprior::cli::register_emulator_commands(app);
  flowprior::cli::register_run_commands(app);
  flowprior::cli::register_report_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version as CLI11 prints them; a bad option or value is one line naming it (issue 19).
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "flowprior: error: %s (see --help)\n", e.what());
    return 1;  // as every other error
#ifdef FLOWPRIOR_HAVE_MPI
  } catch (const flowprior::mpi::MpiFailure&) {
    throw;  // the communicator is broken: main() aborts the job
#endif
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "flowprior: error: not enough memory for this request (a sample count or size far too "
                         "large?); nothing was written\n");
    return 1;
  } catch (const flowprior::Error& e) {
    std::fprintf(stderr, "flowprior: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flowprior: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
#ifdef FLOWPRIOR_HAVE_MPI
  // Under mpirun: rank 0 runs the command (and alone prints and writes files); the other ranks evaluate their
  // shares of its likelihood batches until it is done (flowprior/mpi/mpi_session.hpp).
  flowprior::mpi::Session mpi(argc, argv);
  try {
    if (mpi.worker()) {
      flowprior::mpi::serve_evaluations(flowprior::cli::DensityKeyResolver{});
      return 0;
    }
    return run_command(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flowprior: error: MPI rank %d: %s\n", mpi.rank(), e.what());
    mpi.abort(1);
  }
#else
  return run_command(argc, argv);
#endif
}
