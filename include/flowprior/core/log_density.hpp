#pragma once
// One interface for every density: priors, likelihoods, posteriors, built-in targets, user callables.
#include <string>
#include <vector>

#include "flowprior/core/types.hpp"

namespace flowprior {

class LogDensity {
 public:
  virtual ~LogDensity() = default;
  virtual int dim() const = 0;
  virtual std::vector<std::string> names() const;  // default x1..xd
  // out(i) = log density at row i of x. Must be const and thread-safe: evaluators split batches over threads.
  // -inf outside the support; implementations never return NaN for valid input (samplers treat NaN as an error).
  virtual void log_prob(const MatrixXd& x, VectorXd& out) const = 0;

  VectorXd log_prob(const MatrixXd& x) const {
    VectorXd out;
    log_prob(x, out);
    return out;
  }
};

std::vector<std::string> default_names(int dim, const std::string& stem = "x");

}  // namespace flowprior
