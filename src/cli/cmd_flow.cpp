// `flowprior flow train|sample|logpdf|check`: train a flow prior on samples inside a parameter box, draw from it,
// evaluate it, and measure it against reference samples with every metric next to its noise floor.
#include <algorithm>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/validators.hpp"
#include "flowprior/core/output_file.hpp"
#include "flowprior/flow/training_data.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/stream_purpose.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/flow/train_settings.hpp"
#include "flowprior/density/flow_prior.hpp"
#include "flowprior/density/metrics/quality_report.hpp"
#include "flowprior/flow/flow_file.hpp"
#include "flowprior/flow/flow_on_box.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/io/params_toml.hpp"

namespace flowprior::cli {
namespace {

// Defaults (arch, loss, layers, batch) from the loss study: examples/loss_study/README.md, rows "realnvp | nll".
struct TrainArgs {
  std::string samples, params, out;
  FlowTrainSettings settings;  // defaults in flowprior/flow/train_settings.hpp
  bool no_weights = false, quiet = false;
  int ensemble = 1;
};

struct SampleArgs {
  std::string flow, out;
  Index n = 0;
  std::uint64_t seed = 1;
  bool with_log_density = false;
};

struct LogpdfArgs {
  std::string flow, points, out;
};

struct CheckArgs {
  std::string flow, samples, json;
  std::uint64_t seed = 1;
  int threads = 1, bins = 75, neighbours = 25, bootstrap = 100;
  Index max_per_class = 10000;
};

// Rows of `samples` matched to the box by column name, with the checks every command shares, so that a bad file
// fails here with its name, row and column rather than deep inside the flow.
Samples samples_on_box(const Samples& samples, const Box& box, const std::string& path) {
  Samples s = samples.with_columns(box.names(), path);
  box.check_in_closed_box(s.values, path);
  return s;
}

void run_train(const TrainArgs& a) {
  require_distinct_output("--out", a.out, {{"--samples", a.samples}, {"--params", a.params}});
  const Box box = read_box_toml(a.params);
  const Samples raw = read_samples_csv(a.samples);
  for (const auto& name : raw.names)
    if (std::find(box.names().begin(), box.names().end(), name) == box.names().end())
      warn("flow train: column '" + name + "' of " + a.samples + " is not a parameter of " + a.params +
           "; ignored");
  const Samples samples = samples_on_box(raw, box, a.samples);
  check_training_data(samples, a.samples);  // degenerate data: an error naming the file, before any training
  FlowTrainSettings settings = a.settings;
  settings.use_weights = !a.no_weights;
  settings.progress = !a.quiet;
  const TrainOptions options = to_train_options(settings);
  if (options.loss != Loss::nll && !samples.has_log_density())
    throw Error(ErrorContext{.file = a.samples, .parameter = "log_density"},
                "loss '" + a.settings.loss + "' needs a log_density column (the target log-density of every sample); "
                "add it or use --loss nll");
  if (a.ensemble < 1) throw Error(ErrorContext{.parameter = "--ensemble"}, "must be at least 1");
  std::vector<FlowOnBox> flows;
  const std::vector<TrainSummary> summaries =
      train_flow_ensemble(samples, box, options, static_cast<std::size_t>(a.ensemble), flows);
  save_flow_members_file(a.out, flows);
  for (std::size_t k = 0; k < summaries.size(); ++k) {
    const TrainSummary& summary = summaries[k];
    const std::string member =
        summaries.size() > 1 ? " member " + std::to_string(k + 1) + "/" + std::to_string(summaries.size()) : "";
    char line[256];
    std::snprintf(line, sizeof line, "flow train%s: %s after %d epochs (best epoch %d, validation loss %.6g), %.1f s",
                  member.c_str(), summary.stop_reason.c_str(), summary.epochs, summary.best_epoch,
                  summary.best_validation_loss, summary.wall_seconds);
    status(line);
  }
}

void run_sample(const SampleArgs& a) {
  if (a.n < 1) throw Error(ErrorContext{.parameter = "-n"}, "must be at least 1");
  require_distinct_output("--out", a.out, {{"--flow", a.flow}});
  const FlowPrior prior(load_flow_members_file(a.flow));
  Rng rng(a.seed, stream_id({purpose_id(StreamPurpose::flow_sample)}));
  Samples out;
  out.names = prior.names();
  out.values = prior.sample(a.n, rng);
  if (a.with_log_density) out.log_density = prior.log_prob(out.values);
  write_samples_csv(a.out, out);
}

void run_logpdf(const LogpdfArgs& a) {
  require_distinct_output("--out", a.out, {{"--flow", a.flow}, {"--points", a.points}});
  const FlowPrior prior(load_flow_members_file(a.flow));
  const Table points = read_csv_table(a.points);
  MatrixXd x(points.values.rows(), prior.dim());
  for (int j = 0; j < prior.dim(); ++j) {
    const int col = points.column(prior.names()[static_cast<std::size_t>(j)]);
    if (col < 0)
      throw Error(ErrorContext{.file = a.points, .parameter = prior.names()[static_cast<std::size_t>(j)]},
                  "column missing (the flow's parameters are matched by name)");
    x.col(j) = points.values.col(col);
  }
  // Points outside the box are legitimate queries: their log density is -inf, written as such.
  write_csv_table(a.out, {"log_prob"}, prior.log_prob(x));
}

void run_check(const CheckArgs& a) {
  require_distinct_output("--json", a.json, {{"--flow", a.flow}, {"--samples", a.samples}});
  const FlowPrior prior(load_flow_members_file(a.flow));
  const Samples reference = samples_on_box(read_samples_csv(a.samples), prior.box(), a.samples);
  QualityOptions options;
  options.seed = a.seed;
  options.threads = a.threads;
  options.histogram.bins = a.bins;
  options.c2st.neighbours = a.neighbours;
  options.c2st.max_per_class = a.max_per_class;
  options.moments.bootstrap = a.bootstrap;
  Rng rng(a.seed, stream_id({purpose_id(StreamPurpose::flow_check)}));
  const MatrixXd model = prior.sample(reference.size(), rng);
  const QualityReport report = assess_quality(reference, model, prior.box(), options, &prior);
  nlohmann::json doc = quality_report_to_json(report);
  doc["flow_file"] = a.flow;
  doc["samples_file"] = a.samples;
  doc["seed"] = a.seed;
  if (a.json == "-") {
    std::printf("%s\n", doc.dump(2).c_str());
    return;
  }
  std::printf("%s", quality_report_table(report).c_str());
  if (!a.json.empty()) write_file_atomically(a.json, doc.dump(2) + "\n");
}

}  // namespace

void register_flow_commands(CLI::App& app) {
  CLI::App* flow = app.add_subcommand("flow", "Train, sample, evaluate and check normalizing-flow priors");
  flow->require_subcommand(1);

  auto t = std::make_shared<TrainArgs>();
  CLI::App* train = flow->add_subcommand("train", "Train a flow prior on samples inside a parameter box");
  train->add_option("--samples", t->samples, "CSV: parameter columns, optional weight and log_density")->required();
  train->add_option("--params", t->params, "TOML box: [parameters] name = [low, high]")->required();
  train->add_option("--arch", t->settings.arch, "realnvp | maf | nsf | nsf-coupling")
      ->check(CLI::IsMember({"realnvp", "maf", "nsf", "nsf-coupling"}));
  train->add_option("--loss", t->settings.loss, "nll | kl | jeffreys (kl/jeffreys need log_density)")
      ->check(CLI::IsMember({"nll", "kl", "jeffreys"}));
  train->add_option("--out", t->out, "Flow file (JSON) to write")->required();
  train->add_option("--seed", t->settings.seed, "Random seed")->check(seed_value());
  train->add_option("--epochs", t->settings.epochs, "Maximum number of epochs")->check(int_range(1, kMaxInt));
  train->add_option("--batch", t->settings.batch, "Minibatch size")->check(int_range(1, kMaxInt));
  train->add_option("--lr", t->settings.lr, "Adam learning rate")->check(real_range_open_low(0, 1e3));
  train->add_option("--layers", t->settings.layers,
                    "RealNVP: checkerboard blocks (default 6); MAF/NSF: transforms (default 5)")
      ->check(int_range(1, 1000));
  train->add_option("--hidden", t->settings.hidden, "MAF/NSF conditioner width")->check(int_range(1, 100000));
  train->add_option("--hidden-layers", t->settings.hidden_layers, "MAF/NSF conditioner depth")->check(int_range(1, 100));
  train->add_option("--bins", t->settings.bins, "NSF spline bins")->check(int_range(2, 1000));
  train->add_option("--tail-bound", t->settings.tail_bound, "NSF spline interval [-B, B] (default: from the data)")->check(real_range_open_low(0, 1e6));
  train->add_option("--patience", t->settings.patience, "Epochs without validation improvement before stopping")
      ->check(int_range(1, kMaxInt));
  train->add_option("--validation", t->settings.validation, "Held-out fraction for validation")->check(real_range(0, 0.9));
  train->add_option("--clip", t->settings.clip, "Global gradient-norm clip (0: none)")->check(real_range(0, 1e300));
  train->add_option("--threads", t->settings.threads, "Threads for the gradient (results do not depend on it)")
      ->transform(thread_count());
  train->add_option("--ensemble", t->ensemble,
                    "Train this many flows (seeds derived from --seed) and write their equal-weight mixture")
      ->check(int_range(1, 64));
  train->add_flag("--no-weights", t->no_weights, "Ignore the weight column");
  train->add_flag("--quiet", t->quiet, "No per-epoch progress on stderr");
  train->callback([t] { run_train(*t); });

  auto s = std::make_shared<SampleArgs>();
  CLI::App* sample = flow->add_subcommand("sample", "Draw samples from a flow prior (always inside its box)");
  sample->add_option("--flow", s->flow, "Flow file (one flow or an ensemble)")->required();
  sample->add_option("-n", s->n, "Number of samples")->required()->check(int_range(1, kMaxCount));
  sample->add_option("--out", s->out, "CSV to write")->required();
  sample->add_option("--seed", s->seed, "Random seed")->check(seed_value());
  sample->add_flag("--with-log-density", s->with_log_density, "Add a log_density column (log prior density)");
  sample->callback([s] { run_sample(*s); });

  auto l = std::make_shared<LogpdfArgs>();
  CLI::App* logpdf = flow->add_subcommand("logpdf", "Normalised log density of a flow prior at given points");
  logpdf->add_option("--flow", l->flow, "Flow file (one flow or an ensemble)")->required();
  logpdf->add_option("--points", l->points, "CSV with the flow's parameter columns (matched by name)")->required();
  logpdf->add_option("--out", l->out, "CSV to write (column log_prob; -inf outside the box)")->required();
  logpdf->callback([l] { run_logpdf(*l); });

  auto c = std::make_shared<CheckArgs>();
  CLI::App* check = flow->add_subcommand("check", "Quality metrics of a flow prior against reference samples, "
                                                  "each with its noise floor");
  check->add_option("--flow", c->flow, "Flow file (one flow or an ensemble)")->required();
  check->add_option("--samples", c->samples, "Reference samples CSV (weights honoured)")->required();
  check->add_option("--json", c->json, "Also write the report as JSON to this file ('-': JSON on stdout only)");
  check->add_option("--seed", c->seed, "Random seed (flow draws, halves, bootstrap, C2ST folds)")->check(seed_value());
  check->add_option("--threads", c->threads, "Threads (results do not depend on it)")->transform(thread_count());
  check->add_option("--hist-bins", c->bins, "Histogram bins per parameter for <D_KL>")->check(int_range(1, 10000));
  check->add_option("--neighbours", c->neighbours, "k of the kNN classifier in C2ST (odd)")->check(int_range(1, 10001));
  check->add_option("--bootstrap", c->bootstrap, "Bootstrap resamples for the moment z-scores")->check(int_range(1, 1000000));
  check->add_option("--max-per-class", c->max_per_class, "C2ST subsample size per class")->check(int_range(2, kMaxCount));
  check->callback([c] { run_check(*c); });
}

}  // namespace flowprior::cli
