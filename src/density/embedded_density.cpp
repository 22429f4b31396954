#include "flowprior/density/embedded_density.hpp"

#include <algorithm>

#include "flowprior/core/error.hpp"

namespace flowprior {

EmbeddedDensity::EmbeddedDensity(std::shared_ptr<const LogDensity> full, const std::vector<std::string>& full_names,
                                 std::vector<std::string> free, VectorXd held,
                                 const std::vector<std::string>& overridden)
    : full_(std::move(full)), free_(std::move(free)), held_(std::move(held)) {
  if (!full_) throw Error("EmbeddedDensity: no density");
  if (full_->dim() != static_cast<int>(full_names.size()) || held_.size() != full_->dim())
    throw Error("EmbeddedDensity: " + std::to_string(full_names.size()) + " names and " +
                std::to_string(held_.size()) + " held values for a density of " + std::to_string(full_->dim()) +
                " parameters");
  for (const auto& name : free_) {
    const auto it = std::find(full_names.begin(), full_names.end(), name);
    if (it == full_names.end()) throw Error(ErrorContext{.parameter = name}, "not a parameter of the density");
    const bool held_anyway = std::find(overridden.begin(), overridden.end(), name) != overridden.end();
    columns_.push_back(held_anyway ? -1 : static_cast<int>(it - full_names.begin()));
  }
}

MatrixXd EmbeddedDensity::to_full(const MatrixXd& x) const {
  if (x.cols() != dim())
    throw Error("EmbeddedDensity: points have " + std::to_string(x.cols()) + " columns, the density has " +
                std::to_string(dim()) + " free parameters");
  MatrixXd full = held_.transpose().replicate(x.rows(), 1);
  for (std::size_t c = 0; c < columns_.size(); ++c)
    if (columns_[c] >= 0) full.col(columns_[c]) = x.col(static_cast<Index>(c));
  return full;
}

void EmbeddedDensity::log_prob(const MatrixXd& x, VectorXd& out) const { full_->log_prob(to_full(x), out); }

}  // namespace flowprior
