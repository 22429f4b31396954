#pragma once
// A trained flow as a prior: the normalised density of FlowOnBox on its box, -inf outside (and on the bounds,
// where the logit/probit map is singular), with direct sampling (never leaves the box, no rejection).
//
// Several flows (an ensemble, all on the same box) give the equal-weight mixture q(x) = (1/M) sum_k q_k(x): still
// normalised on the box. Flows trained on the same samples with different seeds and validation splits err in
// different directions; averaging their densities cancels much of that training noise, which is what a hand-over
// between stages needs (the prior's error goes straight into the later posterior).
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
  // An ensemble: Error if empty, a member is null, or the members' boxes (names, bounds, map) differ.
  explicit FlowPrior(std::vector<std::shared_ptr<const FlowOnBox>> members);
  explicit FlowPrior(std::vector<FlowOnBox> members);

  int dim() const override { return box().dim(); }
  std::vector<std::string> names() const override { return box().names(); }
  void log_prob(const MatrixXd& x, VectorXd& out) const override;
  using LogDensity::log_prob;

  // One member per draw, uniformly at random; rows keep that random order.
  MatrixXd sample(Index n, Rng& rng) const;
  const Box& box() const { return members_.front()->box; }
  const FlowOnBox& flow() const { return *members_.front(); }  // the first member
  const std::vector<std::shared_ptr<const FlowOnBox>>& members() const { return members_; }
  std::size_t ensemble_size() const { return members_.size(); }

 private:
  std::vector<std::shared_ptr<const FlowOnBox>> members_;
};

}  // namespace flowprior
