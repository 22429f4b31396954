#pragma once
// log prior + beta * log likelihood, the target of tempered and untempered sampling. The likelihood is not
// evaluated where the prior is -inf (it may be undefined there, and it may be expensive).
#include <memory>

#include "flowprior/core/log_density.hpp"

namespace flowprior {

class Posterior : public LogDensity {
 public:
  Posterior(std::shared_ptr<const LogDensity> prior, std::shared_ptr<const LogDensity> likelihood, double beta = 1.0);
  int dim() const override { return prior_->dim(); }
  std::vector<std::string> names() const override { return prior_->names(); }
  void log_prob(const MatrixXd& x, VectorXd& out) const override;

 private:
  std::shared_ptr<const LogDensity> prior_;
  std::shared_ptr<const LogDensity> likelihood_;
  double beta_;
};

}  // namespace flowprior
