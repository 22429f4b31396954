#pragma once
// Rank 0's Evaluator for MPI jobs (see mpi_session.hpp for the design). A batch of n rows of a NamedDensity is split
// into fixed contiguous shares, rank r taking rows [r n / K, (r + 1) n / K); rank 0 evaluates its own share with
// `threads` threads while the workers evaluate theirs (with the same thread count). Densities that are not a
// NamedDensity (priors, flows: cheap, and only rank 0 has them) are evaluated on rank 0 alone.
//
// The first batch of each key also sends row 0 to every worker as a probe, evaluated alone on every rank: a worker
// whose rebuilt density gives a different value (bit for bit) than rank 0's is an Error, so a rank with other files
// can never change a result silently.
// A likelihood that throws on a worker comes back as a message and is thrown here as an Error naming the rank and
// the rows; the workers stay ready, so the program ends normally (and a checkpoint written before stays usable).
// MPI communication failures throw MpiFailure: the command line then aborts the job.
#include <set>
#include <string>

#include "flowprior/core/error.hpp"
#include "flowprior/core/evaluator.hpp"

namespace flowprior::mpi {

class MpiFailure : public Error {
 public:
  using Error::Error;
};

class MpiEvaluator : public Evaluator {
 public:
  explicit MpiEvaluator(int threads = 1);  // threads on every rank
  void evaluate(const LogDensity& density, const MatrixXd& x, VectorXd& out) override;
  int ranks() const { return size_; }

 private:
  ThreadEvaluator local_;
  int threads_;
  int size_;
  std::set<std::string> verified_;  // keys whose workers passed the probe
};

}  // namespace flowprior::mpi
