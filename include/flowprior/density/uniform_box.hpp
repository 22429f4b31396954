#pragma once
#include "flowprior/core/box.hpp"
#include "flowprior/core/log_density.hpp"

namespace flowprior {

// Uniform density on the closed box: -log(volume) inside, -inf outside.
class UniformBox : public LogDensity {
 public:
  explicit UniformBox(Box box) : box_(std::move(box)), inside_(-box_.log_volume()) {}
  int dim() const override { return box_.dim(); }
  std::vector<std::string> names() const override { return box_.names(); }
  void log_prob(const MatrixXd& x, VectorXd& out) const override;
  const Box& box() const { return box_; }
  // n independent uniform draws
  MatrixXd sample(Index n, class Rng& rng) const;

 private:
  Box box_;
  double inside_;  // -log(volume), once: log_prob is called per sampler batch (d logs each time, issue 21)
};

}  // namespace flowprior
