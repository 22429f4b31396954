#include "flowprior/density/flow_prior.hpp"

#include <cmath>

#include "flowprior/core/error.hpp"

namespace flowprior {

FlowPrior::FlowPrior(std::shared_ptr<const FlowOnBox> flow) : flow_(std::move(flow)) {
  if (!flow_) throw Error("FlowPrior: no flow given");
  if (flow_->box.dim() < 1 || flow_->flow.dim() != flow_->box.dim())
    throw Error("FlowPrior: flow has dimension " + std::to_string(flow_->flow.dim()) + ", box " +
                std::to_string(flow_->box.dim()));
}

void FlowPrior::log_prob(const MatrixXd& x, VectorXd& out) const {
  if (x.cols() != dim())
    throw Error("FlowPrior::log_prob: batch has " + std::to_string(x.cols()) + " columns, prior has " +
                std::to_string(dim()));
  out = flow_->log_prob(x);
  // Outside the open box (NaN input included) the prior has no support, whatever the flow arithmetic gave.
  for (Index i = 0; i < x.rows(); ++i)
    if (!box().contains(x.row(i)) || std::isnan(out[i])) out[i] = -INFINITY;
}

MatrixXd FlowPrior::sample(Index n, Rng& rng) const { return flow_->sample(n, rng); }

}  // namespace flowprior
