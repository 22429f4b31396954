#pragma once
// The preconditioning map of the persistent sampler: a flow trained on the weighted particles in u-space, with
// theta = flow latent. Kept behind this small interface so the sampler core does not depend on flow internals.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "flowprior/core/rng.hpp"
#include "flowprior/core/types.hpp"

namespace flowprior {

struct PersistentOptions;

class LatentMap {
 public:
  virtual ~LatentMap() = default;
  struct TrainInfo {
    double validation_loss = 0;
    int epochs = 0;
    std::vector<std::string> warnings;  // the training's (TrainSummary::warnings)
  };
  // (Re)trains on weighted u (warm start from the previous state when there is one).
  virtual TrainInfo train(const MatrixXd& u, const VectorXd& weights, std::uint64_t seed) = 0;
  virtual void to_latent(const MatrixXd& u, MatrixXd& theta, VectorXd& log_det) const = 0;  // log|dtheta/du|
  virtual void to_data(const MatrixXd& theta, MatrixXd& u, VectorXd& log_det) const = 0;    // log|du/dtheta|
  virtual void sample(Index n, Rng& rng, MatrixXd& u, VectorXd& log_q) const = 0;            // u ~ q, log q(u)
  virtual bool trained() const = 0;
  // Exact state as doubles (checkpoint) and back.
  virtual std::vector<double> state() const = 0;
  virtual void restore(const std::vector<double>& state) = 0;
};

std::unique_ptr<LatentMap> make_flow_map(const PersistentOptions& options, int dim);

}  // namespace flowprior
