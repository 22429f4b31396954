#include "mpi/protocol.hpp"

#include "flowprior/mpi/mpi_evaluator.hpp"

namespace flowprior::mpi::detail {

void check(int code, const std::string& what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw MpiFailure("MPI: " + what + " failed: " + std::string(text, static_cast<std::size_t>(length)) +
                   " (a rank died or the network failed; the job is aborted, the last checkpoint is intact)");
}

void send_command(const Command& command, int rank) {
  const auto packed = command.pack();
  check(MPI_Send(packed.data(), static_cast<int>(packed.size()), MPI_INT64_T, rank, kTagCommand, MPI_COMM_WORLD),
        "sending a batch command to rank " + std::to_string(rank));
}

Command receive_command() {
  std::array<std::int64_t, 6> packed{};
  check(MPI_Recv(packed.data(), static_cast<int>(packed.size()), MPI_INT64_T, 0, kTagCommand, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE),
        "receiving a command from rank 0");
  return Command::unpack(packed);
}

}  // namespace flowprior::mpi::detail
