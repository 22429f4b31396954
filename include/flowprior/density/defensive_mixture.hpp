#pragma once
// (1 - eps) * flow prior + eps * uniform on the same box (docs/reference/flows.md §9): a stage-2 prior that cannot exclude a
// region the stage-1 samples never visited. Both components are normalised on the box, so the mixture is too.
#include <memory>
#include <string>
#include <vector>

#include "flowprior/density/flow_prior.hpp"
#include "flowprior/density/uniform_box.hpp"

namespace flowprior {

class DefensiveMixture : public LogDensity {
 public:
  // eps in [0, 1] (Error naming "eps" otherwise). eps = 0 is exactly the flow prior, eps = 1 exactly uniform.
  DefensiveMixture(std::shared_ptr<const FlowPrior> flow, double eps = 0.0);

  int dim() const override { return flow_->dim(); }
  std::vector<std::string> names() const override { return flow_->names(); }
  // log-sum-exp of the two weighted components, stable when either is -inf or far below the other.
  void log_prob(const MatrixXd& x, VectorXd& out) const override;
  using LogDensity::log_prob;

  // Draws the component of every row first (uniform with probability eps), then the points of each component.
  MatrixXd sample(Index n, Rng& rng) const;

  double eps() const { return eps_; }
  const FlowPrior& flow_prior() const { return *flow_; }

 private:
  std::shared_ptr<const FlowPrior> flow_;
  UniformBox uniform_;
  double eps_;
};

}  // namespace flowprior
