#include "flowprior/flow/flow_on_box.hpp"
#include "flowprior/core/stream_purpose.hpp"

#include <cmath>
#include <limits>

#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/flow/training_data.hpp"

namespace flowprior {

VectorXd FlowOnBox::log_prob(const MatrixXd& x) const {
  MatrixXd u;
  VectorXd log_jac;
  box.to_unbounded(x, u, log_jac);
  VectorXd out = flow.log_prob(u);
  for (Index i = 0; i < out.size(); ++i)  // outside rows: log_jac = -inf, whatever q(0) is
    out(i) = std::isinf(log_jac(i)) ? -std::numeric_limits<double>::infinity() : out(i) + log_jac(i);
  return out;
}

MatrixXd FlowOnBox::sample(Index n, Rng& rng) const {
  MatrixXd u = flow.sample(n, rng), x;
  VectorXd log_jac;
  box.to_box(u, x, log_jac);
  return x;
}

nlohmann::json to_json(const TrainOptions& o) {
  return {{"architecture", to_string(o.flow.arch)},
          {"layers", o.flow.layers},
          {"hidden", o.flow.hidden},
          {"hidden_layers", o.flow.hidden_layers},
          {"bins", o.flow.bins},
          {"tail_bound", o.flow.tail_bound},
          {"loss", to_string(o.loss)},
          {"batch_size", o.batch_size},
          {"learning_rate", o.learning_rate},
          {"max_epochs", o.max_epochs},
          {"patience", o.patience},
          {"validation_fraction", o.validation_fraction},
          {"clip_norm", o.clip_norm},
          {"seed", o.seed},
          {"use_weights", o.use_weights}};
}

nlohmann::json to_json(const TrainSummary& s) {
  auto finite_or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json train = nlohmann::json::array(), val = nlohmann::json::array();
  for (double v : s.train_loss) train.push_back(finite_or_null(v));
  for (double v : s.validation_loss) val.push_back(finite_or_null(v));
  return {{"stop_reason", s.stop_reason},
          {"epochs", s.epochs},
          {"best_epoch", s.best_epoch},
          {"best_validation_loss", finite_or_null(s.best_validation_loss)},
          {"final_train_loss", finite_or_null(s.final_train_loss)},
          {"wall_seconds", s.wall_seconds},
          {"train_loss", train},
          {"validation_loss", val},
          {"nudged_to_interior", s.nudged_to_interior},
          {"skipped_steps", s.skipped_steps},
          {"train_rows", s.train_rows},
          {"validation_rows", s.validation_rows}};
}

TrainSummary train_flow(const Samples& samples, const Box& box, const TrainOptions& options, FlowOnBox& out) {
  const std::string source = "training samples";
  Samples s = samples.with_columns(box.names(), source);
  s.validate(source);
  box.check_in_closed_box(s.values, source);
  std::vector<std::string> warnings;  // to the summary and options.messages
  check_training_data(s, source, &warnings);  // degenerate data are refused before any work (flow/training_data.hpp)
  s.weights = rescaled_weights(s.weights, source);
  const std::size_t nudged = box.nudge_into_interior(s.values, Box::kDefaultMargin);
  if (nudged > 0)
    warnings.push_back("train_flow: moved " + std::to_string(nudged) +
                       " value(s) lying exactly on a bound inside the box by " + std::to_string(Box::kDefaultMargin) +
                       " x width");
  for (const std::string& w : warnings) options.messages.warn(w);
  MatrixXd u;
  VectorXd log_du_dx;
  box.to_unbounded(s.values, u, log_du_dx);
  VectorXd log_density;
  if (options.loss != Loss::nll) {
    if (!s.has_log_density())
      throw Error(ErrorContext{.parameter = "log_density"},
                  "loss " + to_string(options.loss) + " needs a log_density column in the training samples");
    // p_u(u) = p_x(x) |dx/du| = p_x(x) / |du/dx|
    log_density = s.log_density - log_du_dx;
  }
  FlowOnBox result;
  result.box = box;
  TrainSummary summary = train_flow_unbounded(u, s.weights, log_density, options, result.flow, false);
  summary.nudged_to_interior = nudged;
  summary.warnings.insert(summary.warnings.begin(), warnings.begin(), warnings.end());
  // A training that never saw a finite loss (e.g. a learning rate far too large) gives a flow that is no flow:
  // an error, so that no command writes it (issue 19).
  if (summary.stop_reason == "non-finite loss" || !std::isfinite(summary.best_validation_loss))
    throw Error(ErrorContext{.parameter = "learning rate"},
                "flow training failed: non-finite loss after " + std::to_string(summary.epochs) +
                    " epoch(s) (" + std::to_string(summary.skipped_steps) +
                    " skipped steps); lower the learning rate or check the training samples");
  result.training = {{"options", to_json(options)},
                     {"summary", to_json(summary)},
                     {"data", {{"rows", s.size()},
                               {"weighted", s.has_weights()},
                               {"effective_size", s.effective_size()}}}};
  out = std::move(result);
  return summary;
}

bool same_box(const Box& a, const Box& b) {
  return a.names() == b.names() && a.lower() == b.lower() && a.upper() == b.upper() && a.map() == b.map();
}

std::uint64_t ensemble_member_seed(std::uint64_t seed, std::size_t member) {
  return member == 0 ? seed : stream_id({seed, purpose_id(StreamPurpose::flow_ensemble_member), static_cast<std::uint64_t>(member)});
}

std::vector<TrainSummary> train_flow_ensemble(const Samples& samples, const Box& box, const TrainOptions& options,
                                              std::size_t members, std::vector<FlowOnBox>& out) {
  if (members < 1) throw Error(ErrorContext{.parameter = "ensemble"}, "an ensemble needs at least one flow");
  std::vector<TrainSummary> summaries;
  std::vector<FlowOnBox> flows(members);
  for (std::size_t k = 0; k < members; ++k) {
    TrainOptions o = options;
    o.seed = ensemble_member_seed(options.seed, k);
    summaries.push_back(train_flow(samples, box, o, flows[k]));
    if (members > 1) flows[k].training["ensemble_member"] = {{"index", k + 1}, {"of", members}};
  }
  out = std::move(flows);
  return summaries;
}

}  // namespace flowprior
