#pragma once
// Hand-over coverage: how many of the earlier stage's samples (the flow's training data) lie where the later stage's
// posterior lives. A flow is only as good, in a region, as the samples it saw there: with n effective samples in
// the later posterior's region its density's shape there is known to ~1/sqrt(n) of the later posterior's width,
// whatever the architecture. When the later data cut the earlier posterior down to a small corner (e.g. gamma+p
// data after gamma+Pb alone), n can be tens out of thousands, and the sequential answer moves by that much.
//
// The region is the later posterior's `level` ellipsoid: (x - mean)' cov^-1 (x - mean) <= chi2_d quantile(level),
// with the later particles' weighted mean and covariance (a Gaussian stand-in for its high-density region). The count
// is the Kish size of the weights: for an MCMC chain it counts draws, an upper bound on independent samples. A lost
// mode does not show here (the later posterior inherits the loss): that is the lost-mode check's job.
#include <nlohmann/json.hpp>

#include "flowprior/core/samples.hpp"

namespace flowprior {

struct HandOverCoverage {
  double level = 0.95;
  double fraction = 0.0;          // weighted fraction of the earlier samples inside the region
  double effective_inside = 0.0;  // Kish effective size of the earlier samples inside the region
  double resolution_sd = 0.0;     // 1 / sqrt(effective_inside), in units of the later posterior's width (inf at 0)
};

// Error if the dimensions differ or the later covariance is singular.
HandOverCoverage hand_over_coverage(const Samples& earlier, const Samples& later, double level = 0.95);
nlohmann::json to_json(const HandOverCoverage& c);
HandOverCoverage hand_over_coverage_from_json(const nlohmann::json& j);

}  // namespace flowprior
