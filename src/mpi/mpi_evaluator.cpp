#include "flowprior/mpi/mpi_evaluator.hpp"

#include <cstring>
#include <exception>
#include <sstream>

#include "flowprior/core/named_density.hpp"
#include "flowprior/mpi/mpi_session.hpp"
#include "mpi/protocol.hpp"

namespace flowprior::mpi {
namespace {

using namespace detail;

// Rows [share_begin(r), share_begin(r + 1)) of a batch of n belong to rank r of k: fixed, contiguous, in rank order.
Index share_begin(Index n, int r, int k) { return n * r / k; }

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

std::string probe_mismatch(const std::string& key, int rank, double mine, double theirs) {
  std::ostringstream s;
  s.precision(17);
  s << "MPI rank " << rank << " rebuilt a different density from key " << key << ": at the probe point it gives "
    << theirs << ", rank 0 gives " << mine << " (every rank must run the same command line in the same folder "
    << "with the same files)";
  return s.str();
}

}  // namespace

MpiEvaluator::MpiEvaluator(int threads) : local_(threads), threads_(threads), size_(world_size()) {}

void MpiEvaluator::evaluate(const LogDensity& density, const MatrixXd& x, VectorXd& out) {
  const Index n = x.rows();
  const auto* named = dynamic_cast<const NamedDensity*>(&density);
  calls_ += static_cast<std::uint64_t>(n);
  if (!named || size_ < 2 || !distributed()) {
    local_.evaluate(density, x, out);
    return;
  }
  out.resize(n);
  const std::string& key = named->key();
  const Index mine_end = share_begin(n, 1, size_);
  const bool probe = mine_end > 0 && !verified_.contains(key);

  // Send every worker its share (plus row 0 as the probe) before working on ours: MPI_Send of large messages
  // completes only once the worker receives, and the workers are idle until then.
  for (int r = 1; r < size_; ++r) {
    const Index b = share_begin(n, r, size_), e = share_begin(n, r + 1, size_);
    MatrixXd part(e - b + (probe ? 1 : 0), x.cols());
    part.topRows(e - b) = x.middleRows(b, e - b);
    if (probe) part.row(e - b) = x.row(0);
    send_command(Command{kEvaluate, threads_, part.rows(), part.cols(), static_cast<std::int64_t>(key.size()),
                         probe ? 1 : 0},
                 r);
    check(MPI_Send(key.data(), static_cast<int>(key.size()), MPI_CHAR, r, kTagKey, MPI_COMM_WORLD),
          "sending a density key to rank " + std::to_string(r));
    if (part.size() > 0)
      check(MPI_Send(part.data(), static_cast<int>(part.size()), MPI_DOUBLE, r, kTagRows, MPI_COMM_WORLD),
            "sending rows to rank " + std::to_string(r));
  }

  // Our share (and the probe, alone: a density need not give bitwise the same value for a row in batches of
  // other sizes); an exception is kept until every worker has answered, so the next batch starts in step.
  std::exception_ptr local_error;
  VectorXd probe_value;
  if (mine_end > 0) {
    try {
      const MatrixXd mine = x.topRows(mine_end);
      VectorXd values;
      local_.evaluate(named->density(), mine, values);
      out.head(mine_end) = values;
      if (probe) local_.evaluate(named->density(), MatrixXd(x.topRows(1)), probe_value);
    } catch (...) {
      local_error = std::current_exception();
    }
  }

  std::string errors;
  for (int r = 1; r < size_; ++r) {
    const Index b = share_begin(n, r, size_), e = share_begin(n, r + 1, size_);
    std::array<std::int64_t, 2> reply{};
    check(MPI_Recv(reply.data(), 2, MPI_INT64_T, r, kTagReply, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
          "receiving a reply from rank " + std::to_string(r));
    if (reply[0] == kOk) {
      const Index expected = e - b + (probe ? 1 : 0);
      VectorXd values(reply[1]);
      check(MPI_Recv(values.data(), static_cast<int>(values.size()), MPI_DOUBLE, r, kTagValues, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE),
            "receiving values from rank " + std::to_string(r));
      if (values.size() != expected) {
        errors += (errors.empty() ? "" : "; ") + std::string("MPI rank ") + std::to_string(r) + " returned " +
                  std::to_string(values.size()) + " values for " + std::to_string(expected) + " points";
        continue;
      }
      out.segment(b, e - b) = values.head(e - b);
      if (probe && !local_error && !same_bits(probe_value[0], values[e - b]))
        errors += (errors.empty() ? "" : "; ") + probe_mismatch(key, r, probe_value[0], values[e - b]);
    } else {
      std::string message(static_cast<std::size_t>(reply[1]), '\0');
      check(MPI_Recv(message.data(), static_cast<int>(message.size()), MPI_CHAR, r, kTagMessage, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE),
            "receiving an error message from rank " + std::to_string(r));
      errors += (errors.empty() ? "" : "; ") + std::string("MPI rank ") + std::to_string(r) + " of " +
                std::to_string(size_) + " (rows " + std::to_string(b) + ".." + std::to_string(e - 1) +
                " of a batch of " + std::to_string(n) + "): " + message;
    }
  }
  if (local_error) std::rethrow_exception(local_error);
  if (!errors.empty()) throw Error(errors);
  if (probe) verified_.insert(key);
}

}  // namespace flowprior::mpi
