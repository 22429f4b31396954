#include "flowprior/density/defensive_mixture.hpp"

#include <cmath>

#include "flowprior/core/error.hpp"

namespace flowprior {

DefensiveMixture::DefensiveMixture(std::shared_ptr<const FlowPrior> flow, double eps)
    : flow_(flow ? std::move(flow) : throw Error("DefensiveMixture: no flow prior given")),
      uniform_(flow_->box()),
      eps_(eps) {
  if (!(eps >= 0.0 && eps <= 1.0))
    throw Error(ErrorContext{.parameter = "eps"}, "DefensiveMixture: must lie in [0, 1], got " + std::to_string(eps));
}

void DefensiveMixture::log_prob(const MatrixXd& x, VectorXd& out) const {
  if (eps_ == 1.0) {
    uniform_.log_prob(x, out);
    for (Index i = 0; i < x.rows(); ++i)
      if (!flow_->box().contains(x.row(i))) out[i] = -INFINITY;  // same support as the flow prior: the open box
    return;
  }
  flow_->log_prob(x, out);
  if (eps_ == 0.0) return;
  const double log_flow_weight = std::log1p(-eps_);
  const double log_uniform = std::log(eps_) - flow_->box().log_volume();
  for (Index i = 0; i < x.rows(); ++i) {
    if (out[i] == -INFINITY) continue;  // outside the box: both components vanish
    const double a = log_flow_weight + out[i];
    const double hi = std::max(a, log_uniform);
    out[i] = hi + std::log1p(std::exp(std::min(a, log_uniform) - hi));
  }
}

MatrixXd DefensiveMixture::sample(Index n, Rng& rng) const {
  std::vector<bool> from_uniform(static_cast<std::size_t>(n));
  Index n_uniform = 0;
  for (Index i = 0; i < n; ++i) {
    from_uniform[static_cast<std::size_t>(i)] = rng.uniform() < eps_;
    n_uniform += from_uniform[static_cast<std::size_t>(i)] ? 1 : 0;
  }
  const MatrixXd flow_draws = flow_->sample(n - n_uniform, rng);
  const MatrixXd uniform_draws = uniform_.sample(n_uniform, rng);
  MatrixXd x(n, dim());
  Index next_flow = 0, next_uniform = 0;
  for (Index i = 0; i < n; ++i)
    x.row(i) = from_uniform[static_cast<std::size_t>(i)] ? uniform_draws.row(next_uniform++) : flow_draws.row(next_flow++);
  return x;
}

}  // namespace flowprior
