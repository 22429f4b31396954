#pragma once
#include <vector>

#include "flowprior/core/rng.hpp"
#include "flowprior/core/types.hpp"

namespace flowprior {

// The preconditioning flow's training set from the weighted particles: the fewest rows of largest weight that keep
// 99 % of the ESS and 99.9 % of the mass (the rest carry negligible mass), with their weights. If more than max_rows
// of them are needed, a systematic resample of max_rows draws from all particles stands in for them, each drawn row
// weighted by its count: an unbiased picture of the weighted particles at a bounded training cost. Why not the
// max_rows largest weights: at beta = 1 the stored particles' weights are nearly equal, and the largest sit in the
// high-likelihood core (elsewhere the tempered blocks add more to a particle's denominator,
// sampler/persistent_weights.hpp), so the flow learned a narrowed posterior. Measured on HotSpot-UPC scenario U's
// reverse first stage (n_total 40 000, bench/RESULTS.md "Persistent sampler: the flow's training rows"): once the
// ESS passed 4096 the t-pCN acceptance fell from 0.6 to 0.23, every iteration ran to max_steps, and the final flow's
// importance weights had k-hat 0.88.
struct TrainingRows {
  std::vector<Index> rows;  // ascending indices into the particles
  VectorXd weights;         // one per row: the particle's weight, or its count in the resample
};

// w: normalised weights of all stored particles; rng: used only when the resample is needed.
TrainingRows flow_training_rows(const VectorXd& w, Index max_rows, Rng& rng);

}  // namespace flowprior
