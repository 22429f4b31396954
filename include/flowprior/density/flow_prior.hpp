#pragma once
// A trained flow as a prior: the normalised density of FlowOnBox on its box, -inf outside (and on the bounds,
// where the logit/probit map is singular), with direct sampling (never leaves the box, no rejection).
#include <memory>
#include <string>
#include <vector>

#include "flowprior/core/log_density.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/flow/flow_on_box.hpp"

namespace flowprior {

class FlowPrior : public LogDensity {
 public:
  explicit FlowPrior(std::shared_ptr<const FlowOnBox> flow);  // Error if null or dimensions disagree
  explicit FlowPrior(FlowOnBox flow) : FlowPrior(std::make_shared<const FlowOnBox>(std::move(flow))) {}

  int dim() const override { return box().dim(); }
  std::vector<std::string> names() const override { return box().names(); }
  void log_prob(const MatrixXd& x, VectorXd& out) const override;
  using LogDensity::log_prob;

  MatrixXd sample(Index n, Rng& rng) const;
  const Box& box() const { return flow_->box; }
  const FlowOnBox& flow() const { return *flow_; }

 private:
  std::shared_ptr<const FlowOnBox> flow_;
};

}  // namespace flowprior
