#pragma once
// The importance-sampling evidence of the persistent sampler, from its final preconditioning flow, in rounds
// (deterministic-mixture multiple importance sampling, Owen & Zhou 2000, JASA 95:135; Veach & Guibas 1995):
//   pilot:   samples / 4 draws, split over the rounds' proposals and combined like the estimate; its delta-method
//            error e and k-hat decide how many draws the estimate gets (plan_importance_rounds); it never enters the
//            estimate;
//   round r: m draws u = flow(z), z = (1 + 0.1 r) eps, eps ~ the defensive latent base (defensive_flow_log_base),
//            r = 0 .. max_rounds - 1, i.e. round 0 is the flow itself and later rounds are wider copies of it;
//   estimate: every draw i of every round weighted by the balance heuristic
//            w_i = p(u_i) / [(1/N) sum_r n_r q_r(u_i)], Z = (1/N) sum_i w_i,
//            so no draw is wasted and a round whose proposal missed mass is covered by the wider ones; where the
//            weights' Pareto k-hat exceeds 0.5 (infinite variance) the largest are Pareto-smoothed (PSIS, Vehtari et
//            al. 2015, arXiv:1507.02646) before Z and its delta-method error are computed, which tames the lone giant
//            weight of a flow that is too narrow in one direction (measured on the 20-D bound-piled target, seed 2:
//            +0.98 +- 0.66 with one batch, +0.25 +- 0.25 after four rounds, -0.015 +- 0.047 smoothed; bench/RESULTS.md).
// Why: the final flow is trained on persistent-sampling particles that are a few per cent too concentrated
// (bench/RESULTS.md, evidence calibration), so at d >= 20 it is often slightly too narrow and a single batch has
// heavy-tailed weights (errors of ~0.1 nat; once ESS 2 of 4096). Every estimate uses all max_rounds proposals (a flow
// alone was measured to miss rare mass of the 20-D mixture: mean pull -0.49 over 67 batches), with as many draws as
// the pilot predicts for an error of `tolerance` (at least `samples`, at most max_draws in all). The number of draws
// is thus fixed before the estimate's draws are made: a rule that stops once the estimate's own error is small was
// measured to lean low (see the .cpp). The widths are fixed in advance; proposals fitted to the weighted
// draws (adaptive multiple importance sampling, Cornuet et al. 2012, arXiv:0907.1254) were measured to bias the
// estimate low (see the .cpp).
// A second batch (plan_second_batch), rarely: where the estimate's error comes out more than twice what its plan
// predicted, the pilot missed part of the weights' tail. Measured over the 800 runs of the calibration at d = 10 and
// 20 (bench/RESULTS.md, "A second batch where the pilot missed the tail"): 7 runs, the worst the 20-D mixture with
// seed 78, planned 6,684 draws for 0.02 nat and got -59.691 +- 0.191 (ESS 27) against an exact -59.915. That batch
// then becomes a second pilot: it sizes a fresh batch of up to retry_max_draws draws for `tolerance` and never enters
// the estimate, which is the fresh batch alone (seed 78: -59.914 +- 0.007), like the first pilot. The price: the
// runs without a second batch are those whose first batch met no giant weight, so they lean low by P(second batch) x
// the discarded batches' mean excess, measured 5 % x 0.088 nat = 0.004 nat on the 20-D mixture (its mean pull went
// from -0.19 to -0.25 over 100 seeds), against a largest error that fell from 0.223 to 0.083 nat over all 800 runs.
// Adding the fresh draws to the first batch's would not remove that lean: the first batch would weigh only its
// 5-20 % share of the draws, and continuing only where the first error was large is the stop-once-small rule the
// .cpp describes.
// Deterministic given the seed: the pilot draws from Rng(seed, stream_id({smc_evidence_pilot})), round r >= 1 from
// Rng(seed, stream_id({smc_evidence_round, r})) and round 0 from Rng(seed, stream_id({smc_evidence})), as before the
// rounds existed; a second batch's round r from Rng(seed, stream_id({smc_evidence_second, r})); the likelihood rows
// are independent.
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "flowprior/core/types.hpp"
#include "flowprior/sampler/persistent_flow.hpp"

namespace flowprior {

// Pareto-smoothed importance sampling's shape diagnostic k-hat of log weights (Vehtari et al. 2015,
// arXiv:1507.02646, Sec. 3, their tail length M = min(n / 5, 3 sqrt(n))): a generalised Pareto distribution fitted to
// the M largest weights above the (M+1)-th largest by the Zhang & Stephens (2009, Technometrics 51:316) estimator with
// Vehtari's weakly informative prior on k. k < 0.5: the weights have a finite variance and the delta-method error is
// reliable; 0.5 < k < 0.7: finite mean, slow convergence; k > 0.7: the estimate is not reliable.
// With fewer than 5 distinct tail weights: 0 (ties, bounded weights), or +inf when the finite weights are fewer than
// M + 1; NaN for an empty vector.
double pareto_khat(const VectorXd& log_weights);
// Pareto-smoothed importance sampling (PSIS, same paper, Sec. 3): the M largest log weights replaced in place by the
// fitted GPD's quantiles at (j - 1/2) / M (capped at the largest raw weight); returns k-hat (the weights are left
// unchanged when it is not finite).
double pareto_smooth(VectorXd& log_weights);

// The balance-heuristic combination of importance-sampling rounds: log_target[i] = log p(u_i) (-inf outside the
// support) and log_q(i, r) = log q_r(u_i) for every draw i and every round r; round_sizes[r] draws were made from
// q_r (the first round_sizes[0] rows, then the next round_sizes[1], ...).
struct MultipleImportance {
  double log_z = 0;      // log of (1/N) sum_i w_i
  double log_z_err = 0;  // delta method over the strata: sqrt(sum_r n_r var_r(w)) / (N Z)
  double ess = 0;        // Kish ESS of all N weights
  double khat = 0;       // pareto_khat of all N weights
  VectorXd log_w;        // log w_i (Pareto-smoothed with smooth = true where k-hat > 0.5)
};
MultipleImportance combine_importance_rounds(const VectorXd& log_target, const MatrixXd& log_q,
                                             const std::vector<Index>& round_sizes, bool smooth = false);

// The latent base of every evidence proposal: per latent coordinate (1 - a) N(0, 1) + a t_nu(0, 1), a = 0.2, nu = 2.
// log density of row `row` of z; and n draws of it.
double defensive_flow_log_base(const MatrixXd& z, Index row);
MatrixXd defensive_flow_base_sample(int dim, Index n, Rng& rng);

struct ImportanceEvidenceOptions {
  Index samples = 4096;     // draws of all rounds at least (the pilot has samples / 4)
  int max_rounds = 4;       // rounds, i.e. proposals of widths 1, 1.1, ... (1: importance sampling from the flow alone)
  double tolerance = 0.02;  // error of log Z (nat) the pilot sizes the rounds for
  Index max_draws = 32768;  // draws of all rounds at most (the pilot's not counted)
  // Draws of a second batch at most, drawn only where the first batch's error exceeds twice its prediction
  // (plan_second_batch; 0: never). Four times max_draws: the first batch of the measured miss (error 0.19 over 6,684
  // draws) asked for ~600,000 draws; 131,072 gave 0.007 nat (its weights' variance had been overstated by one giant
  // weight) for 60 % more likelihood calls than the run without it.
  Index retry_max_draws = 131072;
  std::uint64_t seed = 1;
  bool smooth = true;       // Pareto-smoothed weights where k-hat > 0.5 (false: raw weights; bench comparisons)
};

// How many draws the estimate gets, from the pilot's error e over pilot_draws draws: max_rounds rounds of
// clamp(pilot_draws (e / tolerance)^2 / max_rounds, samples / max_rounds, max_draws / max_rounds) draws each (the
// delta-method variance falls as 1 / draws); all of max_draws when e is not finite or the pilot's k-hat exceeds 0.7.
struct EvidencePlan {
  int rounds = 1;
  Index draws_per_round = 0;
};
EvidencePlan plan_importance_rounds(double pilot_log_z_err, double pilot_khat, Index pilot_draws,
                                    const ImportanceEvidenceOptions& options);

// Whether the estimate's batch gets a second one, and how large: the first batch's error first_err over first_draws
// draws (rounds rounds) against its prediction, the pilot's error scaled to the planned draws
// (pilot_err sqrt(pilot_draws / first_draws); `tolerance` where the pilot's error is not finite or its k-hat exceeds
// 0.7). Where first_err > 2 max(tolerance, prediction): the same rounds with
// clamp(ceil(first_draws (first_err / tolerance)^2 / rounds), ceil(first_draws / rounds), retry_max_draws / rounds)
// draws each; none (draws_per_round = 0) otherwise, where first_err is not finite, or where retry_max_draws / rounds
// is not more than the first batch had.
EvidencePlan plan_second_batch(double pilot_log_z_err, double pilot_khat, Index pilot_draws, double first_err,
                               Index first_draws, int rounds, const ImportanceEvidenceOptions& options);

struct ImportanceEvidence {
  double log_z = 0, log_z_err = 0, ess = 0, khat = 0;
  int rounds = 0;
  Index draws = 0;  // draws of the estimate (all rounds)
  Index pilot_draws = 0;
  double pilot_log_z_err = 0, pilot_khat = 0;
  // The first batch where a second one was drawn (plan_second_batch): its draws (0 without a second batch), estimate
  // and error; a diagnostic, never part of the estimate.
  Index first_draws = 0;
  double first_log_z = NAN, first_log_z_err = NAN;
  std::vector<double> round_log_z, round_log_z_err, round_khat;  // combined estimate after each round (diagnostics)
};

// log p(u) of rows of u (prior x likelihood x |dx/du|; -inf outside the support); it evaluates the likelihood.
using LogTargetU = std::function<void(const MatrixXd& u, VectorXd& log_p)>;

ImportanceEvidence adaptive_importance_evidence(const LatentMap& flow, int dim, const ImportanceEvidenceOptions& options,
                                                const LogTargetU& log_target);

// Pareto k-hat above which importance sampling is not reliable (Vehtari et al., arXiv:1507.02646, Sec. 3).
inline constexpr double kImportanceKhatUnreliable = 0.7;

// Which evidence a run reports: the importance-sampling one when it exists (finite, with a finite error) and its
// k-hat is at most 0.7; otherwise the persistent-sampling one. Above 0.7 the draws have not seen the weights' tail,
// so the importance estimate and its error cannot be trusted (a measured case is in src/sampler/persistent.cpp).
bool report_importance_evidence(double log_z_is, double log_z_is_err, double khat);

// A reported evidence error (nat) above which a run warns: the goal for evidences (bench/RESULTS.md, evidence
// calibration), and the size of error that moves a tension's log R by a noticeable fraction of a nat.
inline constexpr double kEvidenceErrorWarnAbove = 0.1;

}  // namespace flowprior
