#pragma once
// A density together with a key from which every process of the same run can rebuild it. Distributed evaluators
// (MPI ranks, see flowprior/mpi/mpi_evaluator.hpp) send the key with each batch instead of the density; every
// other evaluator simply evaluates the wrapped density. The key is opaque here: whoever resolves it (the command
// line's worker ranks) defines its format.
#include <memory>
#include <string>

#include "flowprior/core/log_density.hpp"

namespace flowprior {

class NamedDensity : public LogDensity {
 public:
  NamedDensity(std::shared_ptr<const LogDensity> density, std::string key);
  int dim() const override { return density_->dim(); }
  std::vector<std::string> names() const override { return density_->names(); }
  using LogDensity::log_prob;
  void log_prob(const MatrixXd& x, VectorXd& out) const override { density_->log_prob(x, out); }
  const std::string& key() const { return key_; }
  const LogDensity& density() const { return *density_; }

 private:
  std::shared_ptr<const LogDensity> density_;
  std::string key_;
};

}  // namespace flowprior
