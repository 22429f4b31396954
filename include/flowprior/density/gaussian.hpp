#pragma once
// Multivariate normal N(mean, covariance) on R^d, normalised (2pi constant kept).
#include <string>
#include <vector>

#include "flowprior/core/log_density.hpp"

namespace flowprior {

class Rng;

class GaussianDensity : public LogDensity {
 public:
  // Error (naming the parameter) for: shape mismatch, non-finite entries, an asymmetric covariance, or a
  // covariance that is not positive definite (the first parameter whose Cholesky pivot fails is named).
  GaussianDensity(VectorXd mean, MatrixXd covariance, std::vector<std::string> names = {});

  int dim() const override { return static_cast<int>(mean_.size()); }
  std::vector<std::string> names() const override { return names_; }
  void log_prob(const MatrixXd& x, VectorXd& out) const override;
  using LogDensity::log_prob;

  MatrixXd sample(Index n, Rng& rng) const;
  const VectorXd& mean() const { return mean_; }
  const MatrixXd& covariance() const { return covariance_; }
  const MatrixXd& cholesky_lower() const { return lower_; }

 private:
  VectorXd mean_;
  MatrixXd covariance_;
  MatrixXd lower_;  // covariance = lower_ lower_^T
  std::vector<std::string> names_;
  double log_normaliser_ = 0;  // -d/2 log 2pi - sum log diag(lower_)
};

}  // namespace flowprior
