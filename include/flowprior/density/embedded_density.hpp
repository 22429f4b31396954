#pragma once
// A density of all parameters seen on some of them (issue 17): the others held at given values. A stage that fixes
// a parameter (`fixed = {K = 1}`) evaluates its datasets' likelihoods this way, and a stage that does not use a
// parameter at all holds it anywhere (its models do not read it: checked before the run).
#include <memory>
#include <string>
#include <vector>

#include "flowprior/core/log_density.hpp"

namespace flowprior {

class EmbeddedDensity : public LogDensity {
 public:
  // full: a density of the parameters `full_names`; free: the columns of the points it is given (each in
  // full_names, Error naming it otherwise); held: one value per full_names entry, used where the parameter is not
  // free or is in `overridden` (a column of the points whose value the full density never sees: a joint run frees
  // a parameter that this dataset's stage fixes).
  EmbeddedDensity(std::shared_ptr<const LogDensity> full, const std::vector<std::string>& full_names,
                  std::vector<std::string> free, VectorXd held, const std::vector<std::string>& overridden = {});
  int dim() const override { return static_cast<int>(free_.size()); }
  std::vector<std::string> names() const override { return free_; }
  void log_prob(const MatrixXd& x, VectorXd& out) const override;
  using LogDensity::log_prob;
  // The full points of x (rows of the free parameters).
  MatrixXd to_full(const MatrixXd& x) const;

 private:
  std::shared_ptr<const LogDensity> full_;
  std::vector<std::string> free_;
  std::vector<int> columns_;  // of each free parameter in the full vector, -1 where overridden
  VectorXd held_;
};

}  // namespace flowprior
