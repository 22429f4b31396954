#include "flowprior/density/gaussian.hpp"

#include <cmath>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"

namespace flowprior {

GaussianDensity::GaussianDensity(VectorXd mean, MatrixXd covariance, std::vector<std::string> names)
    : mean_(std::move(mean)), covariance_(std::move(covariance)), names_(std::move(names)) {
  const Index d = mean_.size();
  if (d < 1) throw Error(ErrorContext{.parameter = "mean"}, "GaussianDensity: mean is empty");
  if (names_.empty()) names_ = default_names(static_cast<int>(d));
  if (static_cast<Index>(names_.size()) != d)
    throw Error(ErrorContext{.parameter = "names"}, "GaussianDensity: " + std::to_string(names_.size()) +
                                                        " names for dimension " + std::to_string(d));
  if (covariance_.rows() != d || covariance_.cols() != d)
    throw Error(ErrorContext{.parameter = "covariance"},
                "GaussianDensity: covariance is " + std::to_string(covariance_.rows()) + "x" +
                    std::to_string(covariance_.cols()) + ", mean has " + std::to_string(d) + " entries");
  for (Index i = 0; i < d; ++i) {
    if (!std::isfinite(mean_[i]))
      throw Error(ErrorContext{.parameter = names_[i]}, "GaussianDensity: mean is not finite");
    for (Index j = 0; j < d; ++j) {
      if (!std::isfinite(covariance_(i, j)))
        throw Error(ErrorContext{.parameter = names_[i]}, "GaussianDensity: covariance entry (" +
                                                               std::to_string(i) + "," + std::to_string(j) +
                                                               ") is not finite");
      const double scale = std::max(std::abs(covariance_(i, j)), std::abs(covariance_(j, i)));
      if (std::abs(covariance_(i, j) - covariance_(j, i)) > 1e-10 * scale)
        throw Error(ErrorContext{.parameter = names_[i] + "," + names_[j]},
                    "GaussianDensity: covariance is not symmetric");
    }
  }
  // Hand-written Cholesky so that the failing pivot, i.e. the parameter whose variance is not explained by the
  // others, can be named (Eigen's LLT only says that it failed).
  lower_ = MatrixXd::Zero(d, d);
  for (Index j = 0; j < d; ++j) {
    double pivot = covariance_(j, j) - lower_.row(j).head(j).squaredNorm();
    if (!(pivot > 0.0))
      throw Error(ErrorContext{.parameter = names_[j]},
                  "GaussianDensity: covariance is not positive definite (Cholesky pivot " + std::to_string(pivot) +
                      " at this parameter)");
    lower_(j, j) = std::sqrt(pivot);
    for (Index i = j + 1; i < d; ++i)
      lower_(i, j) = (covariance_(i, j) - lower_.row(i).head(j).dot(lower_.row(j).head(j))) / lower_(j, j);
  }
  log_normaliser_ = -0.5 * static_cast<double>(d) * kLog2Pi - lower_.diagonal().array().log().sum();
}

void GaussianDensity::log_prob(const MatrixXd& x, VectorXd& out) const {
  if (x.cols() != dim())
    throw Error("GaussianDensity::log_prob: batch has " + std::to_string(x.cols()) + " columns, density has " +
                std::to_string(dim()));
  // Solve L w = (x - mean)^T for all rows at once: w has one column per sample.
  MatrixXd centred = (x.rowwise() - mean_.transpose()).transpose();
  lower_.triangularView<Eigen::Lower>().solveInPlace(centred);
  out = (log_normaliser_ - 0.5 * centred.colwise().squaredNorm().array()).matrix().transpose();
  for (Index i = 0; i < x.rows(); ++i)
    if (std::isnan(out[i])) out[i] = -INFINITY;  // NaN input: no support there, never NaN out
}

MatrixXd GaussianDensity::sample(Index n, Rng& rng) const {
  MatrixXd z(n, dim());
  rng.fill_normal(z);
  MatrixXd x = z * lower_.transpose();
  x.rowwise() += mean_.transpose();
  return x;
}

}  // namespace flowprior
