#pragma once
// How much the emulator adds to the data's own uncertainty where the posterior lives: for every point x and data
// point i, r_i(x) = sd_emu,i(x) / sd_exp,i, with sd_emu,i the marginal sd of the emulator's prediction (GP variance
// of the kept components plus the dropped components, on the likelihood's scale: ln y for log-scale data) and
// sd_exp,i the data's total marginal error (sqrt of the diagonal of Sigma_exp, correlated sources included).
// A ratio r adds a fraction sqrt(1 + r^2) - 1 to the error of that data point: below 1/3 that is under 6%, so the
// emulator no longer widens the posterior noticeably (issue 18; the usual target of heavy-ion Bayesian analyses).
#include <vector>

#include "flowprior/emulator/gaussian_likelihood.hpp"

namespace flowprior {

// The target: sd_emu / sd_exp below a third at posterior points.
inline constexpr double kErrorRatioTarget = 1.0 / 3.0;

struct ErrorRatioSummary {
  Index count = 0;       // points x data points
  double median = 0.0;   // over all entries
  double p95 = 0.0;      // 95th percentile over all entries
  double max = 0.0;
  Index points = 0;      // rows (posterior points)
  // Fraction of the points where some data point's ratio exceeds the threshold (kErrorRatioTarget by default).
  double fraction_points_above = 0.0;
};

// One data point (a column) over the posterior points: its distribution of ratios.
struct DataPointRatios {
  double median = 0.0, p90 = 0.0, p95 = 0.0, p99 = 0.0, max = 0.0;
  double fraction_above = 0.0;  // fraction of the points where this data point's ratio exceeds the threshold
};

// B x m ratios (row = point of x, column = data point); Error when the likelihood has no emulator.
MatrixXd emulator_to_data_error_ratios(const GaussianLikelihood& likelihood, const MatrixXd& x);
// Quantiles and maximum over all entries, and the fraction of rows with an entry above `threshold` (count 0:
// nothing given).
ErrorRatioSummary summarize_error_ratios(const MatrixXd& ratios, double threshold = kErrorRatioTarget);
// Each column's distribution over the rows.
std::vector<DataPointRatios> per_data_point_ratios(const MatrixXd& ratios, double threshold = kErrorRatioTarget);

}  // namespace flowprior
