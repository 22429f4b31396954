#pragma once
// Shared helpers of the flow tests: random parameters and finite differences.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "flowprior/core/rng.hpp"
#include "flowprior/flow/flow.hpp"

namespace flowprior::test {

// A gtest parameter name for an architecture ("nsf-coupling" -> "nsf_coupling": names allow no '-').
inline std::string arch_test_name(FlowArch arch) {
  std::string s = to_string(arch);
  for (char& ch : s)
    if (ch == '-') ch = '_';
  return s;
}

// Parameters N(0, scale^2) so that no layer is at its identity start.
inline VectorXd random_params(Index n, Rng& rng, double scale) {
  VectorXd p(n);
  for (Index i = 0; i < n; ++i) p(i) = scale * rng.normal();
  return p;
}

inline MatrixXd random_matrix(Index rows, Index cols, Rng& rng, double scale = 1.0) {
  MatrixXd m(rows, cols);
  rng.fill_normal(m);
  return scale * m;
}

// Central difference of f at x along coordinate k.
inline double central_difference(const std::function<double(const VectorXd&)>& f, VectorXd x, Index k, double h) {
  const double x0 = x(k);
  x(k) = x0 + h;
  const double fp = f(x);
  x(k) = x0 - h;
  const double fm = f(x);
  return (fp - fm) / (2 * h);
}

}  // namespace flowprior::test
