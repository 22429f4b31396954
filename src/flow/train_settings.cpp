#include "flowprior/flow/train_settings.hpp"

namespace flowprior {

FlowTrainSettings preconditioner_flow_settings() {
  FlowTrainSettings s;
  s.arch = "maf";
  s.layers = 4;
  s.hidden = 32;
  s.hidden_layers = 2;
  s.epochs = 200;
  s.patience = 10;
  s.validation = 0.2;
  s.use_weights = true;
  s.progress = false;
  return s;
}

TrainOptions to_train_options(const FlowTrainSettings& s) {
  TrainOptions options;
  options.loss = loss_from_string(s.loss);
  options.flow.arch = flow_arch_from_string(s.arch);
  options.flow.layers = s.layers > 0 ? s.layers : (options.flow.arch == FlowArch::realnvp ? 6 : 5);
  options.flow.hidden = s.hidden;
  options.flow.hidden_layers = s.hidden_layers;
  options.flow.bins = s.bins;
  options.flow.tail_bound = s.tail_bound;
  validate(options.flow);
  options.batch_size = s.batch;
  options.learning_rate = s.lr;
  options.max_epochs = s.epochs;
  options.patience = s.patience;
  options.validation_fraction = s.validation;
  options.clip_norm = s.clip;
  options.seed = s.seed;
  options.use_weights = s.use_weights;
  options.threads = s.threads;
  options.progress = s.progress;
  return options;
}

}  // namespace flowprior
