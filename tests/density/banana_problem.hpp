#pragma once
// The paper's banana (bench/check_banana.cpp runs it at full size): log p = -[(x1 - 1)^2 + 20 (x1^2 - x2)^2] on a
// box, its exact draws and its normaliser over the box. Shared by the flow-quality tests of this folder.
#include <cmath>

#include "flowprior/core/box.hpp"
#include "flowprior/core/rng.hpp"

namespace flowprior::testing {

// Exact draws: x1 ~ N(1, 1/2), x2 | x1 ~ N(x1^2, 1/40), kept in the box.
inline MatrixXd banana_draws(Index n, const Box& box, Rng& rng) {
  MatrixXd x(n, 2);
  for (Index i = 0; i < n;) {
    RowVectorXd row(2);
    row[0] = 1.0 + std::sqrt(0.5) * rng.normal();
    row[1] = row[0] * row[0] + std::sqrt(1.0 / 40.0) * rng.normal();
    if (box.contains(row)) x.row(i++) = row;
  }
  return x;
}

// The unnormalised log density.
inline double banana_log_p(double x1, double x2) {
  return -((x1 - 1) * (x1 - 1) + 20 * (x1 * x1 - x2) * (x1 * x1 - x2));
}

// log of the integral of exp(log p) over the box: x2 analytically (a normal cdf difference), x1 by Simpson.
inline double banana_log_normaliser(const Box& box, int intervals = 4000) {
  const double a = box.lower()[0], b = box.upper()[0], h = (b - a) / intervals, c = std::sqrt(40.0);
  auto phi = [](double t) { return 0.5 * std::erfc(-t / std::sqrt(2.0)); };
  auto f = [&](double x1) {
    return std::exp(-(x1 - 1) * (x1 - 1)) * std::sqrt(M_PI / 20.0) *
           (phi(c * (box.upper()[1] - x1 * x1)) - phi(c * (box.lower()[1] - x1 * x1)));
  };
  double s = f(a) + f(b);
  for (int i = 1; i < intervals; ++i) s += f(a + i * h) * (i % 2 ? 4 : 2);
  return std::log(s * h / 3);
}

}  // namespace flowprior::testing
