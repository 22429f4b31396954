#pragma once
// The MPI back end (issue 9), built only with -DFLOWPRIOR_MPI=ON (FLOWPRIOR_HAVE_MPI defined); these public headers
// need no MPI headers.
//
// Design: `mpirun -n K flowprior ...` starts K copies of the same program. Rank 0 runs the command as usual: the
// sampler, flow training, every file and every line of output. Ranks 1..K-1 run serve_evaluations() (mpi_worker.hpp):
// they wait for batches of points, evaluate their fixed contiguous share of the rows and send the values back.
// Densities never travel: rank 0 sends a key with each batch (NamedDensity) and a worker rebuilds the density from
// it (the same command line, configuration and files) and caches it. Because each row's value depends only on that
// row, a run gives bitwise the same result on 1, 2, 4, ... ranks, and a checkpoint resumes on any number of ranks.
// Flow training and everything else between likelihood batches stays on rank 0 (the serial part).
#include <string>

namespace flowprior::mpi {

// True when this process was started by mpirun / mpiexec (their environment), so MPI has to be initialised. A plain
// `flowprior ...` never initialises MPI and runs single-process exactly as a build without MPI.
bool launched_by_mpi();

// MPI for the life of main(): MPI_Init_thread (funneled: only the main thread calls MPI) when launched_by_mpi(),
// errors returned as codes (MPI_ERRORS_RETURN) and turned into exceptions. The destructor sends rank 0's stop
// message to every worker, then finalises. On rank 0 of a multi-rank job, SIGTERM (mpirun ending the job because
// another rank died) prints one line saying so and that the last checkpoint is intact.
class Session {
 public:
  Session(int& argc, char**& argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  bool active() const { return initialised_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool worker() const { return rank_ > 0; }
  // The communicator is broken (an MPI call failed): end the whole job.
  [[noreturn]] void abort(int code) const;

 private:
  bool initialised_ = false;
  int rank_ = 0;
  int size_ = 1;
};

// Rank 0 of a job with at least one worker rank: likelihoods should go through an MpiEvaluator.
bool distributed();
int world_size();  // 1 without MPI

}  // namespace flowprior::mpi
