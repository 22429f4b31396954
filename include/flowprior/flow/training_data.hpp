#pragma once
// Training data a flow can learn from (issue 19): degenerate samples are refused before any training, with the
// source (file) named, instead of giving a flow with log densities of -1e28 or a silently different standardisation.
#include <string>
#include <vector>

#include "flowprior/core/samples.hpp"

namespace flowprior {

// Error when the samples (parameter columns, optional weights) cannot train a flow:
// - fewer than 2 samples, or no more samples than parameters (n <= d: the sample covariance is singular);
// - a parameter with the same value in every sample (a point mass has no density);
// - weights whose effective sample size (sum w)^2 / sum w^2 is at most the number of parameters (e.g. ESS 1:
//   all weight on one sample).
// Warns when the effective sample size is below 100 (a flow then mostly learns the noise of the sample): on stderr,
// or, when `warnings` is given, appended there instead (train_flow passes them on to its TrainSummary).
// Weights are judged after rescaling by their largest value, so all-1e308 (whose sum overflows) and denormal
// weights are accepted as the equal weights they are.
void check_training_data(const Samples& samples, const std::string& source,
                         std::vector<std::string>* warnings = nullptr);

// The weights divided by their largest value when that is far from 1 (below 1e-100 or above 1e100), else
// unchanged (bit for bit). Error when the largest weight is not positive and finite.
VectorXd rescaled_weights(const VectorXd& weights, const std::string& source);

}  // namespace flowprior
