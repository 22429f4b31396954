#pragma once
// Training a Flow: Adam, shuffled minibatches, held-out validation, early stopping restoring the best weights,
// global-norm clipping, non-finite steps skipped. Deterministic in the seed and independent of `threads`.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "flowprior/core/messages.hpp"
#include "flowprior/flow/flow.hpp"

namespace flowprior {

enum class Loss { nll, kl, jeffreys };
std::string to_string(Loss loss);
Loss loss_from_string(const std::string& name);  // Error on unknown

// One finished epoch, for TrainOptions::on_epoch.
struct TrainEpoch {
  int epoch = 0;                     // epochs done (1-based)
  int max_epochs = 0;                // the limit; training stops earlier on patience (stopping = true)
  double train_loss = 0;             // mean minibatch loss of this epoch
  double validation_loss = 0;        // held-out loss after it (without a validation set: the loss of its final
                                     // weights on a fixed sample of at most 16384 training rows)
  double best_validation_loss = 0;   // best so far (the weights training returns)
  int best_epoch = 0;
  int patience_left = 0;             // epochs without improvement before early stopping
  bool stopping = false;             // the last epoch: training stops after this call
};

struct TrainOptions {
  FlowConfig flow;
  Loss loss = Loss::nll;
  int batch_size = 512;
  double learning_rate = 1e-3;
  int max_epochs = 500;
  int patience = 20;
  double validation_fraction = 0.1;
  double clip_norm = 5.0;  // <= 0: no clipping
  std::uint64_t seed = 1;
  bool use_weights = true;  // honour per-sample importance weights in every loss
  int threads = 1;          // gradient over fixed chunks of the minibatch; result independent of threads
  bool progress = false;    // epoch, train/validation loss on stderr
  // Called before every minibatch; it may throw to stop training (the Python module raises KeyboardInterrupt
  // from it on Ctrl-C). Not part of the flow file: it changes nothing in the result of a completed training.
  std::function<void()> interrupt;
  // Called after every epoch on the calling thread (between epochs, never inside one); it only observes: the
  // trained flow is bitwise the same with or without it. It may throw to stop training, as `interrupt`.
  std::function<void(const TrainEpoch&)> on_epoch;
  // Status lines (progress) and warnings; empty sinks: stderr. Warnings are also kept in TrainSummary::warnings.
  Messages messages;
};

struct TrainSummary {
  std::string stop_reason;  // "patience", "max_epochs", "non-finite loss"
  int epochs = 0;
  int best_epoch = 0;
  double best_validation_loss = 0;
  double final_train_loss = 0;
  double wall_seconds = 0;
  std::vector<double> train_loss, validation_loss;
  std::size_t nudged_to_interior = 0;
  std::size_t skipped_steps = 0;  // minibatch steps skipped for a non-finite loss or gradient (addition to contract)
  Index train_rows = 0;           // rows used for training / validation (addition to contract)
  Index validation_rows = 0;
  // Warnings of this training (weak data, a validation split without weight, values nudged off a bound), also
  // sent to TrainOptions::messages; the Python module raises them with warnings.warn.
  std::vector<std::string> warnings;
};

// Low level, in R^d (used by the SMC sampler on its particles; warm start when `flow` already has dim()>0 and
// warm_start is true, otherwise a new flow is built from options.flow and standardised on u):
TrainSummary train_flow_unbounded(const MatrixXd& u, const VectorXd& weights /*empty = equal*/,
                                  const VectorXd& log_density /*empty unless kl/jeffreys; log target density of u*/,
                                  const TrainOptions& options, Flow& flow, bool warm_start = false);

// The per-row loss coefficients used by training, exposed for tests: loss value of a batch with log q values
// `log_q`, sample weights `w` (empty = equal) and target log densities `p` (kl/jeffreys), and dloss/dlog_q.
double loss_and_coefficients(Loss loss, const VectorXd& log_q, const VectorXd& w, const VectorXd& p,
                             VectorXd* dloss_dlog_q);

}  // namespace flowprior
