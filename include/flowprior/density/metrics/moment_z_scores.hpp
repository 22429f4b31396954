#pragma once
// Moment z-scores of Roch & Shen (docs/reference/paper.md §6): per parameter mean, variance, skewness, excess kurtosis, and per
// lower-triangle pair the covariance, of the model sample against the reference, in units of the bootstrap error
// of the difference. The paper bootstraps only the reference; we bootstrap both samples (both are finite), so
// that two samples of the same distribution give z ~ N(0, 1) per entry.
#include <cstdint>
#include <utility>
#include <vector>

#include "flowprior/core/types.hpp"

namespace flowprior {

struct MomentOptions {
  int bootstrap = 100;      // resamples (with replacement, of the sample's own size)
  std::uint64_t seed = 1;
  int threads = 1;          // resamples run in parallel; each has its own stream, so results do not depend on it
};

enum MomentKind { kMean = 0, kVariance = 1, kSkewness = 2, kExcessKurtosis = 3 };

// Plain statistics of one unweighted sample: d x 4 (mean, variance, skewness, excess kurtosis; biased moments as
// scipy.stats.skew/kurtosis) and the covariance of each lower-triangle pair, in `pairs` order.
struct SampleMoments {
  MatrixXd per_parameter;
  VectorXd covariance;
};
SampleMoments sample_moments(const MatrixXd& x);

struct MomentZScores {
  MatrixXd z;                              // d x 4, signed (model - reference) / sigma
  std::vector<std::pair<int, int>> pairs;  // (i, j), i > j
  VectorXd covariance_z;                   // one per pair
  double max_abs = 0;                      // over all entries of z and covariance_z
  double rms = 0;                          // root mean square over all entries (~1 for equal distributions)
};

MomentZScores moment_z_scores(const MatrixXd& reference, const MatrixXd& model, const MomentOptions& options = {});

}  // namespace flowprior
