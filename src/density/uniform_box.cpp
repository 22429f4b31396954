#include "flowprior/density/uniform_box.hpp"

#include <cmath>

#include "flowprior/core/rng.hpp"

namespace flowprior {

void UniformBox::log_prob(const MatrixXd& x, VectorXd& out) const {
  const double inside = inside_;
  out.resize(x.rows());
  for (Index i = 0; i < x.rows(); ++i) {
    bool in = true;
    for (int j = 0; j < box_.dim() && in; ++j) in = x(i, j) >= box_.lower()[j] && x(i, j) <= box_.upper()[j];
    out[i] = in ? inside : -INFINITY;
  }
}

MatrixXd UniformBox::sample(Index n, Rng& rng) const {
  MatrixXd x(n, box_.dim());
  rng.fill_uniform(x);
  for (int j = 0; j < box_.dim(); ++j)
    x.col(j) = (box_.lower()[j] + (box_.upper()[j] - box_.lower()[j]) * x.col(j).array()).matrix();
  return x;
}

}  // namespace flowprior
