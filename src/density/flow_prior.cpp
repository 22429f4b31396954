#include "flowprior/density/flow_prior.hpp"

#include <cmath>

#include "flowprior/core/error.hpp"

namespace flowprior {

namespace {

std::vector<std::shared_ptr<const FlowOnBox>> shared_members(std::vector<FlowOnBox> members) {
  std::vector<std::shared_ptr<const FlowOnBox>> out;
  out.reserve(members.size());
  for (auto& m : members) out.push_back(std::make_shared<const FlowOnBox>(std::move(m)));
  return out;
}

}  // namespace

FlowPrior::FlowPrior(std::shared_ptr<const FlowOnBox> flow)
    : FlowPrior(std::vector<std::shared_ptr<const FlowOnBox>>{std::move(flow)}) {}

FlowPrior::FlowPrior(std::vector<FlowOnBox> members) : FlowPrior(shared_members(std::move(members))) {}

FlowPrior::FlowPrior(std::vector<std::shared_ptr<const FlowOnBox>> members) : members_(std::move(members)) {
  if (members_.empty()) throw Error("FlowPrior: no flow given");
  for (std::size_t k = 0; k < members_.size(); ++k) {
    const auto& m = members_[k];
    const std::string which = members_.size() > 1 ? " (ensemble member " + std::to_string(k + 1) + ")" : "";
    if (!m) throw Error("FlowPrior: no flow given" + which);
    if (m->box.dim() < 1 || m->flow.dim() != m->box.dim())
      throw Error("FlowPrior: flow has dimension " + std::to_string(m->flow.dim()) + ", box " +
                  std::to_string(m->box.dim()) + which);
    if (!same_box(m->box, members_.front()->box))
      throw Error(ErrorContext{.parameter = "parameters"},
                  "FlowPrior: the flows of an ensemble must share one box (names, bounds and map)" + which);
  }
}

void FlowPrior::log_prob(const MatrixXd& x, VectorXd& out) const {
  if (x.cols() != dim())
    throw Error("FlowPrior::log_prob: batch has " + std::to_string(x.cols()) + " columns, prior has " +
                std::to_string(dim()));
  out = members_.front()->log_prob(x);
  if (members_.size() > 1) {
    // log of the mean of the members' densities, accumulated in member order (a fixed reduction order).
    MatrixXd all(x.rows(), static_cast<Index>(members_.size()));
    all.col(0) = out;
    for (std::size_t k = 1; k < members_.size(); ++k) all.col(static_cast<Index>(k)) = members_[k]->log_prob(x);
    const double log_m = std::log(static_cast<double>(members_.size()));
    for (Index i = 0; i < x.rows(); ++i) {
      const double hi = all.row(i).maxCoeff();
      if (!std::isfinite(hi)) {
        out[i] = hi;  // -inf everywhere (outside), or NaN/+inf handled below
        continue;
      }
      double sum = 0.0;
      for (Index k = 0; k < all.cols(); ++k) sum += std::exp(all(i, k) - hi);
      out[i] = hi + std::log(sum) - log_m;
    }
  }
  // Outside the open box (NaN input included) the prior has no support, whatever the flow arithmetic gave.
  for (Index i = 0; i < x.rows(); ++i)
    if (!box().contains(x.row(i)) || std::isnan(out[i])) out[i] = -INFINITY;
}

MatrixXd FlowPrior::sample(Index n, Rng& rng) const {
  if (members_.size() == 1) return members_.front()->sample(n, rng);
  const auto m = static_cast<std::uint64_t>(members_.size());
  std::vector<std::size_t> which(static_cast<std::size_t>(n));
  std::vector<Index> count(members_.size(), 0);
  for (auto& w : which) {
    w = static_cast<std::size_t>(rng.index(m));
    ++count[w];
  }
  std::vector<MatrixXd> draws(members_.size());
  for (std::size_t k = 0; k < members_.size(); ++k) draws[k] = members_[k]->sample(count[k], rng);
  MatrixXd x(n, dim());
  std::vector<Index> next(members_.size(), 0);
  for (Index i = 0; i < n; ++i) {
    const std::size_t k = which[static_cast<std::size_t>(i)];
    x.row(i) = draws[k].row(next[k]++);
  }
  return x;
}

}  // namespace flowprior
