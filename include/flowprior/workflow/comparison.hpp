#pragma once
// Sequential against joint (or any two samples): the paper's <D_KL> and the C2ST, each next to its noise floor
// (the same metric between two halves of the reference), and per-parameter shifts of mean and width in units of
// their Monte Carlo error. The verdict rule (stated, so a reader can check it):
//   inconsistent if  C2ST > C2ST_floor + 3 sqrt(SE^2 + SE_floor^2)   (the classifier separates them)
//                or  <D_KL> > 1.5 <D_KL>_floor
//                or  |mean shift| > 4 MC sigma  or  |width shift| > 4 MC sigma  for any parameter;
//   consistent otherwise. MC errors use the Kish effective size of each sample (sd / sqrt(ESS) for the mean,
//   sd / sqrt(2 ESS) for the width), or the effective sizes passed in (e.g. from chain autocorrelation times).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flowprior/core/box.hpp"
#include "flowprior/core/samples.hpp"

namespace flowprior {

struct ComparisonOptions {
  double c2st_sigmas = 3.0;
  double kl_factor = 1.5;
  double shift_sigmas = 4.0;
  // Practical margins (equivalence-test style): a difference must be statistically resolved (above) AND larger than
  // these to make the verdict "inconsistent"; resolved but smaller differences are listed as notes. With 1e4
  // particles the Monte Carlo resolves mean shifts of a few hundredths of a posterior sd, far below what matters.
  double mean_tolerance = 0.1;   // |mean_model - mean_reference| in units of the reference posterior sd
  double width_tolerance = 0.1;  // |sd_model / sd_reference - 1|
  double c2st_tolerance = 0.05;  // C2ST accuracy above its noise floor (0.05 ~ total variation distance 0.1)
  int kl_bins = 0;  // 0 = auto: ~10 points per 2-D bin, in [5, 75] (75 = the paper's, for ~1e5 points)
  int c2st_neighbours = 25;
  Index max_per_class = 4000;
  std::uint64_t seed = 1;
  int threads = 1;
  double model_effective_size = 0;      // 0 = Kish ESS of the model sample
  double reference_effective_size = 0;  // 0 = Kish ESS of the reference sample
};

struct ParameterShift {
  std::string name;
  double mean_model = 0, mean_reference = 0, sd_model = 0, sd_reference = 0;
  double mean_shift_sigma = 0;   // (mean_model - mean_reference) / MC error of the difference
  double width_shift_sigma = 0;  // (sd_model - sd_reference) / MC error of the difference
};

struct Comparison {
  std::string verdict;               // "consistent" | "inconsistent"
  std::vector<std::string> reasons;  // every rule that fired, or why it is consistent
  std::vector<std::string> notes;    // differences the Monte Carlo resolves but below the practical margins
  double d_kl = 0, d_kl_noise = 0;
  double c2st = 0, c2st_se = 0, c2st_noise = 0, c2st_noise_se = 0;
  Index n_used = 0;
  std::vector<ParameterShift> shifts;
};

// Weighted mean and standard deviation of each column.
void weighted_moments(const MatrixXd& x, const VectorXd& weights, VectorXd& mean, VectorXd& sd);

// model: e.g. the sequential result; reference: e.g. the joint result. Columns matched to box names.
Comparison compare_samples(const Samples& model, const Samples& reference, const Box& box,
                           const ComparisonOptions& options = {});

nlohmann::json comparison_to_json(const Comparison& comparison);
Comparison comparison_from_json(const nlohmann::json& j);

}  // namespace flowprior
