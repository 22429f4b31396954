#include "flowprior/workflow/run_context.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "flowprior/core/digest.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/density/defensive_mixture.hpp"
#include "flowprior/density/product_prior.hpp"
#include "flowprior/flow/flow_file.hpp"
#include "flowprior/flow/flow_on_box.hpp"
#include "flowprior/workflow/imported_posterior.hpp"
#include "flowprior/workflow/likelihood_builder.hpp"
#include "flowprior/workflow/stage_parameters.hpp"
#include "workflow/file_helpers.hpp"

namespace flowprior {

// Defined beside its rule in checks/hand_over_check.cpp.
HandOverRecord hand_over_record(const AnalysisConfig& config, const RunOutput& earlier, const RunOutput& later,
                                std::vector<std::string>& warnings);

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using workflow_detail::path_in;

json sampler_json(const SamplerConfig& s) {
  return json{{"kind", to_string(s.kind)}, {"n_active", s.n_active},   {"n_effective", s.n_effective},
              {"n_total", s.n_total},      {"warmup_blocks", s.warmup_blocks}, {"precondition", s.precondition},
              {"max_iterations", s.max_iterations}, {"walkers", s.walkers}, {"steps", s.steps},
              {"burn_in", s.burn_in},      {"thin", s.thin},           {"moves", s.moves},
              {"start", std::vector<double>(s.start.data(), s.start.data() + s.start.size())},
              {"start_scale", s.start_scale}};
}

// What determines a run's result (RunRequest::settings). The data file is identified by name and content
// (file_digest), not by its path: the same analysis started from another working directory resumes, and edited
// data never reuse old runs. The model adds its own identity (DatasetModel::identity).
json run_settings(const AnalysisConfig& config, const std::vector<std::string>& datasets, const std::string& prior,
                  const SamplerConfig& sampler, std::uint64_t seed, const Box& run_box) {
  json d = json::array();
  for (const auto& name : datasets) {
    const DatasetConfig& c = config.dataset(name);
    json entry = {{"name", c.name}, {"data", fs::path(c.data_file).filename().string()},
                  {"data_fnv1a", file_digest(c.data_file)}, {"value", c.value_column},
                  {"error", c.error_column}, {"errors", c.error_columns},
                  {"correlated", c.correlated_columns}, {"observables", c.observables},
                  {"scale", c.scale == ObservableScale::log ? "log" : "linear"}};
    const json identity = c.model->identity();
    for (const auto& [key, value] : identity.items()) entry[key] = value;
    if (!c.pseudo_point.empty()) {
      entry["pseudo_data"] = c.pseudo_point;
      entry["pseudo_data_seed"] = c.pseudo_seed;
    }
    // Only where a stage fixes parameters, so the identities of runs made before stages could fix them stay valid.
    if (const StageConfig* stage = config.stage_of(name); stage && !stage->fixed.empty()) entry["fixed"] = stage->fixed;
    d.push_back(entry);
  }
  json box = json::array();
  for (int j = 0; j < run_box.dim(); ++j)
    box.push_back({run_box.names()[static_cast<std::size_t>(j)], run_box.lower()[j], run_box.upper()[j]});
  json settings = {{"datasets", d}, {"prior", prior}, {"sampler", sampler_json(sampler)}, {"seed", seed},
                   {"box", box}, {"map", to_string(run_box.map())}};
  // The run's own parameters (a stage freeing some of them) name the likelihood for MPI worker ranks.
  if (run_box.names() != config.box.names()) settings["parameters"] = run_box.names();
  json priors = json::array();
  bool any = false;
  for (const auto& p : priors_of(config, run_box.names())) {
    priors.push_back(p.to_json());
    any = any || !p.is_uniform();
  }
  if (any) settings["parameter_priors"] = priors;
  return settings;
}

// The flow prior of `stage`, trained on the WEIGHTED particles of the stage before (flow_STAGE.json), or loaded when
// an earlier run of the folder trained it.
std::shared_ptr<const FlowPrior> hand_over_flow(const AnalysisConfig& config, const RunOutput& previous,
                                                const std::string& stage, const std::string& folder,
                                                int threads, std::uint64_t seed, FlowTraining& record,
                                                const Box& flow_box) {
  const std::string file = path_in(folder, "flow_" + stage + ".json");
  record.file = fs::path(file).filename().string();
  if (fs::exists(file)) {
    std::vector<FlowOnBox> members = load_flow_members_file(file);
    for (const auto& m : members) check_flow_names(m, flow_box.names(), file);
    if (members.size() != static_cast<std::size_t>(config.flow_ensemble))
      throw Error(ErrorContext{.file = file, .parameter = "flow.ensemble"},
                  "the run folder's flow has " + std::to_string(members.size()) + " member(s), the configuration asks "
                  "for " + std::to_string(config.flow_ensemble) + ": use a new output folder");
    std::ifstream training(file + ".training.json");  // the training record of the run that made the flow
    if (training) {
      const json t = json::parse(training, nullptr, false);
      if (t.is_object()) record = FlowTraining::from_json(t);
    }
    record.file = fs::path(file).filename().string();
    record.loaded = true;
    return std::make_shared<const FlowPrior>(std::move(members));
  }
  TrainOptions options = config.flow;
  options.seed = seed;
  options.threads = threads;
  options.use_weights = true;  // the hand-over is the WEIGHTED posterior of the earlier stage
  // The paper's KL and Jeffreys losses (arXiv:2509.14911, Sec. 3) need the log target density of every training
  // sample: the earlier stage's unnormalised posterior, log L + log prior, which its run recorded per particle.
  // On the parameters the later stage shares with this one: the earlier posterior's marginal there
  // (workflow/stage_parameters.hpp). The KL and Jeffreys losses then need the marginal's log density, which the
  // particles do not carry: they are refused for such a hand-over (check_stage_parameters).
  Samples training = flow_box.names() == previous.particles.names
                         ? previous.particles
                         : previous.particles.with_columns(flow_box.names(), "stage posterior");
  if (options.loss != Loss::nll) training.log_density = previous.log_likelihood + previous.log_prior;
  std::vector<FlowOnBox> members;
  const std::vector<TrainSummary> summaries = train_flow_ensemble(
      training, flow_box, options, static_cast<std::size_t>(config.flow_ensemble), members);
  const TrainSummary& summary = summaries.front();
  std::string stops;
  for (const auto& s : summaries)
    stops += (stops.empty() ? "" : ", ") + std::to_string(s.epochs) + " (" + s.stop_reason + ")";
  options.messages.status("flow for stage '" + stage + "': " +
         (summaries.size() > 1 ? std::to_string(summaries.size()) + " flows, epochs " + stops
                               : std::to_string(summary.epochs) + " epochs, stop: " + summary.stop_reason));
  save_flow_members_file(file, members);  // atomic (core/output_file.hpp): a killed run leaves no half-written flow
  // The record shows member 1's curves (the report plots them); an ensemble adds every member's stop.
  record.epochs = summary.epochs;
  record.stop_reason = summary.stop_reason;
  record.best_validation_loss = summary.best_validation_loss;
  record.train_loss = summary.train_loss;
  record.validation_loss = summary.validation_loss;
  if (summaries.size() > 1)
    for (const auto& s : summaries) record.ensemble.push_back({s.epochs, s.stop_reason, s.best_validation_loss});
  write_file_atomically(file + ".training.json", record.training_json().dump() + "\n");
  return std::make_shared<const FlowPrior>(std::move(members));
}

}  // namespace

RunPrior stage_prior(const AnalysisConfig& config, const std::vector<std::string>& parameters, PriorKind kind,
                     double epsilon, const std::shared_ptr<const FlowPrior>& flow) {
  // A stage's identity names its prior kind and epsilon, uniform stages included (as run folders always had it).
  const std::string identity = to_string(kind) + ":" + std::to_string(epsilon);
  const Box box = sub_box(config.box, parameters);
  if (kind == PriorKind::uniform) {
    RunPrior own = parameter_run_prior(box, priors_of(config, parameters));
    own.identity = identity;
    return own;
  }
  RunPrior inherited;
  if (kind == PriorKind::flow) {
    inherited = RunPrior{flow, [flow](Index n, Rng& rng) { return flow->sample(n, rng); }, "flow", identity,
                         flow->box()};
  } else {
    auto mixture = std::make_shared<const DefensiveMixture>(flow, epsilon);
    inherited = RunPrior{mixture, [mixture](Index n, Rng& rng) { return mixture->sample(n, rng); }, "mixture",
                         identity, flow->box()};
  }
  if (flow->names() == parameters) return inherited;
  // The flow on the parameters the earlier stage shared, the parameters' own priors on the new ones: each factor
  // normalised on its own box, so the product is on the stage's (workflow/stage_parameters.hpp).
  const std::vector<std::string> fresh = new_parameters(parameters, flow->names());
  auto columns = [&](const std::vector<std::string>& names) {
    std::vector<int> out;
    for (const auto& n : names)
      out.push_back(static_cast<int>(std::find(parameters.begin(), parameters.end(), n) - parameters.begin()));
    return out;
  };
  const RunPrior own = parameter_run_prior(sub_box(config.box, fresh), priors_of(config, fresh));
  auto product = std::make_shared<const ProductPrior>(
      parameters, std::vector<PriorBlock>{{columns(flow->names()), inherited.density, inherited.sample},
                                          {columns(fresh), own.density, own.sample}});
  json fresh_priors = json::object();
  for (const auto& n : fresh) fresh_priors[n] = priors_of(config, {n}).front().to_json();
  return RunPrior{product, [product](Index n, Rng& rng) { return product->sample(n, rng); }, inherited.kind,
                  identity + " x own " + fresh_priors.dump(), box};
}

std::vector<std::string> union_of(const std::vector<std::vector<std::string>>& lists) {
  std::vector<std::string> out;
  for (const auto& l : lists)
    for (const auto& n : l)
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  return out;
}

double kish_size(const VectorXd& w) { return w.sum() * w.sum() / w.squaredNorm(); }

std::vector<StageConfig> reversed_stages(const AnalysisConfig& config) {
  std::vector<StageConfig> out;
  const std::size_t n = config.stages.size();
  for (std::size_t k = 0; k < n; ++k) {
    StageConfig s = config.stages[n - 1 - k];  // its datasets and sampler settings
    s.posterior_file.clear();                 // the reverse order samples every stage
    s.name = "reverse" + std::to_string(k + 1);
    s.prior = k == 0 ? PriorKind::uniform : config.stages[k].prior;
    s.epsilon = config.stages[k].epsilon;
    if (k == 0 && config.checks.reverse_order_n_total > 0) s.sampler.n_total = config.checks.reverse_order_n_total;
    out.push_back(std::move(s));
  }
  return out;
}

RunContext::RunContext(const AnalysisConfig& config, const RunOptions& options)
    : config_(config),
      options_(options),
      folder_(options.output.empty() ? config.output : options.output),
      threads_(options.threads > 0 ? options.threads : std::max(1, config.threads)) {}

std::uint64_t RunContext::seed(StreamPurpose purpose, std::uint64_t index) const {
  return stream_id({config_.seed, purpose_id(purpose), index});
}

RunOutput RunContext::run(const std::string& name, const RunPrior& prior, const std::vector<std::string>& datasets,
                          const SamplerConfig& sampler, std::uint64_t seed, const json& extra_settings) {
  const Box& box = prior.box.dim() > 0 ? prior.box : config_.box;
  SamplerConfig settings = sampler;
  if (box.dim() != config_.box.dim() && settings.start.size() == config_.box.dim()) {
    // `start` names every parameter of [parameters]: the run takes its own.
    VectorXd start(box.dim());
    for (int j = 0; j < box.dim(); ++j)
      start[j] = settings.start[config_.box.index_of(box.names()[static_cast<std::size_t>(j)])];
    settings.start = start;
  }
  RunRequest q{name, folder_, prior, build_likelihood(config_, datasets, box.names()), settings, seed, threads_, {}};
  q.settings = run_settings(config_, datasets, prior.identity, settings, seed, box);
  for (const auto& [key, value] : extra_settings.items()) q.settings[key] = value;
  q.evaluation = options_.evaluation;
  RunOutput out = run_or_load(q, box);
  // Every run's problems reach the summary, also those of the checks' own runs (a loaded run's from its files).
  for (std::string& line : run_warnings(out))
    if (std::find(result.warnings.begin(), result.warnings.end(), line) == result.warnings.end())
      result.warnings.push_back(std::move(line));
  return out;
}

RunPrior RunContext::own_prior(const std::vector<std::string>& parameters) const {
  return parameter_run_prior(sub_box(config_.box, parameters), priors_of(config_, parameters));
}

Sequence RunContext::run_sequence(std::vector<StageConfig> configs, StreamPurpose stage, StreamPurpose flow_purpose) {
  Sequence out;
  out.configs = std::move(configs);
  for (std::size_t k = 0; k < out.configs.size(); ++k) {
    const StageConfig& sc = out.configs[k];
    StageResult record;
    record.name = sc.name;
    record.datasets = sc.datasets;
    record.prior = to_string(sc.prior);
    record.sampler = to_string(sc.sampler.kind);
    std::shared_ptr<const FlowPrior> flow;
    json extra = json::object();
    if (!sc.posterior_file.empty()) {  // an earlier posterior from elsewhere: read, not sampled
      ImportedPosterior imported = import_posterior(sc.name, sc.posterior_file, sc.discard, sc.sampler.thin,
                                                    sub_box(config_.box, sc.parameters), seed(stage, k));
      options_.evaluation.messages.status("stage '" + sc.name + "': " + imported.run.stop_reason + " (" +
             std::to_string(imported.run.particles.size()) + " samples)");
      save_run(imported.run, folder_);
      out.imported_flow = imported.flow;
      out.runs.push_back(std::move(imported.run));
      out.flows.push_back(nullptr);
      const RunOutput& r = out.runs.back();
      record.prior = "file";
      record.sampler = "none";
      record.log_z = r.log_z;
      record.log_z_err = r.log_z_err;
      record.effective_size = r.effective_size;
      record.stop_reason = r.stop_reason;
      out.results.push_back(record);
      continue;
    }
    // The flow stands for the earlier posterior on the parameters both stages free.
    const Box flow_box = k > 0 ? sub_box(config_.box, shared_parameters(sc.parameters, out.configs[k - 1].parameters))
                               : Box();
    if (k > 0 && !out.configs[k - 1].posterior_file.empty() && out.imported_flow && sc.prior != PriorKind::uniform &&
        out.imported_flow->names() == flow_box.names()) {
      // The earlier posterior is a flow file: it is the prior as it is, no training.
      flow = out.imported_flow;
      FlowTraining training;
      training.file = fs::path(out.configs[k - 1].posterior_file).filename().string();
      training.loaded = true;
      training.stop_reason = "flow file of the earlier posterior";
      extra["flow"] = {{"file", training.file}, {"fnv1a", file_digest(out.configs[k - 1].posterior_file)}};
      record.flow = training;
    } else if (sc.prior != PriorKind::uniform) {
      FlowTraining training;
      flow = hand_over_flow(config_, out.runs.back(), sc.name, folder_, threads_, seed(flow_purpose, k), training,
                            flow_box);
      const TrainOptions& f = config_.flow;
      extra["flow"] = {{"file", training.file}, {"arch", to_string(f.flow.arch)},
                       {"loss", to_string(f.loss)}, {"layers", f.flow.layers}, {"hidden", f.flow.hidden},
                       {"hidden_layers", f.flow.hidden_layers}, {"bins", f.flow.bins},
                       {"epochs", f.max_epochs}, {"patience", f.patience}, {"batch_size", f.batch_size},
                       {"learning_rate", f.learning_rate}, {"validation_fraction", f.validation_fraction}};
      // Only when used, so the identities of runs made before ensembles existed stay valid.
      if (config_.flow_ensemble > 1) extra["flow"]["ensemble"] = config_.flow_ensemble;
      record.flow = training;
    }
    out.runs.push_back(run(sc.name, stage_prior(config_, sc.parameters, sc.prior, sc.epsilon, flow), sc.datasets,
                           sc.sampler, seed(stage, k), extra));
    out.flows.push_back(flow);
    const RunOutput& r = out.runs.back();
    if (flow) record.hand_over = hand_over_record(config_, out.runs[k - 1], r, result.warnings);
    record.log_z = r.log_z;
    record.log_z_err = r.log_z_err;
    record.effective_size = r.effective_size;
    record.converged = r.converged;
    record.stop_reason = r.stop_reason;
    out.results.push_back(record);
  }
  return out;
}

std::shared_ptr<const LogDensity> RunContext::likelihood(const std::vector<std::string>& datasets,
                                                         const std::vector<std::string>& parameters) {
  const std::vector<std::string>& names = parameters.empty() ? config_.box.names() : parameters;
  return options_.evaluation.named(build_likelihood(config_, datasets, names),
                                   run_settings(config_, datasets, "", config_.joint_sampler, 0,
                                                sub_box(config_.box, names)),
                                   folder_);
}

Evaluator& RunContext::evaluator() {
  if (!evaluator_) evaluator_ = options_.evaluation.evaluator(threads_);
  return *evaluator_;
}

VectorXd RunContext::exact_weights(const RunOutput& r, const std::vector<std::string>& earlier_datasets) {
  VectorXd log_l, log_pi;
  evaluator().evaluate(*likelihood(earlier_datasets, r.particles.names), r.particles.values, log_l);
  evaluator().evaluate(*own_prior(r.particles.names).density, r.particles.values, log_pi);
  // log w_i = log w_run_i + log L_earlier + log pi - log q: the run's particles reweighted to the exact target.
  VectorXd lw(r.particles.size());
  for (Index i = 0; i < lw.size(); ++i) {
    const double w = r.particles.has_weights() ? r.particles.weights[i] : 1.0;
    lw[i] = (w > 0 ? std::log(w) : -INFINITY) + log_l[i] + log_pi[i] - r.log_prior[i];
  }
  const double m = lw.maxCoeff();
  if (!std::isfinite(m)) throw Error("importance weights: every weight is zero");
  VectorXd w = (lw.array() - m).exp();
  return w / w.sum();
}

ComparisonOptions RunContext::comparison_options(double model_ess, double reference_ess) const {
  ComparisonOptions co;
  co.seed = seed(StreamPurpose::comparison);
  co.threads = threads_;
  co.kl_bins = config_.checks.kl_bins;
  co.c2st_neighbours = config_.checks.c2st_neighbours;
  co.max_per_class = config_.checks.max_per_class;
  co.model_effective_size = model_ess;
  co.reference_effective_size = reference_ess;
  co.mean_tolerance = config_.checks.mean_tolerance;
  co.width_tolerance = config_.checks.width_tolerance;
  co.c2st_tolerance = config_.checks.c2st_tolerance;
  return co;
}

Comparison RunContext::compare_to_joint(const Samples& model, double model_ess) const {
  if (!joint) throw Error("compare_to_joint: no joint run");
  // The joint run frees every parameter some stage frees; the others of its posterior are integrated out.
  const Samples reference =
      joint->particles.names == model.names ? joint->particles : joint->particles.with_columns(model.names, "joint");
  return compare_samples(model, reference, sub_box(config_.box, model.names),
                         comparison_options(model_ess, joint->effective_size));
}

std::vector<std::string> RunContext::all_datasets() const {
  std::vector<std::vector<std::string>> lists;
  for (const auto& s : config_.stages) lists.push_back(s.datasets);
  return union_of(lists);
}

std::optional<std::size_t> RunContext::last_flow_stage() const {
  std::optional<std::size_t> last;
  for (std::size_t k = 0; k < config_.stages.size(); ++k)
    if (config_.stages[k].prior != PriorKind::uniform) last = k;
  return last;
}

std::vector<std::string> RunContext::datasets_before(std::size_t k) const {
  std::vector<std::vector<std::string>> lists;
  for (std::size_t i = 0; i < k; ++i) lists.push_back(config_.stages[i].datasets);
  return union_of(lists);
}

std::string RunContext::not_reweightable(std::size_t k) const {
  if (const std::string why = imported_before(k); !why.empty()) return why;
  const StageConfig& later = config_.stages[k];
  for (std::size_t i = 0; i < k; ++i) {
    const std::vector<std::string> dropped = new_parameters(config_.stages[i].parameters, later.parameters);
    if (!dropped.empty())
      return "stage '" + later.name + "' does not free " + dropped.front() + (dropped.size() > 1 ? " (and others)" : "") +
             " of stage '" + config_.stages[i].name + "': the earlier likelihood cannot be evaluated at its points";
  }
  return {};
}

std::string RunContext::imported_before(std::size_t k) const {
  for (std::size_t i = 0; i < k && i < config_.stages.size(); ++i)
    if (!config_.stages[i].posterior_file.empty())
      return "the posterior of stage '" + config_.stages[i].name + "' comes from " +
             fs::path(config_.stages[i].posterior_file).filename().string() +
             ": its likelihood and prior are not part of this run";
  return {};
}

}  // namespace flowprior
