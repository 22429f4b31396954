#pragma once
// Midpoint rule on an m x m grid over a 2-D box: the integral of exp(log density), for normalisation tests.
#include "flowprior/core/box.hpp"
#include "flowprior/core/log_density.hpp"

namespace flowprior::testing {

inline double integrate_on_grid(const LogDensity& density, const Box& box, int m) {
  MatrixXd x(static_cast<Index>(m) * m, 2);
  const VectorXd w = box.width() / m;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) {
      x(static_cast<Index>(i) * m + j, 0) = box.lower()[0] + (i + 0.5) * w[0];
      x(static_cast<Index>(i) * m + j, 1) = box.lower()[1] + (j + 0.5) * w[1];
    }
  return density.log_prob(x).array().exp().sum() * w[0] * w[1];
}

}  // namespace flowprior::testing
