#include "flowprior/mpi/mpi_session.hpp"

#include <mpi.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include "flowprior/core/error.hpp"
#include "mpi/protocol.hpp"

namespace flowprior::mpi {
namespace {

// mpirun ends the whole job with SIGTERM when a rank dies; say so on rank 0 (write() is async-signal-safe), then
// die of the signal as before. Checkpoints are renamed into place, so the last one is whole.
extern "C" void on_sigterm(int) {
  static const char text[] =
      "flowprior: error: the MPI job was terminated (SIGTERM from mpirun: another rank died or the job was "
      "cancelled); the last checkpoint is intact: rerun with --resume, on any number of ranks\n";
  const ssize_t ignored = write(2, text, sizeof(text) - 1);
  (void)ignored;
  std::signal(SIGTERM, SIG_DFL);
  std::raise(SIGTERM);
}

}  // namespace

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(name)) return true;
  return false;
}

Session::Session(int& argc, char**& argv) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  detail::check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  initialised_ = true;
  detail::check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  detail::check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  detail::check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
  if (rank_ == 0 && size_ > 1) std::signal(SIGTERM, on_sigterm);
}

Session::~Session() {
  if (!initialised_) return;
  if (rank_ == 0)
    for (int r = 1; r < size_; ++r) {
      try {
        detail::send_command(detail::Command{}, r);
      } catch (const Error&) {
        abort(1);  // a worker that cannot be told to stop would keep the job alive
      }
    }
  MPI_Finalize();
}

void Session::abort(int code) const {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

int world_size() {
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  if (!initialised || finalised) return 1;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

bool distributed() {
  if (world_size() < 2) return false;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank == 0;
}

}  // namespace flowprior::mpi
