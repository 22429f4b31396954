#pragma once
// Samples: what every stage hands to the next. One sample per row, parameter names per column, optional
// per-row importance weights and log-density values (e.g. the log-posterior a sampler computed).
#include <string>
#include <vector>

#include "flowprior/core/types.hpp"

namespace flowprior {

struct Samples {
  std::vector<std::string> names;
  MatrixXd values;        // n x d
  VectorXd weights;       // empty, or n non-negative weights (not necessarily normalised)
  VectorXd log_density;   // empty, or n values

  Index size() const { return values.rows(); }
  int dim() const { return static_cast<int>(values.cols()); }
  bool has_weights() const { return weights.size() > 0; }
  bool has_log_density() const { return log_density.size() > 0; }

  // Weights normalised to sum 1 (uniform if there are none).
  VectorXd normalized_weights() const;
  // Kish effective sample size (n if unweighted).
  double effective_size() const;

  // Error naming `source`, row and column for: shape mismatches, NaN/inf values, negative or non-finite weights,
  // all-zero weights, NaN log-density (-inf is allowed there).
  void validate(const std::string& source) const;

  // The columns reordered to `wanted` (e.g. a box's names); Error naming the missing column.
  Samples with_columns(const std::vector<std::string>& wanted, const std::string& source) const;
  Samples rows(const std::vector<Index>& idx) const;
};

}  // namespace flowprior
