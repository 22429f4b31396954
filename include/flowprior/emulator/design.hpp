#pragma once
// Space-filling designs for running the physics model: maximin Latin hypercubes in a parameter box.
#include <cstdint>
#include <string>

#include "flowprior/core/box.hpp"

namespace flowprior {

struct DesignOptions {
  std::uint64_t seed = 1;
  int candidates = 10;     // random Latin hypercubes tried; the one with the largest minimum distance is kept
  int swap_iterations = 500;  // then random swaps within a column, kept when the minimum distance does not drop
};

struct DesignSummary {
  double min_distance = 0.0;  // smallest pairwise distance, in the unit cube
};

// n points (n x d, box coordinates), one per stratum of every parameter. Deterministic in the seed.
MatrixXd maximin_latin_hypercube(const Box& box, Index n, const DesignOptions& options = {},
                                 DesignSummary* summary = nullptr);

}  // namespace flowprior
