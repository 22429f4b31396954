#include "flowprior/density/posterior.hpp"

#include <cmath>
#include <vector>

#include "flowprior/core/error.hpp"

namespace flowprior {

Posterior::Posterior(std::shared_ptr<const LogDensity> prior, std::shared_ptr<const LogDensity> likelihood,
                     double beta)
    : prior_(std::move(prior)), likelihood_(std::move(likelihood)), beta_(beta) {
  if (!prior_ || !likelihood_) throw Error("Posterior: prior and likelihood are required");
  if (prior_->dim() != likelihood_->dim())
    throw Error("Posterior: prior has " + std::to_string(prior_->dim()) + " dimensions, likelihood " +
                std::to_string(likelihood_->dim()));
}

void Posterior::log_prob(const MatrixXd& x, VectorXd& out) const {
  prior_->log_prob(x, out);
  if (beta_ == 0.0) return;
  // Usually every point is inside the prior's support: then the likelihood sees x itself (no gathered copy).
  bool all_inside = true;
  for (Index i = 0; i < x.rows() && all_inside; ++i) all_inside = out[i] > -INFINITY;
  if (all_inside && x.rows() > 0) {
    VectorXd ll;
    likelihood_->log_prob(x, ll);
    for (Index i = 0; i < x.rows(); ++i) out[i] += beta_ * ll[i];
    return;
  }
  std::vector<Index> keep;
  for (Index i = 0; i < x.rows(); ++i)
    if (out[i] > -INFINITY) keep.push_back(i);
  if (keep.empty()) return;
  MatrixXd inside(static_cast<Index>(keep.size()), x.cols());
  for (std::size_t k = 0; k < keep.size(); ++k) inside.row(static_cast<Index>(k)) = x.row(keep[k]);
  VectorXd ll;
  likelihood_->log_prob(inside, ll);
  for (std::size_t k = 0; k < keep.size(); ++k) out[keep[k]] += beta_ * ll[static_cast<Index>(k)];
}

}  // namespace flowprior
