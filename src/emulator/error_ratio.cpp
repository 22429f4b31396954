#include "flowprior/emulator/error_ratio.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "flowprior/core/error.hpp"

namespace flowprior {

MatrixXd emulator_to_data_error_ratios(const GaussianLikelihood& likelihood, const MatrixXd& x) {
  MatrixXd mean, component_variance;
  likelihood.predict(x, mean, component_variance);
  if (component_variance.cols() == 0)
    throw Error(ErrorContext{.parameter = likelihood.dataset()},
                "the emulator-to-data error ratio needs an emulated likelihood; this one runs the model itself");
  const VectorXd data_sd = likelihood.experimental_covariance().diagonal().array().sqrt();
  MatrixXd ratios(x.rows(), data_sd.size());
  for (Index b = 0; b < x.rows(); ++b) {
    // Sigma_emu = C_total - Sigma_exp on the diagonal (C_total = Sigma_exp + Sigma_emu, gaussian_likelihood.hpp).
    const VectorXd emu_var =
        likelihood.total_covariance(component_variance.row(b)).diagonal() - likelihood.experimental_covariance().diagonal();
    ratios.row(b) = (emu_var.array().max(0.0).sqrt() / data_sd.array()).transpose();
  }
  return ratios;
}

ErrorRatioSummary summarize_error_ratios(const MatrixXd& ratios) {
  ErrorRatioSummary s;
  s.count = ratios.size();
  if (s.count == 0) return s;
  std::vector<double> v(ratios.data(), ratios.data() + ratios.size());
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  s.median = n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  s.max = v.back();
  return s;
}

}  // namespace flowprior
