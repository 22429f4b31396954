#include "flowprior/workflow/run_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>

#include "flowprior/core/digest.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/evaluator.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/density/defensive_mixture.hpp"
#include "flowprior/density/flow_prior.hpp"
#include "flowprior/flow/flow_file.hpp"
#include "flowprior/flow/flow_on_box.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/workflow/comparison.hpp"
#include "flowprior/workflow/fit_quality.hpp"
#include "flowprior/workflow/hand_over.hpp"
#include "flowprior/workflow/likelihood_builder.hpp"
#include "flowprior/workflow/model_emulators.hpp"
#include "flowprior/workflow/predictive.hpp"
#include "flowprior/workflow/report.hpp"
#include "flowprior/workflow/stage_runner.hpp"
#include "flowprior/workflow/tension.hpp"
#include "workflow/file_helpers.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Seeds of the sub-runs: one stream per purpose and index, so adding a check never changes a stage's result.
enum SeedPurpose : std::uint64_t { kStageSeed = 1, kFlowSeed = 2, kJointSeed = 3, kBAloneSeed = 4, kMixtureSeed = 5,
                                   kCompareSeed = 6, kLostModeSeed = 7, kReverseSeed = 8, kReverseFlowSeed = 9,
                                   kEmulatorSeed = 10 };
std::uint64_t seed_for(std::uint64_t seed, SeedPurpose purpose, std::uint64_t index = 0) {
  return stream_id({seed, purpose, index});
}

json sampler_json(const SamplerConfig& s) {
  return json{{"kind", to_string(s.kind)}, {"n_active", s.n_active},   {"n_effective", s.n_effective},
              {"n_total", s.n_total},      {"warmup_blocks", s.warmup_blocks}, {"precondition", s.precondition},
              {"max_iterations", s.max_iterations}, {"walkers", s.walkers}, {"steps", s.steps},
              {"burn_in", s.burn_in},      {"thin", s.thin},           {"moves", s.moves},
              {"start", std::vector<double>(s.start.data(), s.start.data() + s.start.size())},
              {"start_scale", s.start_scale}};
}

// The data file is identified by name and content (file_digest), not by its path: the same analysis started from
// another working directory (or a moved project) resumes, and edited data never reuse old runs.
json matrix_json(const MatrixXd& m) {
  json rows = json::array();
  for (Index i = 0; i < m.rows(); ++i) {
    json row = json::array();
    for (Index j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
    rows.push_back(row);
  }
  return rows;
}

// What determines a run's result; see RunRequest::settings.
json run_settings(const AnalysisConfig& config, const std::vector<std::string>& datasets, const std::string& prior,
                  const SamplerConfig& sampler, std::uint64_t seed) {
  json d = json::array();
  for (const auto& name : datasets) {
    const DatasetConfig& c = config.dataset(name);
    const char* model = c.model == ModelKind::linear      ? "linear"
                        : c.model == ModelKind::quadratic ? "quadratic"
                        : c.model == ModelKind::hotspot   ? "hotspot"
                                                          : "emulator";
    d.push_back({{"name", c.name}, {"model", model}, {"data", fs::path(c.data_file).filename().string()},
                 {"data_fnv1a", file_digest(c.data_file)}, {"value", c.value_column},
                 {"error", c.error_column}, {"errors", c.error_columns},
                 {"correlated", c.correlated_columns}, {"observables", c.observables},
                 {"scale", c.scale == ObservableScale::log ? "log" : "linear"},
                 {"emulator", fs::path(c.emulator_file).filename().string()},
                 {"matrix", matrix_json(c.matrix)}, {"offset", matrix_json(c.offset)}});
    if (c.model == ModelKind::emulator) d.back()["emulator_fnv1a"] = file_digest(c.emulator_file);
    if (!c.pseudo_point.empty()) {
      d.back()["pseudo_data"] = c.pseudo_point;
      d.back()["pseudo_data_seed"] = c.pseudo_seed;
    }
    if (c.model == ModelKind::hotspot) {
      json fixed = json::object();
      for (const auto& [k, v] : c.hotspot.fixed) fixed[k] = v;
      d.back()["hotspot"] = {{"n_q_free", c.hotspot.n_q_free}, {"n_q", c.hotspot.n_q},
                             {"k_free", c.hotspot.k_free},       {"k", c.hotspot.k},
                             {"sigma_signed", c.hotspot.sigma_signed},
                             {"sigma_b_signed", c.hotspot.sigma_b_signed}, {"fixed", fixed}};
    }
  }
  json box = json::array();
  for (int j = 0; j < config.box.dim(); ++j)
    box.push_back({config.box.names()[static_cast<std::size_t>(j)], config.box.lower()[j], config.box.upper()[j]});
  return json{{"datasets", d}, {"prior", prior}, {"sampler", sampler_json(sampler)}, {"seed", seed},
              {"box", box}, {"map", to_string(config.box.map())}};
}

using workflow_detail::path_in;

std::shared_ptr<const FlowPrior> hand_over_flow(const AnalysisConfig& config, const RunOutput& previous,
                                                const std::string& stage, const std::string& folder,
                                                int threads, std::uint64_t seed,
                                                json& record) {
  const std::string file = path_in(folder, "flow_" + stage + ".json");
  if (fs::exists(file)) {
    std::vector<FlowOnBox> members = load_flow_members_file(file);
    for (const auto& m : members) check_flow_names(m, config.box.names(), file);
    if (members.size() != static_cast<std::size_t>(config.flow_ensemble))
      throw Error(ErrorContext{.file = file, .parameter = "flow.ensemble"},
                  "the run folder's flow has " + std::to_string(members.size()) + " member(s), the configuration asks "
                  "for " + std::to_string(config.flow_ensemble) + ": use a new output folder");
    record["flow_file"] = fs::path(file).filename().string();
    record["flow_loaded"] = true;
    std::ifstream training(file + ".training.json");  // the training record of the run that made the flow
    if (training) {
      const json t = json::parse(training, nullptr, false);
      if (t.is_object())
        for (const auto& [key, value] : t.items()) record[key] = value;
    }
    return std::make_shared<const FlowPrior>(std::move(members));
  }
  TrainOptions options = config.flow;
  options.seed = seed;
  options.threads = threads;
  options.use_weights = true;  // the hand-over is the WEIGHTED posterior of the earlier stage
  std::vector<FlowOnBox> members;
  const std::vector<TrainSummary> summaries = train_flow_ensemble(
      previous.particles, config.box, options, static_cast<std::size_t>(config.flow_ensemble), members);
  const TrainSummary& summary = summaries.front();
  std::string stops;
  for (const auto& s : summaries)
    stops += (stops.empty() ? "" : ", ") + std::to_string(s.epochs) + " (" + s.stop_reason + ")";
  status("flow for stage '" + stage + "': " +
         (summaries.size() > 1 ? std::to_string(summaries.size()) + " flows, epochs " + stops
                               : std::to_string(summary.epochs) + " epochs, stop: " + summary.stop_reason));
  save_flow_members_file(file, members);  // atomic (core/output_file.hpp): a killed run leaves no half-written flow
  // The record shows member 1's curves (the report plots them); an ensemble adds every member's stop.
  json training = {{"flow_epochs", summary.epochs}, {"flow_stop_reason", summary.stop_reason},
                   {"flow_best_validation_loss", summary.best_validation_loss},
                   {"flow_train_loss", summary.train_loss}, {"flow_validation_loss", summary.validation_loss}};
  if (summaries.size() > 1) {
    json list = json::array();
    for (const auto& s : summaries)
      list.push_back({{"epochs", s.epochs}, {"stop_reason", s.stop_reason},
                      {"best_validation_loss", s.best_validation_loss}});
    training["flow_ensemble"] = list;
  }
  record["flow_file"] = fs::path(file).filename().string();
  for (const auto& [key, value] : training.items()) record[key] = value;
  write_file_atomically(file + ".training.json", training.dump() + "\n");
  return std::make_shared<const FlowPrior>(std::move(members));
}

RunPrior stage_prior(PriorKind kind, double epsilon, const std::shared_ptr<const FlowPrior>& flow, const Box& box) {
  if (kind == PriorKind::uniform) return uniform_run_prior(box);
  if (kind == PriorKind::flow)
    return RunPrior{flow, [flow](Index n, Rng& rng) { return flow->sample(n, rng); }, "flow"};
  auto mixture = std::make_shared<const DefensiveMixture>(flow, epsilon);
  return RunPrior{mixture, [mixture](Index n, Rng& rng) { return mixture->sample(n, rng); }, "mixture"};
}

std::vector<std::string> union_of(const std::vector<std::vector<std::string>>& lists) {
  std::vector<std::string> out;
  for (const auto& l : lists)
    for (const auto& n : l)
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  return out;
}

// null in summary.json (and in the returned object, so both say the same) where there is no number.
using workflow_detail::finite_or_null;

// log w_i = log w_stage_i + log L_earlier + log pi - log q: the stage's particles reweighted to the exact target.
VectorXd corrected_log_weights(const RunOutput& run, const VectorXd& log_l_earlier, const VectorXd& log_pi) {
  VectorXd lw(run.particles.size());
  for (Index i = 0; i < lw.size(); ++i) {
    const double w = run.particles.has_weights() ? run.particles.weights[i] : 1.0;
    lw[i] = (w > 0 ? std::log(w) : -INFINITY) + log_l_earlier[i] + log_pi[i] - run.log_prior[i];
  }
  return lw;
}

VectorXd normalise_log_weights(const VectorXd& lw) {
  const double m = lw.maxCoeff();
  if (!std::isfinite(m)) throw Error("importance weights: every weight is zero");
  VectorXd w = (lw.array() - m).exp();
  return w / w.sum();
}

double kish(const VectorXd& w) { return w.sum() * w.sum() / w.squaredNorm(); }

void run_plots(const RunOptions& options, const std::string& folder) {
  if (!options.plots || options.plot_script.empty() || !fs::exists(options.plot_script)) return;
  if (!fs::exists("/usr/bin/python3")) return;
  const std::string probe = "/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1";
  if (std::system(probe.c_str()) != 0) {
    warn("plots skipped: /usr/bin/python3 has no matplotlib");
    return;
  }
  const std::string cmd = "/usr/bin/python3 '" + options.plot_script + "' '" + folder + "' >/dev/null";
  if (std::system(cmd.c_str()) != 0) warn("plotting failed (" + cmd + "); the results are unaffected");
}


// How many of the earlier stage's samples the flow saw where the later posterior lives; a warning when that is too
// few to resolve the flow prior to the verdict's mean margin there.
json hand_over_record(const AnalysisConfig& config, const RunOutput& earlier, const RunOutput& later,
                      std::vector<std::string>& warnings) {
  HandOverCoverage c;
  try {
    c = hand_over_coverage(earlier.particles, later.particles);
  } catch (const Error& e) {
    return {{"error", e.what()}};
  }
  if (c.resolution_sd > config.checks.mean_tolerance) {
    char line[640];
    std::snprintf(line, sizeof line,
                  "stage '%s': only %.0f effective samples of stage '%s' (%.2g%% of its mass) lie in this stage's "
                  "95%% posterior region; there the flow prior is resolved to ~%.2g posterior sd, more than the "
                  "verdict's margin %.2g: give stage '%s' more particles (n_total; for the reverse order [checks] "
                  "reverse_order_n_total), unless the datasets disagree (see the tension check)",
                  later.name.c_str(), c.effective_inside, earlier.name.c_str(), 100.0 * c.fraction, c.resolution_sd,
                  config.checks.mean_tolerance, earlier.name.c_str());
    warnings.push_back(line);
  }
  json j = to_json(c);
  j["earlier_stage"] = earlier.name;
  j["margin_sd"] = config.checks.mean_tolerance;
  j["within_margin"] = c.resolution_sd <= config.checks.mean_tolerance;
  return j;
}

// Runs a sequence of stages (each later stage with a flow trained on the one before) and records each in `out`.
struct Sequence {
  std::vector<RunOutput> stages;
  std::vector<std::shared_ptr<const FlowPrior>> flows;
  json record = json::object();
};

Sequence run_sequence(const AnalysisConfig& config, const std::vector<StageConfig>& stage_configs,
                      const std::string& folder, int threads, SeedPurpose stage_purpose, SeedPurpose flow_purpose,
                      std::vector<std::string>& warnings, const RunEvaluation& evaluation) {
  const Box& box = config.box;
  Sequence out;
  for (std::size_t k = 0; k < stage_configs.size(); ++k) {
    const StageConfig& sc = stage_configs[k];
    json record;
    std::shared_ptr<const FlowPrior> flow;
    if (sc.prior != PriorKind::uniform)
      flow = hand_over_flow(config, out.stages.back(), sc.name, folder, threads,
                            seed_for(config.seed, flow_purpose, k), record);
    RunRequest q{sc.name, folder, stage_prior(sc.prior, sc.epsilon, flow, box),
                 build_likelihood(config, sc.datasets), sc.sampler, seed_for(config.seed, stage_purpose, k), threads,
                 {}};
    q.settings = run_settings(config, sc.datasets, to_string(sc.prior) + ":" + std::to_string(sc.epsilon),
                              sc.sampler, q.seed);
    q.evaluation = evaluation;
    if (flow) {
      const TrainOptions& f = config.flow;
      q.settings["flow"] = {{"file", record["flow_file"]}, {"arch", to_string(f.flow.arch)},
                            {"loss", to_string(f.loss)}, {"layers", f.flow.layers}, {"hidden", f.flow.hidden},
                            {"hidden_layers", f.flow.hidden_layers}, {"bins", f.flow.bins},
                            {"epochs", f.max_epochs}, {"patience", f.patience}, {"batch_size", f.batch_size},
                            {"learning_rate", f.learning_rate}, {"validation_fraction", f.validation_fraction}};
      // Only when used, so the identities of runs made before ensembles existed stay valid.
      if (config.flow_ensemble > 1) q.settings["flow"]["ensemble"] = config.flow_ensemble;
    }
    out.stages.push_back(run_or_load(q, box));
    out.flows.push_back(flow);
    const RunOutput& r = out.stages.back();
    if (flow) record["hand_over"] = hand_over_record(config, out.stages[k - 1], r, warnings);
    record["log_z"] = finite_or_null(r.log_z);
    record["log_z_err"] = finite_or_null(r.log_z_err);
    record["samples"] = r.name + ".csv";
    record["posterior"] = r.name + "_posterior.csv";
    record["diagnostics"] = r.name + "_diagnostics.json";
    record["prior"] = to_string(sc.prior);
    record["sampler"] = to_string(sc.sampler.kind);
    record["datasets"] = sc.datasets;
    record["effective_size"] = r.effective_size;
    record["converged"] = r.converged;
    record["stop_reason"] = r.stop_reason;
    if (!r.converged)
      warnings.push_back("run '" + sc.name + "' did not converge (" + r.stop_reason +
                         "): its samples are not the posterior; increase max_iterations / steps");
    out.record[sc.name] = record;
  }
  return out;
}

// The stages again with their dataset lists in reverse order: the first gets the uniform prior, the others a flow.
std::vector<StageConfig> reversed_stages(const AnalysisConfig& config) {
  std::vector<StageConfig> out;
  const std::size_t n = config.stages.size();
  for (std::size_t k = 0; k < n; ++k) {
    StageConfig s = config.stages[n - 1 - k];  // its datasets and sampler settings
    s.name = "reverse" + std::to_string(k + 1);
    s.prior = k == 0 ? PriorKind::uniform : config.stages[k].prior;
    s.epsilon = config.stages[k].epsilon;
    if (k == 0 && config.checks.reverse_order_n_total > 0) s.sampler.n_total = config.checks.reverse_order_n_total;
    out.push_back(std::move(s));
  }
  return out;
}

ComparisonOptions comparison_options(const AnalysisConfig& config, int threads, double model_ess,
                                     double reference_ess) {
  ComparisonOptions co;
  co.seed = seed_for(config.seed, kCompareSeed);
  co.threads = threads;
  co.kl_bins = config.checks.kl_bins;
  co.c2st_neighbours = config.checks.c2st_neighbours;
  co.max_per_class = config.checks.max_per_class;
  co.model_effective_size = model_ess;
  co.reference_effective_size = reference_ess;
  co.mean_tolerance = config.checks.mean_tolerance;
  co.width_tolerance = config.checks.width_tolerance;
  co.c2st_tolerance = config.checks.c2st_tolerance;
  return co;
}

}  // namespace

nlohmann::json run_analysis(const AnalysisConfig& original_config, const RunOptions& options) {
  AnalysisConfig config = original_config;  // emulators built below are filled into its datasets
  const std::string folder = options.output.empty() ? config.output : options.output;
  const int threads = options.threads > 0 ? options.threads : std::max(1, config.threads);
  fs::create_directories(folder);
  const Box& box = config.box;
  for (const auto& s : config.stages)
    if (s.name == "joint" || s.name == "b_alone" || s.name == "mixture_check" || s.name.rfind("reverse", 0) == 0)
      throw Error(ErrorContext{.file = config.source, .line = s.line, .parameter = "name"},
                  "stage name \"" + s.name + "\" is reserved for the workflow's own runs (joint, b_alone, "
                  "mixture_check, reverse*)");

  json summary;
  summary["config"] = config.source;
  summary["parameters"] = box.names();
  summary["units"] = config.units;
  std::vector<std::string> warnings;
  summary["emulators"] = prepare_model_emulators(config, folder, threads, seed_for(config.seed, kEmulatorSeed));
  for (const auto& [system, e] : summary["emulators"].items())
    if (!e.value("trustworthy", true))
      warnings.push_back("the " + system + " emulator failed its held-out validation (emulator_" + system +
                         "_validation.json)");
  Sequence sequence = run_sequence(config, config.stages, folder, threads, kStageSeed, kFlowSeed, warnings,
                                   options.evaluation);
  std::vector<RunOutput>& stages = sequence.stages;
  std::vector<std::shared_ptr<const FlowPrior>>& flows = sequence.flows;
  summary["stages"] = sequence.record;

  std::vector<std::vector<std::string>> all_lists;
  for (const auto& s : config.stages) all_lists.push_back(s.datasets);
  const std::vector<std::string> all_datasets = union_of(all_lists);

  // Joint run: all datasets, uniform prior.
  std::optional<RunOutput> joint;
  if (config.joint) {
    RunRequest q{"joint", folder, uniform_run_prior(box), build_likelihood(config, all_datasets),
                 config.joint_sampler, seed_for(config.seed, kJointSeed), threads, {}};
    q.settings = run_settings(config, all_datasets, "uniform", q.sampler, q.seed);
    q.evaluation = options.evaluation;
    joint = run_or_load(q, box);
    summary["joint"] = {{"log_z", finite_or_null(joint->log_z)}, {"log_z_err", finite_or_null(joint->log_z_err)},
                        {"samples", "joint.csv"},              {"posterior", "joint_posterior.csv"},
                        {"datasets", all_datasets},            {"effective_size", joint->effective_size}};
    const ComparisonOptions co =
        comparison_options(config, threads, stages.back().effective_size, joint->effective_size);
    Samples last = stages.back().particles;
    const Comparison c = compare_samples(last, joint->particles, box, co);
    summary["comparison"] = comparison_to_json(c);
    summary["comparison"]["model"] = config.stages.back().name;
    summary["comparison"]["reference"] = "joint";
  } else {
    summary["comparison"] = {{"verdict", "not run"}, {"reasons", {"[joint] enabled = false"}}};
  }

  // Tension between the first stage's datasets (A) and all the others (B).
  json tension = {{"log_r", nullptr}, {"suspiciousness_p", nullptr}};
  {
    std::vector<std::string> b;
    for (const auto& n : all_datasets)
      if (std::find(config.stages[0].datasets.begin(), config.stages[0].datasets.end(), n) ==
          config.stages[0].datasets.end())
        b.push_back(n);
    std::string skip;
    if (!config.checks.tension) skip = "[checks] tension = false";
    else if (b.empty()) skip = "every dataset is in the first stage";
    else if (!joint) skip = "no joint run";
    else if (config.stages[0].prior != PriorKind::uniform || !std::isfinite(stages[0].log_z))
      skip = "the first stage has no evidence under the uniform prior (use sampler = \"smc\")";
    else if (!std::isfinite(joint->log_z)) skip = "the joint run has no evidence (use sampler = \"smc\")";
    if (skip.empty()) {
      SamplerConfig sampler = config.joint_sampler;
      RunRequest q{"b_alone", folder, uniform_run_prior(box), build_likelihood(config, b), sampler,
                   seed_for(config.seed, kBAloneSeed), threads, {}};
      q.settings = run_settings(config, b, "uniform", q.sampler, q.seed);
      q.evaluation = options.evaluation;
      const RunOutput rb = run_or_load(q, box);
      auto evidence = [](const RunOutput& r) {
        return EvidenceRun{r.log_z, r.log_z_err, r.log_likelihood, r.particles.weights};
      };
      const Tension t = dataset_tension(evidence(stages[0]), evidence(rb), evidence(*joint));
      tension = tension_to_json(t);
      tension["datasets_a"] = config.stages[0].datasets;
      tension["datasets_b"] = b;
    } else {
      tension["skipped"] = skip;
    }
  }
  summary["tension"] = tension;

  // The last stage with a flow prior: flow-prior error and lost modes.
  json flow_check = {{"ess_fraction", nullptr}};
  json lost = {{"detected", nullptr}};
  std::optional<std::size_t> last_flow;
  for (std::size_t k = 0; k < config.stages.size(); ++k)
    if (config.stages[k].prior != PriorKind::uniform) last_flow = k;
  if (last_flow) {
    const std::size_t k = *last_flow;
    const StageConfig& sc = config.stages[k];
    std::vector<std::vector<std::string>> earlier_lists(all_lists.begin(), all_lists.begin() + static_cast<long>(k));
    const std::vector<std::string> earlier = union_of(earlier_lists);
    const auto like_earlier = options.evaluation.named(  // (named for MPI ranks, when there are any)
        build_likelihood(config, earlier), run_settings(config, earlier, "", config.joint_sampler, 0), folder);
    const auto like_stage = build_likelihood(config, sc.datasets);
    const RunPrior uniform = uniform_run_prior(box);
    const std::unique_ptr<Evaluator> check_evaluator = options.evaluation.evaluator(threads);
    Evaluator& evaluator = *check_evaluator;
    if (config.checks.flow_prior_check) {
      const RunOutput& r = stages[k];
      VectorXd log_l, log_pi;
      evaluator.evaluate(*like_earlier, r.particles.values, log_l);
      evaluator.evaluate(*uniform.density, r.particles.values, log_pi);
      const VectorXd w = normalise_log_weights(corrected_log_weights(r, log_l, log_pi));
      const double ess_stage = r.particles.effective_size();
      const double ess = kish(w);
      Samples corrected{box.names(), r.particles.values, w, {}};
      write_samples_csv(path_in(folder, sc.name + "_corrected.csv"), corrected);
      flow_check = {{"stage", sc.name},
                    {"earlier_datasets", earlier},
                    {"ess", ess},
                    {"ess_fraction", std::min(1.0, ess / ess_stage)},  // the ratio can exceed 1 by noise
                    {"ess_ratio", ess / ess_stage},
                    {"corrected_samples", sc.name + "_corrected.csv"},
                    {"rule", "importance weights L_earlier pi / q on the stage's particles; a small ess_fraction "
                             "(< 0.5) says the flow prior distorted the result"}};
      // The corrected sample against the joint run: if it agrees where the raw stage does not, the difference
      // came from the flow (or defensive-mixture) prior, and the corrected posterior is the one to use.
      if (joint && k + 1 == stages.size()) {
        const ComparisonOptions co = comparison_options(config, threads, std::min(ess, ess_stage), joint->effective_size);
        flow_check["comparison_with_joint"] = comparison_to_json(compare_samples(corrected, joint->particles, box, co));
      }
    } else {
      flow_check["skipped"] = "[checks] flow_prior = false";
    }
    if (config.checks.lost_modes) {
      const LostModeRule rule;
      RunRequest q{"mixture_check", folder,
                   stage_prior(PriorKind::mixture, config.checks.lost_modes_epsilon, flows[k], box),
                   like_stage, sc.sampler, seed_for(config.seed, kMixtureSeed), threads, {}};
      if (q.sampler.kind == SamplerKind::smc) q.sampler.n_total = std::max<Index>(q.sampler.n_total / 2, 64);
      q.settings = run_settings(config, sc.datasets, "mixture:" + std::to_string(config.checks.lost_modes_epsilon),
                                q.sampler, q.seed);
      q.settings["flow_file"] = "flow_" + sc.name + ".json";
      q.evaluation = options.evaluation;
      const RunOutput m = run_or_load(q, box);
      // Typical flow density: log q of the flow's own draws; "far below" = under their rule.quantile quantile.
      Rng rng(seed_for(config.seed, kLostModeSeed));
      const Index draws = 4000;
      const VectorXd self = flows[k]->log_prob(flows[k]->sample(draws, rng));
      std::vector<double> sorted(self.data(), self.data() + self.size());
      std::sort(sorted.begin(), sorted.end());
      const double threshold = sorted[static_cast<std::size_t>(rule.quantile * static_cast<double>(draws))];
      VectorXd log_q, log_l, log_pi;
      evaluator.evaluate(*flows[k], m.particles.values, log_q);
      evaluator.evaluate(*like_earlier, m.particles.values, log_l);
      evaluator.evaluate(*uniform.density, m.particles.values, log_pi);
      const VectorXd w = normalise_log_weights(corrected_log_weights(m, log_l, log_pi));
      double mass = 0, raw_mass = 0;
      const VectorXd raw = m.particles.normalized_weights();
      for (Index i = 0; i < w.size(); ++i)
        if (log_q[i] < threshold) {
          mass += w[i];
          raw_mass += raw[i];
        }
      // The joint run (uniform prior, all data) is the other witness: a sampler that kept every mode puts mass
      // where the flow is negligible exactly when the flow lost something. In many dimensions the defensive
      // mixture alone gives a lost mode too little prior mass for its run to visit it.
      double joint_mass = std::numeric_limits<double>::quiet_NaN();
      if (joint) {
        VectorXd log_q_joint;
        evaluator.evaluate(*flows[k], joint->particles.values, log_q_joint);
        const VectorXd wj = joint->particles.normalized_weights();
        joint_mass = 0;
        for (Index i = 0; i < wj.size(); ++i)
          if (log_q_joint[i] < threshold) joint_mass += wj[i];
      }
      const bool detected = mass > rule.max_mass || (std::isfinite(joint_mass) && joint_mass > rule.max_mass);
      lost = {{"detected", detected},
              {"stage", sc.name},
              {"mass_where_flow_excludes", mass},
              {"joint_mass_where_flow_excludes", finite_or_null(joint_mass)},
              {"mixture_mass_where_flow_excludes", raw_mass},
              {"log_q_threshold", threshold},
              {"reweighting_ess", kish(w)},
              {"rule", "run the stage under the defensive mixture (epsilon " +
                           std::to_string(config.checks.lost_modes_epsilon) +
                           ") and reweight it to L_earlier L_stage pi, and take the joint run; detected if either "
                           "puts more than " + std::to_string(rule.max_mass) +
                           " of its mass where log q is below the " + std::to_string(rule.quantile) +
                           " quantile of log q under q"}};
    } else {
      lost["skipped"] = "[checks] lost_modes = false";
    }
  } else {
    flow_check["skipped"] = "no stage with a flow prior";
    lost["skipped"] = "no stage with a flow prior";
  }
  summary["flow_prior_check"] = flow_check;
  summary["lost_modes"] = lost;

  // chi^2 per dataset at each run's best particle; the sequential posterior after stage k covers the datasets of
  // stages 0..k.
  try {  // a diagnostic: its failure is reported, it never costs the run's summary
    json fit = json::object();
    for (std::size_t k = 0; k < stages.size(); ++k) {
      std::vector<std::vector<std::string>> covered(all_lists.begin(), all_lists.begin() + static_cast<long>(k) + 1);
      const RunOutput& r = stages[k];
      fit[config.stages[k].name] = fit_quality(config, union_of(covered),
                                               r.particles.values.row(best_particle(r.log_likelihood, r.log_prior)));
    }
    if (joint)
      fit["joint"] = fit_quality(config, all_datasets,
                                 joint->particles.values.row(best_particle(joint->log_likelihood, joint->log_prior)));
    summary["fit_quality"] = fit;
  } catch (const std::exception& e) {
    summary["fit_quality"] = {{"error", e.what()}};
    warnings.push_back(std::string("fit quality not computed: ") + e.what());
  }

  // The same stages with the datasets in reverse order, compared with the same joint run.
  if (config.checks.reverse_order) {
    Sequence reverse =
        run_sequence(config, reversed_stages(config), folder, threads, kReverseSeed, kReverseFlowSeed, warnings,
                     options.evaluation);
    json r = {{"stages", reverse.record}};
    if (config.checks.flow_prior_check && reverse.flows.back()) {  // the flow-prior error of the reversed hand-over
      const std::vector<StageConfig> reversed = reversed_stages(config);
      std::vector<std::vector<std::string>> earlier_lists;
      for (std::size_t k = 0; k + 1 < reversed.size(); ++k) earlier_lists.push_back(reversed[k].datasets);
      const std::vector<std::string> earlier = union_of(earlier_lists);
      const RunOutput& last = reverse.stages.back();
      VectorXd log_l, log_pi;
      ThreadEvaluator evaluator(threads);
      evaluator.evaluate(*build_likelihood(config, earlier), last.particles.values, log_l);
      evaluator.evaluate(*uniform_run_prior(box).density, last.particles.values, log_pi);
      const VectorXd w = normalise_log_weights(corrected_log_weights(last, log_l, log_pi));
      r["flow_prior_check"] = {{"stage", last.name}, {"earlier_datasets", earlier},
                               {"ess_fraction", std::min(1.0, kish(w) / last.particles.effective_size())}};
    }
    if (joint) {
      const ComparisonOptions co =
          comparison_options(config, threads, reverse.stages.back().effective_size, joint->effective_size);
      r["comparison"] = comparison_to_json(compare_samples(reverse.stages.back().particles, joint->particles, box, co));
      r["comparison"]["model"] = reverse.stages.back().name;
      r["comparison"]["reference"] = "joint";
    }
    summary["reverse_order"] = r;
  }
  summary["warnings"] = warnings;

  summary["predictive"] = run_posterior_predictive(config, folder);  // cheap: recomputed on every run, also resumed
  write_file_atomically(path_in(folder, "summary.json"), summary.dump(2) + "\n");
  run_plots(options, folder);
  write_run_report(folder, config.source);
  return summary;
}

}  // namespace flowprior
