#include "flowprior/density/product_prior.hpp"

#include "flowprior/core/error.hpp"

namespace flowprior {

ProductPrior::ProductPrior(std::vector<std::string> names, std::vector<PriorBlock> blocks)
    : names_(std::move(names)), blocks_(std::move(blocks)) {
  std::vector<int> seen(names_.size(), 0);
  for (const auto& b : blocks_) {
    if (!b.density || !b.sample) throw Error("ProductPrior: a block has no density or no sampler");
    if (b.density->dim() != static_cast<int>(b.columns.size()))
      throw Error("ProductPrior: a block's density has " + std::to_string(b.density->dim()) + " dimensions for " +
                  std::to_string(b.columns.size()) + " columns");
    for (int c : b.columns) {
      if (c < 0 || c >= dim()) throw Error("ProductPrior: column " + std::to_string(c) + " out of range");
      ++seen[static_cast<std::size_t>(c)];
    }
  }
  for (std::size_t j = 0; j < seen.size(); ++j)
    if (seen[j] != 1)
      throw Error(ErrorContext{.parameter = names_[j]},
                  "ProductPrior: the parameter is in " + std::to_string(seen[j]) + " blocks, not one");
}

void ProductPrior::log_prob(const MatrixXd& x, VectorXd& out) const {
  out.setZero(x.rows());
  VectorXd part;
  for (const auto& b : blocks_) {
    MatrixXd xb(x.rows(), static_cast<Index>(b.columns.size()));
    for (std::size_t c = 0; c < b.columns.size(); ++c) xb.col(static_cast<Index>(c)) = x.col(b.columns[c]);
    b.density->log_prob(xb, part);
    out += part;
  }
}

MatrixXd ProductPrior::sample(Index n, Rng& rng) const {
  MatrixXd x(n, dim());
  for (const auto& b : blocks_) {
    const MatrixXd xb = b.sample(n, rng);
    for (std::size_t c = 0; c < b.columns.size(); ++c) x.col(b.columns[c]) = xb.col(static_cast<Index>(c));
  }
  return x;
}

}  // namespace flowprior
