#pragma once
// The messages between rank 0 and the workers (all on MPI_COMM_WORLD, in this order):
//   rank 0 -> worker: kTagCommand {command, threads, rows, cols, key length, probe}; then for kEvaluate the key
//                     (kTagKey, chars) and the rows (kTagRows, rows x cols doubles, column-major); with probe = 1 the
//                     last row is the probe point, evaluated on its own (a batch of one, as rank 0 does)
//   worker -> rank 0: kTagReply {status, count}; then count values (kTagValues) or a count-char message (kTagMessage)
// Rank 0 sends every worker a command for every batch (an empty share too), so the workers stay in step.
#include <mpi.h>

#include <array>
#include <cstdint>
#include <string>

namespace flowprior::mpi::detail {

enum Tag : int { kTagCommand = 9101, kTagKey, kTagRows, kTagReply, kTagValues, kTagMessage };
enum CommandKind : std::int64_t { kStop = 0, kEvaluate = 1 };
enum ReplyStatus : std::int64_t { kOk = 0, kFailed = 1 };

struct Command {
  std::int64_t kind = kStop;
  std::int64_t threads = 1;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t key_length = 0;
  std::int64_t probe = 0;
  std::array<std::int64_t, 6> pack() const { return {kind, threads, rows, cols, key_length, probe}; }
  static Command unpack(const std::array<std::int64_t, 6>& a) { return {a[0], a[1], a[2], a[3], a[4], a[5]}; }
};

// Throws MpiFailure "MPI: <what> failed: <MPI's error text>" unless code is MPI_SUCCESS.
void check(int code, const std::string& what);

void send_command(const Command& command, int rank);
Command receive_command();  // on a worker, from rank 0

}  // namespace flowprior::mpi::detail
