#include "flowprior/mpi/mpi_worker.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>

#include "flowprior/core/error.hpp"
#include "flowprior/core/evaluator.hpp"
#include "mpi/protocol.hpp"

namespace flowprior::mpi {
namespace {

using namespace detail;

// FLOWPRIOR_MPI_TEST_FAULT="RANK:BATCH:throw|die" (tests only).
struct Fault {
  int rank = -1;
  long batch = 0;
  bool die = false;
};

Fault fault_from_environment() {
  Fault f;
  const char* text = std::getenv("FLOWPRIOR_MPI_TEST_FAULT");
  if (!text) return f;
  std::istringstream in(text);
  char colon1 = 0, colon2 = 0;
  std::string mode;
  if (!(in >> f.rank >> colon1 >> f.batch >> colon2 >> mode) || colon1 != ':' || colon2 != ':' ||
      (mode != "throw" && mode != "die"))
    return Fault{};
  f.die = mode == "die";
  return f;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown host";
  return name;
}

void reply_values(const VectorXd& values) {
  const std::array<std::int64_t, 2> reply{kOk, values.size()};
  check(MPI_Send(reply.data(), 2, MPI_INT64_T, 0, kTagReply, MPI_COMM_WORLD), "replying to rank 0");
  check(MPI_Send(values.data(), static_cast<int>(values.size()), MPI_DOUBLE, 0, kTagValues, MPI_COMM_WORLD),
        "sending values to rank 0");
}

void reply_error(const std::string& message) {
  const std::array<std::int64_t, 2> reply{kFailed, static_cast<std::int64_t>(message.size())};
  check(MPI_Send(reply.data(), 2, MPI_INT64_T, 0, kTagReply, MPI_COMM_WORLD), "replying to rank 0");
  check(MPI_Send(message.data(), static_cast<int>(message.size()), MPI_CHAR, 0, kTagMessage, MPI_COMM_WORLD),
        "sending an error message to rank 0");
}

}  // namespace

void serve_evaluations(const DensityResolver& resolve) {
  int rank = 0;
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank), "MPI_Comm_rank");
  const Fault fault = fault_from_environment();
  std::map<std::string, std::shared_ptr<const LogDensity>> densities;
  std::map<std::int64_t, std::unique_ptr<ThreadEvaluator>> evaluators;  // by thread count
  long batches = 0;
  for (;;) {
    const Command command = receive_command();
    if (command.kind == kStop) return;
    std::string key(static_cast<std::size_t>(command.key_length), '\0');
    check(MPI_Recv(key.data(), static_cast<int>(key.size()), MPI_CHAR, 0, kTagKey, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
          "receiving a density key from rank 0");
    MatrixXd x(command.rows, command.cols);
    if (x.size() > 0)
      check(MPI_Recv(x.data(), static_cast<int>(x.size()), MPI_DOUBLE, 0, kTagRows, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE),
            "receiving rows from rank 0");
    ++batches;
    VectorXd values;
    std::string failure;
    try {
      if (rank == fault.rank && batches == fault.batch) {
        if (fault.die) std::raise(SIGKILL);
        throw Error("injected failure (FLOWPRIOR_MPI_TEST_FAULT) in the likelihood");
      }
      auto& density = densities[key];  // a key that failed to resolve is tried again next time
      if (!density) density = resolve(key);
      if (!density) throw Error("no density for key " + key);
      auto& evaluator = evaluators[command.threads];
      if (!evaluator) evaluator = std::make_unique<ThreadEvaluator>(static_cast<int>(command.threads));
      // The probe (last row, if any) on its own, exactly as rank 0 evaluates it.
      const Index share = x.rows() - (command.probe ? 1 : 0);
      if (!command.probe && share > 0) evaluator->evaluate(*density, x, values);
      else if (share > 0) evaluator->evaluate(*density, MatrixXd(x.topRows(share)), values);
      if (command.probe) {
        VectorXd probe;
        evaluator->evaluate(*density, MatrixXd(x.bottomRows(1)), probe);
        values.conservativeResize(share + 1);
        values[share] = probe[0];
      }
    } catch (const std::exception& e) {
      failure = "host " + host_name() + ": " + e.what();
    }
    if (failure.empty()) reply_values(values);
    else reply_error(failure);
  }
}

}  // namespace flowprior::mpi
