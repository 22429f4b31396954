#pragma once
// Evaluates a LogDensity on a batch. Samplers only talk to an Evaluator, so the back end (threads here, MPI ranks
// in flowprior/mpi/mpi_evaluator.hpp) changes nothing in them. Rows are split into fixed chunks; each row's value depends only on that row,
// so results are bitwise identical for any number of threads.
#include <cstdint>
#include <memory>

#include "flowprior/core/log_density.hpp"
#include "flowprior/core/thread_pool.hpp"

namespace flowprior {

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  virtual void evaluate(const LogDensity& density, const MatrixXd& x, VectorXd& out) = 0;
  std::uint64_t calls() const { return calls_; }  // number of points evaluated so far

 protected:
  std::uint64_t calls_ = 0;
};

class ThreadEvaluator : public Evaluator {
 public:
  explicit ThreadEvaluator(int threads = 1, Index chunk_rows = 0);  // chunk_rows 0: split evenly over threads
  void evaluate(const LogDensity& density, const MatrixXd& x, VectorXd& out) override;
  ThreadPool& pool() { return pool_; }

 private:
  ThreadPool pool_;
  Index chunk_rows_;
};

}  // namespace flowprior
