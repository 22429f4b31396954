#pragma once
// The persistent sampler's complete state after an iteration, and its checkpoint file. Binary, little-endian
// doubles written bit for bit (so a resumed run is bitwise identical), magic "FLOWPRIOR-SMC", format version 1,
// written to a temporary file and renamed over the target (a crash never leaves a half-written checkpoint).
#include <cstdint>
#include <string>
#include <vector>

#include "flowprior/sampler/persistent.hpp"
#include "flowprior/sampler/persistent_weights.hpp"

namespace flowprior {

struct SmcState {
  // Identity of the run: a checkpoint only resumes the same problem and seed.
  std::uint64_t seed = 0;
  int dim = 0;
  Index n_active = 0;
  // Progress.
  int iteration = 0;
  double beta = 0;
  double n_effective = 0;
  double scale = 0;
  std::uint64_t likelihood_calls = 0;
  double wall_seconds = 0;
  // All stored particles (their log-likelihoods and weight denominators live in `weights`).
  MatrixXd u;
  MatrixXd x;
  VectorXd log_prior;
  PersistentWeights weights;
  std::vector<SmcIteration> records;
  std::vector<double> flow_state;  // empty without preconditioning
};

inline constexpr std::uint32_t kCheckpointVersion = 1;

void save_checkpoint(const std::string& path, const SmcState& state);
// Error naming the file for: missing file, other format, other version, truncated data.
SmcState load_checkpoint(const std::string& path);

}  // namespace flowprior
