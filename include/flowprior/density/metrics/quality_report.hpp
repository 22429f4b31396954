#pragma once
// All flow-quality metrics of a model sample against a reference sample in one call, each next to its noise
// floor: the same metric between two independent halves of the reference. For a fair comparison every metric
// sees equal sample sizes: half A of the reference against n_used model draws, and half A against half B
// (n_used = min(half size, model rows)). A weighted reference is first resampled by weight (systematic, to its
// Kish effective size) so every metric works on equal-weight points; the NLL uses the weights directly.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flowprior/core/box.hpp"
#include "flowprior/core/log_density.hpp"
#include "flowprior/core/samples.hpp"
#include "flowprior/density/metrics/c2st.hpp"
#include "flowprior/density/metrics/histogram_kl.hpp"
#include "flowprior/density/metrics/moment_z_scores.hpp"

namespace flowprior {

struct QualityOptions {
  HistogramKLOptions histogram;
  MomentOptions moments;
  C2STOptions c2st;
  std::uint64_t seed = 1;  // the split into halves and the weight resampling; also overrides the seeds above
  int threads = 1;         // overrides the thread counts above; results do not depend on it
};

struct QualityReport {
  std::vector<std::string> names;
  Index n_reference = 0;            // rows of the reference
  double reference_effective_size = 0;
  bool reference_weighted = false;
  std::size_t nudged_to_interior = 0;  // reference values exactly on a bound moved inside (logit maps send them to inf)
  Index n_used = 0;                 // points per side in every two-sample comparison

  // Negative log-likelihood of the model density on the (whole, weighted) reference: held out when the
  // reference was not used for training (then NLL = H(p) + KL(p || q), docs/reference/flows.md §12).
  bool has_nll = false;
  double nll = 0;
  double nll_standard_error = 0;
  double nll_half_a = 0, nll_half_b = 0;  // the same on the two halves; floor = |a - b|
  double nll_noise_floor = 0;

  HistogramKL kl, kl_floor;
  MomentZScores moments, moments_floor;
  C2STResult c2st, c2st_floor;
};

// reference: columns matched to box.names() by name. model: n x d draws in box order (e.g. FlowPrior::sample).
// model_density (optional) gives the held-out NLL.
QualityReport assess_quality(const Samples& reference, const MatrixXd& model, const Box& box,
                             const QualityOptions& options = {}, const LogDensity* model_density = nullptr);

// Resampling by weight: `count` points, systematic (one uniform offset), in the original row order. Deterministic.
std::vector<Index> systematic_resample(const VectorXd& weights, Index count, std::uint64_t seed);

nlohmann::json quality_report_to_json(const QualityReport& report);
std::string quality_report_table(const QualityReport& report);  // readable, fixed-width, one metric per line

}  // namespace flowprior
