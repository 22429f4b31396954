#pragma once
// Proposal generators of the ensemble moves (internal to the sampler). Each draws its randomness from the step's
// Rng in a fixed order, so the proposals depend only on (seed, step).
#include <vector>

#include "flowprior/core/rng.hpp"
#include "flowprior/sampler/ensemble.hpp"

namespace flowprior::detail {

// How many groups the red-blue update splits the walkers into for this move (snooker needs three others).
int move_splits(const Move& move);
// Fewest walkers a complement must hold for the move (Error in the sampler otherwise).
int move_min_complement(const Move& move);

// Proposals q (one row per active walker, in order) and log proposal factors f for the walkers groups[g]; the
// other groups (in order) are the complement, all at their current positions. `others` is the caller's scratch
// (it receives the complement's walkers, group after group); q and f keep their storage between calls.
void propose(const Move& move, const MatrixXd& positions, const std::vector<std::vector<Index>>& groups, int g,
             Rng& rng, std::vector<Index>& others, MatrixXd& q, VectorXd& f);

}  // namespace flowprior::detail
