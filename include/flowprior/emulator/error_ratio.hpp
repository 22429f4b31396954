#pragma once
// How much the emulator adds to the data's own uncertainty where the posterior lives: for every point x and data
// point i, r_i(x) = sd_emu,i(x) / sd_exp,i, with sd_emu,i the marginal sd of the emulator's prediction (GP variance
// of the kept components plus the dropped components, on the likelihood's scale: ln y for log-scale data) and
// sd_exp,i the data's total marginal error (sqrt of the diagonal of Sigma_exp, correlated sources included).
// A ratio r adds a fraction sqrt(1 + r^2) - 1 to the error of that data point: below 1/3 that is under 6%, so the
// emulator no longer widens the posterior noticeably (issue 18; the usual target of heavy-ion Bayesian analyses).
#include "flowprior/emulator/gaussian_likelihood.hpp"

namespace flowprior {

struct ErrorRatioSummary {
  Index count = 0;       // points x data points
  double median = 0.0;
  double max = 0.0;
};

// B x m ratios (row = point of x, column = data point); Error when the likelihood has no emulator.
MatrixXd emulator_to_data_error_ratios(const GaussianLikelihood& likelihood, const MatrixXd& x);
// Median and maximum over all entries (count 0: nothing given).
ErrorRatioSummary summarize_error_ratios(const MatrixXd& ratios);

}  // namespace flowprior
