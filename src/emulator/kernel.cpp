#include "flowprior/emulator/kernel.hpp"

#include <cmath>

#include "flowprior/core/error.hpp"

namespace flowprior {

namespace {
constexpr double kMaternSqrt5 = 2.2360679774997896964091736687313;
}

std::string to_string(KernelType kernel) {
  return kernel == KernelType::squared_exponential ? "se" : "matern52";
}

KernelType kernel_from_string(const std::string& name) {
  if (name == "se") return KernelType::squared_exponential;
  if (name == "matern52") return KernelType::matern52;
  throw Error(ErrorContext{.parameter = "kernel"}, "unknown kernel '" + name + "' (expected se or matern52)");
}

VectorXd GpHyper::packed() const {
  VectorXd eta(log_length.size() + 2);
  eta[0] = log_amplitude;
  eta.segment(1, log_length.size()) = log_length;
  eta[eta.size() - 1] = log_noise;
  return eta;
}

GpHyper GpHyper::unpack(const VectorXd& eta) {
  GpHyper h;
  h.log_amplitude = eta[0];
  h.log_length = eta.segment(1, eta.size() - 2);
  h.log_noise = eta[eta.size() - 1];
  return h;
}

double kernel_correlation(KernelType kernel, double r2) {
  if (kernel == KernelType::squared_exponential) return std::exp(-0.5 * r2);
  const double r = std::sqrt(r2);
  return (1.0 + kMaternSqrt5 * r + (5.0 / 3.0) * r2) * std::exp(-kMaternSqrt5 * r);
}

double kernel_length_factor(KernelType kernel, double r2) {
  if (kernel == KernelType::squared_exponential) return std::exp(-0.5 * r2);
  const double r = std::sqrt(r2);
  return (5.0 / 3.0) * (1.0 + kMaternSqrt5 * r) * std::exp(-kMaternSqrt5 * r);
}

MatrixXd training_covariance(KernelType kernel, const GpHyper& hyper, const MatrixXd& x) {
  const Index n = x.rows();
  const double amplitude = std::exp(hyper.log_amplitude);
  const RowVectorXd inv_length = (-hyper.log_length.array()).exp().matrix().transpose();
  const MatrixXd xs = x.array().rowwise() * inv_length.array();
  MatrixXd k(n, n);
  for (Index j = 0; j < n; ++j) {
    k(j, j) = amplitude + std::exp(hyper.log_noise);
    for (Index i = j + 1; i < n; ++i) {
      const double r2 = (xs.row(i) - xs.row(j)).squaredNorm();
      k(i, j) = k(j, i) = amplitude * kernel_correlation(kernel, r2);
    }
  }
  return k;
}

void cross_covariance(KernelType kernel, const GpHyper& hyper, const MatrixXd& a, const MatrixXd& b, MatrixXd& k) {
  const double amplitude = std::exp(hyper.log_amplitude);
  const RowVectorXd inv_length = (-hyper.log_length.array()).exp().matrix().transpose();
  const MatrixXd as = a.array().rowwise() * inv_length.array();
  const MatrixXd bs = b.array().rowwise() * inv_length.array();
  // Explicit differences rather than |a|^2 + |b|^2 - 2 a.b: no cancellation, and each entry depends only on its
  // own pair of points (so a prediction does not depend on the other rows of the batch).
  k.setZero(a.rows(), b.rows());
  for (Index j = 0; j < bs.rows(); ++j) {
    for (Index c = 0; c < bs.cols(); ++c) k.col(j).array() += (as.col(c).array() - bs(j, c)).square();
  }
  if (kernel == KernelType::squared_exponential) {
    k = amplitude * (-0.5 * k.array()).exp();
  } else {
    const auto r = k.array().sqrt();
    k = amplitude * ((1.0 + kMaternSqrt5 * r + (5.0 / 3.0) * k.array()) * (-kMaternSqrt5 * r).exp());
  }
}

}  // namespace flowprior
