#include "flowprior/density/uniform_box.hpp"

#include <cmath>

#include "flowprior/core/rng.hpp"

namespace flowprior {

void UniformBox::log_prob(const MatrixXd& x, VectorXd& out) const {
  // Column by column over all rows (contiguous in x, vectorised) rather than row by row with an early exit: the
  // row loop's strided reads were 8 % of the ensemble sampler's time on a cheap target (issue 21). A NaN
  // coordinate fails both comparisons, so it is outside, as before.
  const Index n = x.rows();
  out.setConstant(n, inside_);
  for (int j = 0; j < box_.dim(); ++j) {
    const double lower = box_.lower()[j], upper = box_.upper()[j];
    const double* column = x.col(j).data();
    double* o = out.data();
    for (Index i = 0; i < n; ++i) o[i] = (column[i] >= lower && column[i] <= upper) ? o[i] : -INFINITY;
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
