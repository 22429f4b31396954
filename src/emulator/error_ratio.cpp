#include "flowprior/emulator/error_ratio.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "flowprior/core/error.hpp"
#include "flowprior/core/quantile.hpp"

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

ErrorRatioSummary summarize_error_ratios(const MatrixXd& ratios, double threshold) {
  ErrorRatioSummary s;
  s.count = ratios.size();
  if (s.count == 0) return s;
  std::vector<double> v(ratios.data(), ratios.data() + ratios.size());
  std::sort(v.begin(), v.end());
  s.median = quantile_of_sorted(v, 0.5);
  s.p95 = quantile_of_sorted(v, 0.95);
  s.max = v.back();
  s.points = ratios.rows();
  Index above = 0;
  for (Index b = 0; b < ratios.rows(); ++b) above += ratios.row(b).maxCoeff() > threshold ? 1 : 0;
  s.fraction_points_above = static_cast<double>(above) / static_cast<double>(ratios.rows());
  return s;
}

std::vector<DataPointRatios> per_data_point_ratios(const MatrixXd& ratios, double threshold) {
  std::vector<DataPointRatios> out(static_cast<std::size_t>(ratios.cols()));
  if (ratios.rows() == 0) return out;
  for (Index i = 0; i < ratios.cols(); ++i) {
    std::vector<double> v(ratios.col(i).data(), ratios.col(i).data() + ratios.rows());
    std::sort(v.begin(), v.end());
    DataPointRatios& d = out[static_cast<std::size_t>(i)];
    d.median = quantile_of_sorted(v, 0.5);
    d.p90 = quantile_of_sorted(v, 0.90);
    d.p95 = quantile_of_sorted(v, 0.95);
    d.p99 = quantile_of_sorted(v, 0.99);
    d.max = v.back();
    d.fraction_above = static_cast<double>((ratios.col(i).array() > threshold).count()) / static_cast<double>(v.size());
  }
  return out;
}

}  // namespace flowprior
