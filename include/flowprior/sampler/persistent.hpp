#pragma once
// Persistent-sampling SMC (pocoMC's algorithm, Karamanis et al. 2022/2024) with optional flow preconditioning.
//
// Iteration t: (1) the next inverse temperature beta_t is found by bisection so that the ESS of the persistent
// weights over ALL stored particles equals n_effective (dynamic n_effective optional); (2) the evidence estimate at
// beta_t is recorded; (3) optionally a flow is trained on the weighted particles (warm start) and a Student-t fitted
// to their latent images; (4) n_active particles are resampled (systematic) and (5) moved by MCMC (t-pCN in flow
// latent space, or random-walk Metropolis in the box-bijected space u without a flow); (6) the block is stored.
// All MCMC happens in u = box.to_unbounded(x) (or its flow latent) with the log-Jacobians in the target, so draws
// are never clipped to a bound. Stops when beta = 1 and the ESS at beta = 1 reaches n_total.
//
// Randomness: every draw comes from Rng(seed, stream_id({purpose, iteration, step})); likelihoods go through an
// Evaluator whose rows are independent, so any thread count gives bitwise the same result, and a run resumed from
// the checkpoint after iteration k gives bitwise the same result as an uninterrupted one.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "flowprior/core/box.hpp"
#include "flowprior/core/evaluator.hpp"
#include "flowprior/core/log_density.hpp"
#include "flowprior/core/messages.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/flow/train_settings.hpp"
#include "flowprior/sampler/importance_evidence.hpp"
#include "flowprior/sampler/tpcn.hpp"

namespace flowprior {

// What the sampler needs to know about a prior: its density on the box (UniformBox, a flow prior on the box, a
// defensive mixture, ...), the box whose bijection defines u, and a way to draw from it (warm-up blocks).
struct PriorModel {
  const LogDensity& density;
  Box box;
  std::function<MatrixXd(Index, Rng&)> sample;
};

struct SmcIteration;

// Where a run stands after an iteration, for PersistentOptions::on_iteration.
struct SmcProgress {
  const SmcIteration& record;  // the iteration just completed (beta, ESS, log Z, acceptance, calls, ...)
  double ess_at_one = 0;       // ESS of all stored particles at beta = 1 (the stopping rule compares it to n_total)
  Index n_total = 0;
  // Estimated number of iterations of the whole run (>= record.iteration, <= max_iterations; exact once the run
  // is about to stop): tempering from the growth of log beta since the first iteration, then the ESS at beta = 1
  // still missing at the last iteration's gain (or n_active per iteration before beta = 1). An estimate for a
  // progress bar's ETA, not a promise.
  int estimated_iterations = 0;
  bool stopping = false;       // the run stops after this iteration (converged or a limit reached)
};

struct PersistentOptions {
  Index n_active = 256;        // particles moved per iteration (one stored block)
  double n_effective = 512;    // ESS target of the bisection
  Index n_total = 2048;        // stop when beta = 1 and ESS(beta = 1) of all stored particles >= n_total
  int warmup_blocks = 4;       // prior blocks of n_active at beta = 0
  bool dynamic_ess = true;     // pocoMC's unique-sample-size rule adjusts n_effective between iterations
  bool precondition = false;   // flow preconditioning (t-pCN in latent space); false = rwm/tpcn in u
  MutationOptions mutation;    // kernel (rwm default; tpcn is used with precondition), steps rule, acceptance
  int max_iterations = 1000;   // a run stops here (used to "interrupt" runs in tests); resume continues
  std::uint64_t max_likelihood_calls = 0;  // 0 = no limit
  std::uint64_t seed = 1;
  Index posterior_size = 0;    // size of the equal-weight posterior sample; 0 = round(ESS at beta = 1)
  std::string checkpoint;      // written after every iteration when non-empty
  bool resume = false;         // continue from `checkpoint` if it exists
  bool progress = true;        // one line per iteration on stderr
  // Flow preconditioning (only with precondition = true): architecture and training; defaults and every other
  // training setting from preconditioner_flow_settings() (flow/train_settings.hpp).
  std::string flow_arch = preconditioner_flow_settings().arch;
  int flow_layers = preconditioner_flow_settings().layers;
  int flow_hidden = preconditioner_flow_settings().hidden;
  int flow_epochs = preconditioner_flow_settings().epochs;
  int flow_patience = preconditioner_flow_settings().patience;
  Index flow_max_rows = 4096;  // the flow trains on at most this many rows: beyond, a weighted resample of them
  // Draws from the final flow for the importance-sampling evidence (only with precondition = true; 0 = off, and the
  // persistent-sampling estimate is reported instead): the fewest draws of the estimate (plus a pilot of a quarter).
  Index evidence_samples = ImportanceEvidenceOptions{}.samples;
  // Importance sampling in rounds (sampler/importance_evidence.hpp): evidence_rounds proposals, the final flow and
  // wider copies of it (latent base scaled by 1 + 0.1 r in round r), each drawn as often as a pilot of
  // evidence_samples / 4 draws predicts for an error of evidence_tolerance (nat), at least evidence_samples and at
  // most evidence_max_draws draws in all; every draw of every round enters the estimate (balance heuristic), and the
  // number of draws is fixed before they are made. Calibration and cost on the built-in targets: bench/RESULTS.md
  // (evidence calibration, fourth pass).
  int evidence_rounds = ImportanceEvidenceOptions{}.max_rounds;  // defaults declared once, there
  double evidence_tolerance = ImportanceEvidenceOptions{}.tolerance;
  Index evidence_max_draws = ImportanceEvidenceOptions{}.max_draws;
  // A second batch of at most evidence_retry_max_draws draws where the first batch's error exceeds twice what the
  // pilot predicted for it; it alone is then the estimate (plan_second_batch; 0: never).
  Index evidence_retry_max_draws = ImportanceEvidenceOptions{}.retry_max_draws;
  // Called at the start of every iteration and before every minibatch of the preconditioning flow's training; it
  // may throw to stop the run (the Python module raises KeyboardInterrupt from it on Ctrl-C). The checkpoint of
  // the last completed iteration stays on disk, so resume = true continues from there.
  std::function<void()> interrupt;
  // Called on the calling thread after every iteration, once its checkpoint is written (an exception thrown from
  // it stops the run as `interrupt` does, and resume continues after that iteration). It only observes: the
  // result is bitwise the same with or without it. With a callback set, `progress` lines are usually off.
  std::function<void(const SmcProgress&)> on_iteration;
  // Status lines (`progress`) and warnings; empty sinks: stderr. Warnings are also kept in SmcResult::warnings.
  Messages messages;
};

struct SmcIteration {
  int iteration = 0;
  double beta = 0;
  double ess = 0;               // ESS of the persistent weights at beta
  double n_effective = 0;       // target used (changes with dynamic_ess)
  double log_z = 0;             // PS evidence estimate at beta
  double acceptance = 0;
  int steps = 0;
  double scale = 0;             // step size at the end of the mutation
  double correlation = 0;       // stopping statistic at the end of the mutation
  double flow_validation_loss = 0;  // NaN without preconditioning
  int flow_epochs = 0;
  std::uint64_t likelihood_calls = 0;  // cumulative
};

struct SmcResult {
  std::vector<std::string> names;
  MatrixXd x;                  // all stored particles (warm-up included)
  VectorXd weights;            // normalised persistent weights at beta = 1
  VectorXd log_likelihood;
  VectorXd log_prior;
  MatrixXd posterior;          // equal-weight posterior sample (systematic resampling)
  // The reported evidence: log_z_is where it was computed (flow preconditioning and evidence_samples > 0), else
  // log_z_ps. log_z_method names which ("importance" or "persistent"). Workflows and tension use these two fields.
  double log_z = 0;
  double log_z_err = 0;
  std::string log_z_method;
  // Persistent-sampling estimate (all stored particles, mixture weights), kept as a second figure. Its error:
  // sqrt(sum over tempering steps of (1/ESS_t - 1/N_t) + stratified final term). It leans high in d >= 10 (resampled
  // copies not decorrelated by the moves, see bench/RESULTS.md), so it is not the reported one when IS exists.
  double log_z_ps = 0;
  double log_z_ps_err = 0;
  double log_z_is = 0;         // importance sampling from the final flow (NaN without a flow or evidence_samples = 0)
  double log_z_is_err = 0;     // its standard error (delta method: sd of the weights / (sqrt(n) mean))
  double log_z_is_ess = 0;     // ESS of the importance weights (NaN when log_z_is is)
  // Pareto k-hat of the importance weights (Vehtari et al. 2015, arXiv:1507.02646): <= 0.5 the error is reliable,
  // > 0.7 the estimate is not (a warning then). NaN when log_z_is is.
  double log_z_is_khat = 0;
  int log_z_is_rounds = 0;     // importance-sampling rounds used (0 without log_z_is)
  // Likelihood calls of the importance-sampling evidence: the estimate's draws plus the pilot's, and the first batch's
  // where a second one was drawn (0 without log_z_is).
  std::uint64_t log_z_is_draws = 0;
  // Batches of importance draws: 1, or 2 where the first batch's error exceeded twice its plan and a second batch
  // alone became the estimate (0 without log_z_is).
  int log_z_is_batches = 0;
  double ess = 0;              // ESS at beta = 1
  bool converged = false;      // beta = 1 and ESS >= n_total (false when stopped by max_iterations / calls)
  std::string stop_reason;
  std::vector<SmcIteration> iterations;
  std::uint64_t likelihood_calls = 0;
  double wall_seconds = 0;     // cumulative over resumed runs
  // Warnings of this run (not converged, the preconditioning flow's training warnings), also sent to
  // PersistentOptions::messages; the Python module raises them with warnings.warn. Not part of the checkpoint.
  std::vector<std::string> warnings;
};

class PersistentSampler {
 public:
  explicit PersistentSampler(PersistentOptions options) : options_(std::move(options)) {}
  // likelihood: log L on the box; evaluator: where likelihood batches are evaluated (threads).
  SmcResult run(const PriorModel& prior, const LogDensity& likelihood, Evaluator& evaluator) const;
  const PersistentOptions& options() const { return options_; }

 private:
  PersistentOptions options_;
};

}  // namespace flowprior
