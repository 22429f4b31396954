#include "flowprior/workflow/stage_runner.hpp"
#include "flowprior/core/stream_purpose.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "flowprior/core/error.hpp"
#include "flowprior/core/evaluated_density.hpp"
#include "flowprior/core/evaluator.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/density/posterior.hpp"
#include "flowprior/density/uniform_box.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/sampler/diagnostics.hpp"
#include "flowprior/sampler/ensemble.hpp"
#include "flowprior/sampler/hdf_backend.hpp"
#include "flowprior/sampler/smc_output.hpp"
#include "flowprior/sampler/persistent.hpp"
#include "workflow/file_helpers.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;

using workflow_detail::path_in;

nlohmann::json smc_diagnostics(const SmcResult& r) {
  nlohmann::json it = nlohmann::json::array();
  for (const auto& s : r.iterations)
    it.push_back({{"iteration", s.iteration},
                  {"beta", s.beta},
                  {"ess", s.ess},
                  {"n_effective", s.n_effective},
                  {"log_z", s.log_z},
                  {"acceptance", s.acceptance},
                  {"steps", s.steps},
                  {"likelihood_calls", s.likelihood_calls}});
  return nlohmann::json{{"sampler", "smc"},          {"converged", r.converged},
                        {"stop_reason", r.stop_reason}, {"ess", r.ess},
                        {"likelihood_calls", r.likelihood_calls}, {"wall_seconds", r.wall_seconds},
                        {"iterations", it},
                        // log_z of the run is the reported evidence (log_z_method); both estimates for comparison
                        {"log_z_method", r.log_z_method},
                        {"log_z_ps", r.log_z_ps}, {"log_z_ps_err", r.log_z_ps_err},
                        {"log_z_is", r.log_z_is}, {"log_z_is_err", r.log_z_is_err},
                        {"log_z_is_khat", r.log_z_is_khat}, {"warnings", r.warnings}};
}

RunOutput run_smc(const RunRequest& q, const Box& box, Evaluator& evaluator) {
  PersistentOptions o;
  o.n_active = q.sampler.n_active;
  o.n_effective = q.sampler.n_effective;
  o.n_total = q.sampler.n_total;
  o.warmup_blocks = q.sampler.warmup_blocks;
  o.precondition = q.sampler.precondition;
  if (o.precondition) o.mutation.kernel = MutationKernel::tpcn;
  o.max_iterations = q.sampler.max_iterations;
  o.seed = q.seed;
  // One status line per SMC iteration: long runs show where they are (unless a progress callback shows it).
  o.progress = !q.evaluation.smc_progress;
  o.interrupt = q.evaluation.interrupt;
  o.messages.status_sink = q.evaluation.messages.status_sink;
  o.messages.warning_sink = [&q](const std::string& m) { q.evaluation.messages.warn("run '" + q.name + "': " + m); };
  if (q.evaluation.smc_progress)
    o.on_iteration = [&q](const SmcProgress& p) { q.evaluation.smc_progress(q.name, p); };
  if (q.sampler.checkpoint) {
    o.checkpoint = path_in(q.folder, q.name + ".checkpoint");
    o.resume = true;
  }
  PriorModel prior{*q.prior.density, box, q.prior.sample};
  const SmcResult r = PersistentSampler(o).run(prior, *q.likelihood, evaluator);
  write_smc_hdf5(path_in(q.folder, q.name + ".h5"), r, smc_diagnostics(r));
  // Particles with zero weight (early warm-up blocks) carry nothing at beta = 1 and may have log L = -inf.
  std::vector<Index> keep;
  for (Index i = 0; i < r.weights.size(); ++i)
    if (r.weights[i] > 0) keep.push_back(i);
  RunOutput out;
  out.particles.names = box.names();
  out.particles.values.resize(static_cast<Index>(keep.size()), box.dim());
  out.particles.weights.resize(static_cast<Index>(keep.size()));
  out.log_likelihood.resize(static_cast<Index>(keep.size()));
  out.log_prior.resize(static_cast<Index>(keep.size()));
  for (std::size_t k = 0; k < keep.size(); ++k) {
    const Index i = keep[k], row = static_cast<Index>(k);
    out.particles.values.row(row) = r.x.row(i);
    out.particles.weights[row] = r.weights[i];
    out.log_likelihood[row] = r.log_likelihood[i];
    out.log_prior[row] = r.log_prior[i];
  }
  out.posterior = r.posterior;
  out.log_z = r.log_z;
  out.log_z_err = r.log_z_err;
  out.effective_size = out.particles.effective_size();
  out.converged = r.converged;
  out.stop_reason = r.stop_reason;
  out.warnings = r.warnings;
  out.diagnostics = smc_diagnostics(r);
  return out;
}

RunOutput run_ensemble(const RunRequest& q, const Box& box, Evaluator& evaluator) {
  EnsembleOptions o;
  o.moves = parse_moves(q.sampler.moves);
  o.seed = q.seed;
  // Distributed: the likelihood batches go to the evaluator's ranks (with their threads); the sampler runs on one.
  o.threads = q.evaluation.distributed() ? 1 : q.threads;
  o.burn_in = q.sampler.burn_in;
  o.interrupt = q.evaluation.interrupt;
  o.messages = q.evaluation.messages;
  Rng rng(q.seed, stream_id({purpose_id(StreamPurpose::walker_start), 1}));
  MatrixXd start;
  if (q.sampler.start.size() == 0) {
    start = q.prior.sample(q.sampler.walkers, rng);
  } else {  // a small Gaussian ball around the given point, kept inside the box
    start.resize(q.sampler.walkers, box.dim());
    rng.fill_normal(start);
    const VectorXd width = box.upper() - box.lower();
    for (Index i = 0; i < start.rows(); ++i)
      for (int j = 0; j < box.dim(); ++j)
        start(i, j) = std::clamp(q.sampler.start[j] + q.sampler.start_scale * width[j] * start(i, j),
                                 box.lower()[j] + 1e-9 * width[j], box.upper()[j] - 1e-9 * width[j]);
  }
  Posterior target(q.prior.density, q.evaluation.distributed()
                                        ? std::make_shared<EvaluatedDensity>(q.likelihood, evaluator)
                                        : q.likelihood);
  EnsembleSampler sampler(o);
  // The chain goes to NAME.h5 (emcee's HDFBackend layout) step by step as it is made.
  ChainFileMetadata meta;
  meta.flowprior = true;
  meta.seed = q.seed;
  meta.moves = q.sampler.moves;
  meta.burn_in = q.sampler.burn_in;
  auto writer = HdfChainWriter::create(path_in(q.folder, q.name + ".h5"), static_cast<int>(start.rows()),
                                       box.dim(), meta);
  writer->reserve(q.sampler.steps);
  Chain chain;
  chain.names = target.names();
  chain.reset(static_cast<int>(start.rows()), box.dim());
  chain.reserve(q.sampler.steps);
  EnsembleState state = sampler.start(target, start);
  sampler.advance(target, state, q.sampler.steps,
                  [&](Index, const MatrixXd& x, const VectorXd& lp, const VectorXd& acc) {
                    chain.append(x, lp, acc);
                    writer->add_step(x, lp, acc);
                  });
  chain.trim();
  writer->flush();
  writer.reset();
  RunOutput out;
  out.particles = chain.flat(0, q.sampler.thin);
  out.particles.names = box.names();
  out.particles.log_density.resize(0);
  evaluator.evaluate(*q.likelihood, out.particles.values, out.log_likelihood);
  evaluator.evaluate(*q.prior.density, out.particles.values, out.log_prior);
  out.posterior = out.particles.values;
  out.log_z = std::numeric_limits<double>::quiet_NaN();
  out.log_z_err = std::numeric_limits<double>::quiet_NaN();
  const ChainDiagnostics d = diagnose(chain);
  const double tau = std::max(1.0, d.autocorr_time.maxCoeff());
  // emcee's rule: a chain shorter than 50 tau has an unreliable tau and may not have forgotten its start.
  out.converged = static_cast<double>(chain.steps) >= 50.0 * tau;  // burn-in steps are not stored
  out.stop_reason = out.converged ? "steps >= 50 tau" : "chain shorter than 50 autocorrelation times";
  out.effective_size = static_cast<double>(chain.steps) * chain.walkers / tau;
  const std::vector<double> tau_per_parameter(d.autocorr_time.data(),
                                              d.autocorr_time.data() + d.autocorr_time.size());
  out.warnings = d.warnings;
  out.diagnostics = nlohmann::json{{"sampler", "ensemble"},
                                   {"autocorr_time", tau_per_parameter},
                                   {"acceptance_mean", d.acceptance_fraction.mean()},
                                   {"warnings", d.warnings},
                                   {"steps", chain.steps}, {"walkers", chain.walkers}};
  return out;
}

}  // namespace

std::vector<std::string> run_warnings(const RunOutput& out) {
  std::vector<std::string> lines;
  if (!out.converged)
    lines.push_back("run '" + out.name + "' did not converge (" + out.stop_reason +
                    "): its samples are not the posterior; increase max_iterations / steps");
  for (const std::string& text : out.warnings) {
    // The samplers' convergence warnings (sampler/persistent.cpp, sampler/diagnostics.cpp) say what the first line says.
    const bool convergence = text.starts_with("the persistent sampler stopped before convergence") ||
                             text.starts_with("the chain is shorter than");
    if (convergence && !out.converged) continue;
    const std::string line = "run '" + out.name + "': " + text;
    if (std::find(lines.begin(), lines.end(), line) == lines.end()) lines.push_back(line);
  }
  return lines;
}

void save_run(const RunOutput& out, const std::string& folder) {
  const int d = out.particles.dim();
  std::vector<std::string> names = out.particles.names;
  names.insert(names.end(), {"weight", "log_likelihood", "log_prior"});
  MatrixXd table(out.particles.size(), d + 3);
  table.leftCols(d) = out.particles.values;
  table.col(d) = out.particles.has_weights() ? out.particles.weights : VectorXd::Ones(out.particles.size());
  table.col(d + 1) = out.log_likelihood;
  table.col(d + 2) = out.log_prior;
  write_csv_table(path_in(folder, out.name + ".csv"), names, table);
  Samples posterior{out.particles.names, out.posterior, {}, {}};
  write_samples_csv(path_in(folder, out.name + "_posterior.csv"), posterior);
  write_file_atomically(path_in(folder, out.name + "_diagnostics.json"), out.diagnostics.dump(2) + "\n");
  const nlohmann::json marker{{"log_z", out.log_z},
                              {"log_z_err", out.log_z_err},
                              {"effective_size", out.effective_size},
                              {"converged", out.converged},
                              {"stop_reason", out.stop_reason},
                              {"samples", out.name + ".csv"},
                              {"posterior", out.name + "_posterior.csv"}};
  write_file_atomically(path_in(folder, out.name + ".done"), marker.dump(2) + "\n");
}

namespace {

double json_number(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : std::numeric_limits<double>::quiet_NaN();
}

RunOutput load(const std::string& name, const std::string& folder, const Box& box) {
  const std::string marker_path = path_in(folder, name + ".done");
  std::ifstream in(marker_path);
  nlohmann::json marker;
  try {
    marker = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    throw Error(ErrorContext{.file = marker_path}, std::string("corrupt marker: ") + e.what());
  }
  RunOutput out;
  out.name = name;
  out.loaded = true;
  out.log_z = json_number(marker, "log_z");
  out.log_z_err = json_number(marker, "log_z_err");
  out.effective_size = json_number(marker, "effective_size");
  out.converged = marker.value("converged", true);
  out.stop_reason = marker.value("stop_reason", "");
  const std::string csv = path_in(folder, name + ".csv");
  const Table t = read_csv_table(csv, true);
  auto col = [&](const std::string& c) {
    const int j = t.column(c);
    if (j < 0) throw Error(ErrorContext{.file = csv, .parameter = c}, "missing column");
    return VectorXd(t.values.col(j));
  };
  out.particles.names = box.names();
  out.particles.values.resize(t.values.rows(), box.dim());
  for (int j = 0; j < box.dim(); ++j) out.particles.values.col(j) = col(box.names()[static_cast<std::size_t>(j)]);
  out.particles.weights = col("weight");
  out.log_likelihood = col("log_likelihood");
  out.log_prior = col("log_prior");
  out.posterior = read_samples_csv(path_in(folder, name + "_posterior.csv"))
                      .with_columns(box.names(), name + "_posterior.csv")
                      .values;
  std::ifstream din(path_in(folder, name + "_diagnostics.json"));
  if (din) out.diagnostics = nlohmann::json::parse(din, nullptr, false);
  if (const auto w = out.diagnostics.find("warnings"); out.diagnostics.is_object() && w != out.diagnostics.end() &&
                                                       w->is_array())
    for (const auto& text : *w)
      if (text.is_string()) out.warnings.push_back(text.get<std::string>());
  return out;
}

}  // namespace

bool run_is_finished(const std::string& folder, const std::string& name) {
  return fs::exists(path_in(folder, name + ".done"));
}

RunPrior uniform_run_prior(const Box& box) {
  auto uniform = std::make_shared<const UniformBox>(box);
  return RunPrior{uniform, [uniform](Index n, Rng& rng) { return uniform->sample(n, rng); }, "uniform", "uniform",
                  box};
}

RunPrior parameter_run_prior(const Box& box, const std::vector<ParameterPrior>& priors) {
  auto prior = std::make_shared<const IndependentPrior>(box, priors);
  if (prior->all_uniform()) return uniform_run_prior(box);
  return RunPrior{prior, [prior](Index n, Rng& rng) { return prior->sample(n, rng); }, "parameters", "uniform", box};
}

void check_settings(const RunRequest& q) {
  const std::string path = path_in(q.folder, q.name + ".settings.json");
  if (fs::exists(path)) {
    std::ifstream in(path);
    const nlohmann::json old = nlohmann::json::parse(in, nullptr, false);
    if (old != q.settings)
      throw Error(ErrorContext{.file = path},
                  "run '" + q.name + "' in this folder was made with other settings (datasets, sampler, prior, box "
                  "or seed); use another run folder (--out) or delete it");
    return;
  }
  write_file_atomically(path, q.settings.dump(2) + "\n");
}

RunOutput run_or_load(const RunRequest& q, const Box& box) {
  check_settings(q);
  if (run_is_finished(q.folder, q.name)) {
    q.evaluation.messages.status("run '" + q.name + "': finished earlier, loaded from " + q.folder);
    return load(q.name, q.folder, box);
  }
  q.evaluation.messages.status("run '" + q.name + "': " + to_string(q.sampler.kind) + " with " + q.prior.kind + " prior");
  RunRequest run = q;
  run.likelihood = q.evaluation.named(q.likelihood, q.settings, q.folder);
  const std::unique_ptr<Evaluator> evaluator = q.evaluation.evaluator(q.threads);
  RunOutput out =
      run.sampler.kind == SamplerKind::smc ? run_smc(run, box, *evaluator) : run_ensemble(run, box, *evaluator);
  out.name = q.name;
  out.diagnostics["prior"] = q.prior.kind;
  out.diagnostics["log_z"] = out.log_z;
  out.diagnostics["log_z_err"] = out.log_z_err;
  out.diagnostics["effective_size"] = out.effective_size;
  save_run(out, q.folder);
  return out;
}

}  // namespace flowprior
