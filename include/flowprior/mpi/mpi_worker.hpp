#pragma once
// The loop of worker ranks (1..K-1): receive a batch share with its density key, evaluate, reply; until rank 0's stop
// message. Errors of the density (resolving the key or evaluating it) are sent to rank 0 as messages, never thrown
// here; a broken communicator throws MpiFailure.
//
// Test hook: FLOWPRIOR_MPI_TEST_FAULT="RANK:BATCH:throw" makes rank RANK's likelihood throw in its BATCH-th batch
// (1-based); "RANK:BATCH:die" kills that rank there (SIGKILL), as a crashed node would.
#include <functional>
#include <memory>
#include <string>

#include "flowprior/core/log_density.hpp"

namespace flowprior::mpi {

// Rebuilds the density a key names (called once per key; the result is cached). Throws if it cannot.
using DensityResolver = std::function<std::shared_ptr<const LogDensity>(const std::string& key)>;

void serve_evaluations(const DensityResolver& resolve);

}  // namespace flowprior::mpi
