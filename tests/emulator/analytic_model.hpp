#pragma once
// A smooth analytic "physics model" with 5 parameters in [0, 1]^5 and 20 outputs whose PCA structure is not
// trivial (outputs mix sines, products and exponentials with output-dependent weights).
#include <cmath>
#include <string>
#include <vector>

#include "flowprior/core/box.hpp"

namespace flowprior::testing {

inline Box analytic_box() {
  return Box({"a", "b", "c", "d", "e"}, VectorXd::Zero(5), VectorXd::Ones(5));
}

inline std::vector<std::string> analytic_output_names(int m = 20) {
  std::vector<std::string> names;
  for (int j = 0; j < m; ++j) {
    std::string name = "y";  // not "y" + to_string(): GCC 12 reports a false -Wrestrict there
    name += std::to_string(j);
    names.push_back(name);
  }
  return names;
}

inline MatrixXd analytic_model(const MatrixXd& x, int m = 20) {
  MatrixXd y(x.rows(), m);
  for (Index i = 0; i < x.rows(); ++i) {
    const auto p = x.row(i);
    for (int j = 0; j < m; ++j) {
      const double t = static_cast<double>(j) / (m - 1);
      y(i, j) = std::sin(2.0 * p[0] + t * p[1]) + p[2] * p[3] * (1.0 + t) + std::exp(-p[4] * (0.5 + t)) +
                0.5 * std::cos(3.0 * t * p[0]) * p[1] + 0.3 * t * t * p[2];
    }
  }
  return y;
}

}  // namespace flowprior::testing
