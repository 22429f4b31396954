#pragma once
// Affine-invariant ensemble MCMC (emcee v3 semantics): red-blue update, stretch / DE / DE-snooker / walk moves
// drawn per step by weight, strict acceptance f + lp(q) - lp(x) > ln U with -inf handled and NaN an error.
// Randomness of step s is Rng(seed, stream_id({kStepStream, phase, s})): a pure function of (seed, step), so a run
// resumed from its file at step k continues with exactly the stream an uninterrupted run uses. Proposals are drawn
// serially; only the half-batch evaluations run on threads, so 1 and N threads give bitwise identical chains.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "flowprior/core/log_density.hpp"
#include "flowprior/core/messages.hpp"
#include "flowprior/core/samples.hpp"

namespace flowprior {

enum class MoveKind { stretch, de, de_snooker, walk };

struct Move {
  MoveKind kind = MoveKind::stretch;
  double weight = 1.0;
  double a = 2.0;              // stretch scale
  double sigma = 1e-5;         // DE relative jitter of gamma
  double gamma0 = 0.0;         // DE gamma; 0 means 2.38 / sqrt(2 D)
  double gamma_snooker = 1.7;  // DE snooker gamma
};

// "stretch", "stretch:0.8,de:0.2", "de-snooker:0.1,walk:0.3" (weight defaults to 1). Error names the bad item.
std::vector<Move> parse_moves(const std::string& spec);
std::string to_string(const std::vector<Move>& moves);  // round-trips through parse_moves

// All stored steps of an ensemble run. Row s * walkers + w of `positions` is walker w after step s.
struct Chain {
  int walkers = 0;
  int dim = 0;
  Index steps = 0;
  MatrixXd positions;  // (steps * walkers) x dim
  MatrixXd log_prob;   // steps x walkers
  VectorXd accepted;   // accepted proposals per walker, over all stored steps
  std::vector<std::string> names;

  void reset(int walkers, int dim);
  // append() grows the matrices geometrically; trim() cuts them to exactly `steps` rows (run() and the file
  // reader return trimmed chains).
  void append(const MatrixXd& walker_positions, const VectorXd& walker_log_prob, const VectorXd& accepted_total);
  void reserve(Index total_steps);
  void trim();
  MatrixXd positions_at(Index step) const;    // walkers x dim
  MatrixXd parameter(int j) const;            // steps x walkers
  VectorXd acceptance_fraction() const;       // accepted / steps
  // Rows [discard, steps) step-major (emcee's get_chain(flat=True, discard)), with log_prob as log_density.
  Samples flat(Index discard = 0, Index thin = 1) const;
};

// Receives every completed step (positions, log_prob, cumulative accepted counts); e.g. a file writer.
using StepObserver = std::function<void(Index step, const MatrixXd& positions, const VectorXd& log_prob,
                                        const VectorXd& accepted_total)>;

struct EnsembleOptions {
  std::vector<Move> moves{Move{}};
  std::uint64_t seed = 1;
  int threads = 1;
  // emcee's rule nwalkers >= 2 * dim; off only for experiments.
  bool require_two_walkers_per_dim = true;
  // Two-phase burn-in (paper analysis code): burn_in / 2 steps from the starts, re-seed the walkers at the
  // `walkers` highest-log_prob unique points seen, burn_in - burn_in / 2 more steps; none of it is stored.
  Index burn_in = 0;
  bool progress = false;  // bar on stderr if it is a terminal, else a status line every ~10 s
  // Called before every step (burn-in included); it may throw to stop the run (the Python module raises
  // KeyboardInterrupt from it on Ctrl-C). Steps completed before it throws have reached the observer.
  std::function<void()> interrupt;
  // Warnings (walkers starting at -inf, a burn-in without enough unique points); empty sink: stderr.
  Messages messages;
};

struct EnsembleState {
  MatrixXd positions;  // walkers x dim
  VectorXd log_prob;   // walkers
  VectorXd accepted;   // cumulative accepted counts per walker
  Index step = 0;      // number of production steps completed
};

struct EnsembleSummary {
  std::uint64_t log_prob_calls = 0;
  double wall_seconds = 0.0;
  Index steps_run = 0;
};

class EnsembleSampler {
 public:
  explicit EnsembleSampler(EnsembleOptions options);

  // Checks the starts (finite, >= 2D walkers, not linearly dependent: Error names walker/parameter), evaluates
  // them, runs the optional burn-in, then `steps` production steps. The returned chain holds the production steps.
  Chain run(const LogDensity& target, const MatrixXd& initial_positions, Index steps);

  // Lower-level: checked starting state (burn-in included) ...
  EnsembleState start(const LogDensity& target, const MatrixXd& initial_positions);
  // ... and production steps state.step .. total_steps - 1, each reported to `observer`. Resuming = calling this
  // with the state rebuilt from a file (positions/log_prob of the last stored step, accepted, step count).
  void advance(const LogDensity& target, EnsembleState& state, Index total_steps, const StepObserver& observer);

  const EnsembleSummary& summary() const { return summary_; }
  const EnsembleOptions& options() const { return options_; }

  // The validity checks on a starting ensemble, public for tests and for the command line.
  static void check_initial_positions(const MatrixXd& positions, bool require_two_walkers_per_dim,
                                      const std::vector<std::string>& names);

 private:
  void step(const LogDensity& target, EnsembleState& state, std::uint64_t phase, Index index);
  EnsembleOptions options_;
  EnsembleSummary summary_;
  class EvaluatorHolder;
  std::shared_ptr<EvaluatorHolder> evaluator_;
  // Scratch of step(), kept between steps so that a step of the stretch move allocates nothing (allocation was
  // ~12 % of a cheap target's proposal, issue 21). Holds no state that outlives a step.
  struct StepScratch {
    std::vector<int> label;                 // group of each walker
    std::vector<std::vector<Index>> groups; // walkers of each group
    std::vector<Index> others;              // the active group's complement, in group order
    MatrixXd q;                             // proposals, one row per active walker
    VectorXd f, lp_q, log_u;                // log proposal factors, log_prob at q, log acceptance draws
  };
  StepScratch scratch_;
};

}  // namespace flowprior
