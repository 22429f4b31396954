#pragma once
// A parameter box: ordered names with finite bounds, and its bijection to R^d (logit by default, probit as an
// option) with exact log-Jacobians. Every density that lives in R^d becomes a density on the box through it:
//   log p_box(x) = log p_R(to_unbounded(x)) + log|du/dx|.
#include <string>
#include <vector>

#include "flowprior/core/types.hpp"

namespace flowprior {

enum class BoxMap { logit, probit };

std::string to_string(BoxMap map);
BoxMap box_map_from_string(const std::string& name);  // "logit" | "probit", else Error

class Box {
 public:
  Box() = default;
  // Validates: same lengths, unique non-empty names, finite bounds with low < high (Error names the parameter).
  Box(std::vector<std::string> names, VectorXd lower, VectorXd upper, BoxMap map = BoxMap::logit);

  int dim() const { return static_cast<int>(names_.size()); }
  const std::vector<std::string>& names() const { return names_; }
  const VectorXd& lower() const { return lower_; }
  const VectorXd& upper() const { return upper_; }
  VectorXd width() const { return upper_ - lower_; }
  BoxMap map() const { return map_; }
  Box with_map(BoxMap map) const { return Box(names_, lower_, upper_, map); }

  int index_of(const std::string& name) const;  // Error if absent
  double log_volume() const;

  // Strictly inside (lower < x < upper) in every coordinate.
  bool contains(const Eigen::Ref<const RowVectorXd>& x) const;

  // x (n x d) -> u in R^d; log_det(i) = log|det du/dx| of row i. Rows not strictly inside the box get u = 0 and
  // log_det = -inf, so a density built as log p(u) + log_det is -inf there without any special case.
  void to_unbounded(const MatrixXd& x, MatrixXd& u, VectorXd& log_det) const;
  // u -> x strictly inside the box (rounding at |u| >> 1 is kept off the bounds); log_det = log|det dx/du|.
  void to_box(const MatrixXd& u, MatrixXd& x, VectorXd& log_det) const;

  // Error (naming source, row and parameter) if any value is NaN/inf or outside the closed box.
  void check_in_closed_box(const MatrixXd& x, const std::string& source) const;
  // Moves values lying exactly on a bound inside by relative_margin * width. Returns how many values moved.
  // Training data from real chains hold such draws (rounded output); the logit/probit map sends them to inf.
  std::size_t nudge_into_interior(MatrixXd& x, double relative_margin = kDefaultMargin) const;

  static constexpr double kDefaultMargin = 1e-6;

 private:
  std::vector<std::string> names_;
  VectorXd lower_;
  VectorXd upper_;
  BoxMap map_ = BoxMap::logit;
};

}  // namespace flowprior
