#pragma once
// A density whose batches go through an Evaluator. It puts a distributed evaluator (MPI ranks) inside a composite
// density: e.g. Posterior(prior, EvaluatedDensity(likelihood, mpi)) keeps the cheap prior on the calling process
// and sends only the likelihood rows to the ranks, so a sampler that evaluates whole posteriors (the ensemble
// sampler) scales out unchanged. Not thread-safe (the evaluator is shared): evaluate it from one thread.
#include <memory>

#include "flowprior/core/evaluator.hpp"
#include "flowprior/core/log_density.hpp"

namespace flowprior {

class EvaluatedDensity : public LogDensity {
 public:
  // `evaluator` must outlive this density.
  EvaluatedDensity(std::shared_ptr<const LogDensity> density, Evaluator& evaluator)
      : density_(std::move(density)), evaluator_(evaluator) {}
  int dim() const override { return density_->dim(); }
  std::vector<std::string> names() const override { return density_->names(); }
  using LogDensity::log_prob;
  void log_prob(const MatrixXd& x, VectorXd& out) const override { evaluator_.evaluate(*density_, x, out); }

 private:
  std::shared_ptr<const LogDensity> density_;
  Evaluator& evaluator_;
};

}  // namespace flowprior
