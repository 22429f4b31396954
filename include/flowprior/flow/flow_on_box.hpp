#pragma once
// A flow prior on a parameter box: q_box(x) = q(to_unbounded(x)) |du/dx|; integrates to 1 over the box,
// sampling never leaves it (no rejection).
#include <nlohmann/json.hpp>

#include "flowprior/core/box.hpp"
#include "flowprior/core/samples.hpp"
#include "flowprior/flow/flow.hpp"
#include "flowprior/flow/train.hpp"

namespace flowprior {

struct FlowOnBox {
  Box box;
  Flow flow;
  nlohmann::json training;  // summary, options, data provenance

  VectorXd log_prob(const MatrixXd& x) const;  // -inf outside the open box
  MatrixXd sample(Index n, Rng& rng) const;
};

// High level: Samples on the box (columns matched to box names by name; weight and log_density columns honoured).
// Values exactly on a bound are nudged inside by Box::kDefaultMargin * width with one warning counting them;
// values outside the box or NaN are an Error naming row and parameter. log_density of x is converted to u-space by
// adding log|dx/du| for kl/jeffreys.
TrainSummary train_flow(const Samples& samples, const Box& box, const TrainOptions& options, FlowOnBox& out);

nlohmann::json to_json(const TrainOptions& options);
nlohmann::json to_json(const TrainSummary& summary);

}  // namespace flowprior
