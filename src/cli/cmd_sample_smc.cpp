// `flowprior sample --sampler smc`: the persistent sampler (flow-preconditioned t-pCN by default, --no-flow for
// random-walk Metropolis) on a built-in target. --out run.h5 writes the whole run, --out posterior.csv the
// equal-weight posterior (header x1..xd); --json the summary (log_z, log_z_err, log_z_method, log_z_ps, log_z_is,
// likelihood_calls, wall_seconds, ...): log_z is the flow importance-sampling evidence, or without a flow the
// persistent-sampling one.
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/parallel.hpp"
#include "cli/validators.hpp"
#include "flowprior/core/output_file.hpp"
#include "cli/sample_cli.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/format.hpp"
#include "flowprior/density/targets.hpp"
#include "flowprior/density/uniform_box.hpp"
#include "flowprior/sampler/persistent.hpp"
#include "flowprior/sampler/smc_output.hpp"

namespace flowprior::cli {
namespace {

struct SmcCli {
  long particles = 256;
  double n_effective = 0;  // 0: 2 * particles
  long n_total = 0;        // 0: 8 * particles
  bool no_flow = false;
  std::string kernel;      // default: tpcn with a flow, rwm without
  double max_correlation = 0.3;
  int max_steps = 100;
  bool static_ess = false;
  long posterior_size = 0;
  long evidence_samples = -1;  // -1: the sampler's default (PersistentOptions::evidence_samples)
  int evidence_rounds = -1;    // -1: the sampler's default (PersistentOptions::evidence_rounds)
  double evidence_tolerance = -1;  // < 0: the sampler's default (PersistentOptions::evidence_tolerance)
  long evidence_max_draws = -1;    // -1: the sampler's default (PersistentOptions::evidence_max_draws)
  long evidence_retry_max_draws = -1;  // -1: the sampler's default (PersistentOptions::evidence_retry_max_draws)
  std::string checkpoint;
  bool resume = false;
  int max_iterations = 1000;
  bool no_progress = false;
  std::string flow_arch = "maf";
  int flow_layers = 4;
  int flow_hidden = 32;
  int flow_epochs = 200;
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void run_smc(const SampleCommon& common, const SmcCli& c) {
  if (!ends_with(common.out, ".h5") && !ends_with(common.out, ".csv"))
    throw Error(ErrorContext{.parameter = "--out"}, "must end in .h5 (whole run) or .csv (posterior sample)");
  if (c.particles < 2) throw Error(ErrorContext{.parameter = "--particles"}, "must be at least 2");
  require_distinct_output("--checkpoint", c.checkpoint, {{"--out", common.out}, {"--json", common.json}});
  const Target target = make_target(common.target, common.dim);
  auto prior = std::make_shared<UniformBox>(target.prior_box);
  PriorModel model{*prior, target.prior_box, [prior](Index n, Rng& rng) { return prior->sample(n, rng); }};

  PersistentOptions o;
  o.seed = common.seed;
  o.n_active = c.particles;
  o.n_effective = c.n_effective > 0 ? c.n_effective : 2.0 * static_cast<double>(c.particles);
  o.n_total = c.n_total > 0 ? c.n_total : 8 * c.particles;
  o.precondition = !c.no_flow;
  o.mutation.kernel = mutation_kernel_from_string(c.kernel.empty() ? (c.no_flow ? "rwm" : "tpcn") : c.kernel);
  o.mutation.max_correlation = c.max_correlation;
  o.mutation.max_steps = c.max_steps;
  o.dynamic_ess = !c.static_ess;
  o.posterior_size = c.posterior_size;
  if (c.evidence_samples >= 0) o.evidence_samples = c.evidence_samples;
  if (c.evidence_rounds >= 0) o.evidence_rounds = c.evidence_rounds;
  if (c.evidence_tolerance >= 0) o.evidence_tolerance = c.evidence_tolerance;
  if (c.evidence_max_draws >= 0) o.evidence_max_draws = c.evidence_max_draws;
  if (c.evidence_retry_max_draws >= 0) o.evidence_retry_max_draws = c.evidence_retry_max_draws;
  o.checkpoint = c.checkpoint;
  o.resume = c.resume;
  o.max_iterations = c.max_iterations;
  o.progress = !c.no_progress;
  o.flow_arch = c.flow_arch;
  o.flow_layers = c.flow_layers;
  o.flow_hidden = c.flow_hidden;
  o.flow_epochs = c.flow_epochs;

  // Threads, or MPI ranks under mpirun (the likelihood is named so that worker ranks rebuild it).
  const auto likelihood = target_likelihood(common.target, common.dim, common.likelihood_cost_ms);
  const std::unique_ptr<Evaluator> evaluator = make_evaluator(common.threads);
  const SmcResult result = PersistentSampler(o).run(model, *likelihood, *evaluator);

  nlohmann::json extra;
  extra["target"] = target.name;
  extra["dim"] = target.dim;
  extra["seed"] = common.seed;
  extra["mpi_ranks"] = evaluation_ranks();
  extra["exact_log_z"] = target.log_z ? nlohmann::json(*target.log_z) : nlohmann::json(nullptr);
  extra["options"] = {{"particles", o.n_active},       {"n_effective", o.n_effective},
                      {"n_total", o.n_total},          {"precondition", o.precondition},
                      {"kernel", to_string(o.mutation.kernel)}, {"max_correlation", o.mutation.max_correlation},
                      {"dynamic_ess", o.dynamic_ess},  {"evidence_samples", o.evidence_samples},
                      {"evidence_rounds", o.evidence_rounds},
                      {"evidence_tolerance", o.evidence_tolerance},
                      {"evidence_max_draws", o.evidence_max_draws},
                      {"evidence_retry_max_draws", o.evidence_retry_max_draws}};
  const nlohmann::json summary = smc_summary_json(result, extra);
  if (ends_with(common.out, ".csv")) write_smc_posterior_csv(common.out, result);
  else write_smc_hdf5(common.out, result, summary);
  if (!common.json.empty()) write_smc_json(common.json, summary);
}

}  // namespace

// The evidence options' defaults, declared once in ImportanceEvidenceOptions, for the help texts.
const ImportanceEvidenceOptions kEvidenceDefaults{};

SampleRunner add_smc_options(CLI::App& sample) {
  auto c = std::make_shared<SmcCli>();
  auto* g = sample.add_option_group("smc", "Persistent sampler (--sampler smc)");
  g->add_option("--particles", c->particles, "smc: particles moved per iteration (n_active)")->check(int_range(2, kMaxCount));
  g->add_option("--n-effective", c->n_effective, "smc: ESS target of the temperature bisection (default 2 x particles)")
      ->check(real_range_open_low(0, 1e12));
  g->add_option("--n-total", c->n_total, "smc: stop when the ESS at beta = 1 reaches this (default 8 x particles)")
      ->check(int_range(1, kMaxCount));
  g->add_flag("--no-flow", c->no_flow, "smc: no flow preconditioning (random-walk Metropolis in the box-bijected space)");
  g->add_option("--kernel", c->kernel, "smc: rwm | tpcn")->check(CLI::IsMember({"rwm", "tpcn"}));
  g->add_option("--max-correlation", c->max_correlation, "smc: MCMC steps until corr(start, now) is below this")
      ->check(real_range_open_low(0, 1));
  g->add_option("--max-steps", c->max_steps, "smc: at most this many MCMC steps per iteration")->check(int_range(1, 1000000));
  g->add_flag("--static-ess", c->static_ess, "smc: keep n_effective fixed (no dynamic ESS rule)");
  g->add_option("--posterior-size", c->posterior_size, "smc: size of the equal-weight sample (default: ESS)")->check(int_range(0, kMaxCount));
  g->add_option("--evidence-samples", c->evidence_samples, "smc: draws from the final flow for the reported evidence (default " + std::to_string(kEvidenceDefaults.samples) +
                    "; 0: report the persistent-sampling one)")
      ->check(int_range(0, kMaxCount));
  g->add_option("--evidence-rounds", c->evidence_rounds,
                "smc: importance-sampling rounds for the evidence: the final flow and wider copies of it (default " +
                    std::to_string(kEvidenceDefaults.max_rounds) + "; 1: the flow alone)")
      ->check(int_range(1, 100));
  g->add_option("--evidence-tolerance", c->evidence_tolerance,
                "smc: error of log_z_is (nat) a pilot sizes the evidence's draws for (default " +
                    format_g(kEvidenceDefaults.tolerance) + ")")
      ->check(real_range_open_low(0, 1e12));
  g->add_option("--evidence-max-draws", c->evidence_max_draws,
                "smc: draws of all evidence rounds at most (default " + std::to_string(kEvidenceDefaults.max_draws) +
                    "; at least --evidence-samples)")
      ->check(int_range(2, kMaxCount));
  g->add_option("--evidence-retry-max-draws", c->evidence_retry_max_draws,
                "smc: draws of a second evidence batch at most, drawn only where the first batch's error exceeds twice "
                "its plan (default " + std::to_string(kEvidenceDefaults.retry_max_draws) + "; 0: never)")
      ->check(int_range(0, kMaxCount));
  g->add_option("--checkpoint", c->checkpoint, "smc: checkpoint file written after every iteration (--resume continues it)");
  // --resume and --no-progress may already belong to the subcommand (ensemble sampler): share them then.
  CLI::Option* resume = sample.get_option_no_throw("--resume");
  if (!resume) resume = g->add_flag("--resume")->description("continue from the checkpoint if it exists");
  CLI::Option* no_progress = sample.get_option_no_throw("--no-progress");
  if (!no_progress) no_progress = g->add_flag("--no-progress")->description("no progress lines on stderr");
  g->add_option("--max-iterations", c->max_iterations, "smc: stop after this many iterations (resume continues)")
      ->check(int_range(1, kMaxInt));
  g->add_option("--flow-arch", c->flow_arch, "smc: preconditioning flow maf | nsf | nsf-coupling | realnvp");
  g->add_option("--flow-layers", c->flow_layers, "smc: flow transforms")->check(int_range(1, 1000));
  g->add_option("--flow-hidden", c->flow_hidden, "smc: flow hidden width")->check(int_range(1, 100000));
  g->add_option("--flow-epochs", c->flow_epochs, "smc: flow training epochs per iteration (early stopping)")->check(int_range(1, kMaxInt));
  return [c, resume, no_progress](const SampleCommon& common) {
    SmcCli options = *c;
    options.resume = resume->count() > 0;
    options.no_progress = no_progress->count() > 0;
    run_smc(common, options);
  };
}

}  // namespace flowprior::cli
