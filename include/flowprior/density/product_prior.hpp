#pragma once
// A prior made of independent blocks of parameters (issue 17): a later stage's prior is the flow of the earlier
// posterior on the parameters it constrained, times the stage's own prior on each new parameter. Each block is a
// density normalised on its own parameters' box, so the product is normalised on the whole box.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "flowprior/core/log_density.hpp"
#include "flowprior/core/rng.hpp"

namespace flowprior {

struct PriorBlock {
  std::vector<int> columns;                      // the block's parameters, as columns of the product
  std::shared_ptr<const LogDensity> density;      // on those columns, in that order
  std::function<MatrixXd(Index, Rng&)> sample;   // n draws of the block (n x columns.size())
};

class ProductPrior : public LogDensity {
 public:
  // Every column 0..names.size()-1 in exactly one block (Error otherwise).
  ProductPrior(std::vector<std::string> names, std::vector<PriorBlock> blocks);
  int dim() const override { return static_cast<int>(names_.size()); }
  std::vector<std::string> names() const override { return names_; }
  void log_prob(const MatrixXd& x, VectorXd& out) const override;
  using LogDensity::log_prob;
  // Each block's draws in block order, from the same stream.
  MatrixXd sample(Index n, Rng& rng) const;
  const std::vector<PriorBlock>& blocks() const { return blocks_; }

 private:
  std::vector<std::string> names_;
  std::vector<PriorBlock> blocks_;
};

}  // namespace flowprior
