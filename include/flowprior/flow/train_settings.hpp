#pragma once
// The training settings as the front ends name them (`flowprior flow train` and Python's train_flow): strings for
// architecture and loss, layers 0 = automatic. One conversion to TrainOptions, so both front ends build the same
// options from the same settings and give the same flow file bit for bit.
#include <cstdint>
#include <string>

#include "flowprior/flow/train.hpp"

namespace flowprior {

struct FlowTrainSettings {
  std::string arch = "realnvp";  // defaults of `flow train`, from examples/loss_study (rows "realnvp | nll")
  std::string loss = "nll";
  int layers = 0;  // 0: 6 blocks for RealNVP (the paper's), 5 otherwise
  int hidden = 64, hidden_layers = 2, bins = 8;
  double tail_bound = FlowConfig{}.tail_bound;
  int epochs = 500, batch = 256, patience = 20, threads = 1;
  double lr = 1e-3, validation = 0.1, clip = 5.0;
  std::uint64_t seed = 1;
  bool use_weights = true, progress = true;
};

// The persistent sampler's preconditioning flow (sampler/persistent.hpp): a smaller MAF, retrained (warm-started)
// on the particles at every iteration, with a fifth of them held out; its minibatch is set per training (rows / 4
// in [32, 512]). Declared here beside the hand-over defaults so that every flow-training default has one home.
FlowTrainSettings preconditioner_flow_settings();

// Error for an unknown architecture or loss, or an invalid flow configuration.
TrainOptions to_train_options(const FlowTrainSettings& settings);

}  // namespace flowprior
