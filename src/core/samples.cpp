#include "flowprior/core/samples.hpp"

#include <cmath>

#include "flowprior/core/error.hpp"

namespace flowprior {

VectorXd Samples::normalized_weights() const {
  if (!has_weights()) return VectorXd::Constant(size(), 1.0 / static_cast<double>(size()));
  return weights / weights.sum();
}

double Samples::effective_size() const {
  if (!has_weights()) return static_cast<double>(size());
  const double s = weights.sum();
  return s * s / weights.squaredNorm();
}

void Samples::validate(const std::string& source) const {
  if (static_cast<Index>(names.size()) != values.cols())
    throw Error(ErrorContext{.file = source}, std::to_string(names.size()) + " names for " +
                                                  std::to_string(values.cols()) + " columns");
  if (values.rows() == 0) throw Error(ErrorContext{.file = source}, "no samples");
  if (has_weights() && weights.size() != values.rows())
    throw Error(ErrorContext{.file = source}, "weight column has the wrong length");
  if (has_log_density() && log_density.size() != values.rows())
    throw Error(ErrorContext{.file = source}, "log_density column has the wrong length");
  for (Index i = 0; i < values.rows(); ++i) {
    for (Index j = 0; j < values.cols(); ++j)
      if (!std::isfinite(values(i, j)))
        throw Error(ErrorContext{.file = source, .parameter = names[j], .row = static_cast<long>(i)},
                    "value is " + std::to_string(values(i, j)));
    if (has_weights() && !(std::isfinite(weights[i]) && weights[i] >= 0))
      throw Error(ErrorContext{.file = source, .parameter = "weight", .row = static_cast<long>(i)},
                  "weight must be finite and non-negative, got " + std::to_string(weights[i]));
    if (has_log_density() && (std::isnan(log_density[i]) || log_density[i] == INFINITY))
      throw Error(ErrorContext{.file = source, .parameter = "log_density", .row = static_cast<long>(i)},
                  "log-density is " + std::to_string(log_density[i]));
  }
  if (has_weights() && !(weights.sum() > 0))
    throw Error(ErrorContext{.file = source, .parameter = "weight"}, "all weights are zero");
}

Samples Samples::with_columns(const std::vector<std::string>& wanted, const std::string& source) const {
  Samples out;
  out.names = wanted;
  out.values.resize(values.rows(), static_cast<Index>(wanted.size()));
  for (std::size_t k = 0; k < wanted.size(); ++k) {
    Index found = -1;
    for (std::size_t j = 0; j < names.size(); ++j)
      if (names[j] == wanted[k]) found = static_cast<Index>(j);
    if (found < 0) throw Error(ErrorContext{.file = source, .parameter = wanted[k]}, "column missing");
    out.values.col(static_cast<Index>(k)) = values.col(found);
  }
  out.weights = weights;
  out.log_density = log_density;
  return out;
}

Samples Samples::rows(const std::vector<Index>& idx) const {
  Samples out;
  out.names = names;
  out.values.resize(static_cast<Index>(idx.size()), values.cols());
  if (has_weights()) out.weights.resize(static_cast<Index>(idx.size()));
  if (has_log_density()) out.log_density.resize(static_cast<Index>(idx.size()));
  for (std::size_t k = 0; k < idx.size(); ++k) {
    const auto r = static_cast<Index>(k);
    out.values.row(r) = values.row(idx[k]);
    if (has_weights()) out.weights[r] = weights[idx[k]];
    if (has_log_density()) out.log_density[r] = log_density[idx[k]];
  }
  return out;
}

}  // namespace flowprior
