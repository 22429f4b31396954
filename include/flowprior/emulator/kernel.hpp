#pragma once
// Stationary ARD kernels for the emulator GPs: k(a, b) = amplitude * kappa(r) (+ noise on the diagonal of the
// training matrix only), r^2 = sum_d (a_d - b_d)^2 / length_d^2. Inputs are already scaled to the unit cube.
// Hyper-parameters live in log space because the optimiser works there and all of them are positive.
#include <string>

#include "flowprior/core/types.hpp"

namespace flowprior {

enum class KernelType { squared_exponential, matern52 };

std::string to_string(KernelType kernel);       // "se" | "matern52"
KernelType kernel_from_string(const std::string& name);  // Error for anything else

struct GpHyper {
  double log_amplitude = 0.0;  // log sigma_f^2
  VectorXd log_length;         // log length_d, one per input
  double log_noise = 0.0;      // log sigma_n^2

  int dim() const { return static_cast<int>(log_length.size()); }
  // Packed order used by the optimiser: [log sigma_f^2, log length_1..d, log sigma_n^2].
  VectorXd packed() const;
  static GpHyper unpack(const VectorXd& eta);
};

// kappa(r) from r^2.
double kernel_correlation(KernelType kernel, double r2);
// g(r) with d kappa / d log length_d = g(r) * (a_d - b_d)^2 / length_d^2 (finite at r = 0 for both kernels).
double kernel_length_factor(KernelType kernel, double r2);

// Training covariance amplitude * kappa + noise * I from explicit differences (exact zeros on the diagonal).
MatrixXd training_covariance(KernelType kernel, const GpHyper& hyper, const MatrixXd& x);
// amplitude * kappa between the rows of a (B x d) and b (n x d); entry (i, j) depends only on rows i and j.
void cross_covariance(KernelType kernel, const GpHyper& hyper, const MatrixXd& a, const MatrixXd& b, MatrixXd& k);

}  // namespace flowprior
