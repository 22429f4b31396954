#pragma once
// A flow prior on a parameter box: q_box(x) = q(to_unbounded(x)) |du/dx|; integrates to 1 over the box,
// sampling never leaves it (no rejection).
#include <cstdint>
#include <vector>

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

// Same parameter names, bounds and box map: flows that can form one ensemble.
bool same_box(const Box& a, const Box& b);

// An ensemble of `members` flows trained on the same samples (density/flow_prior.hpp averages their densities).
// Member 0 is trained with options.seed, so an ensemble of one is train_flow's flow; member k > 0 with
// ensemble_member_seed(seed, k): its own initial weights, validation split and minibatch order.
std::uint64_t ensemble_member_seed(std::uint64_t seed, std::size_t member);
std::vector<TrainSummary> train_flow_ensemble(const Samples& samples, const Box& box, const TrainOptions& options,
                                              std::size_t members, std::vector<FlowOnBox>& out);

nlohmann::json to_json(const TrainOptions& options);
nlohmann::json to_json(const TrainSummary& summary);

}  // namespace flowprior
