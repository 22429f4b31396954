#include "flowprior/sampler/importance_evidence.hpp"

#include <algorithm>
#include <cmath>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/core/stream_purpose.hpp"
#include "flowprior/sampler/persistent_weights.hpp"
#include "flowprior/sampler/tpcn.hpp"

namespace flowprior {
namespace {

// Defensive latent base (1 - a) N(0, 1) + a t_nu(0, 1) per coordinate (Hesterberg 1995, Technometrics 37:185; Owen &
// Zhou 2000). Why per coordinate: mass piled against a bound has a finite density at the bound, which the logit box
// map turns into an exponential tail in u (p(u) ~ e^u), and a flow with a Gaussian base and Lipschitz layers cannot
// make tails heavier than Gaussian (Jaini et al. 2020, arXiv:1907.04481, Sec. 3). The target then has heavier tails
// than the flow in each latent coordinate that carries a bound-piled parameter, the weights have infinite variance,
// and both the estimate and its error come out too small (bench/RESULTS.md, evidence calibration: with a = 0.1 of a
// d-dimensional t_4 the 10-D bound-piled target still missed by 0.21 with ESS 34). A Student-t factor per coordinate
// bounds the weight where one coordinate is deep in its tail while the others are in the bulk, which is where a
// multivariate t puts almost no mass. Cost for a perfect flow: ESS x 1.02^-d (0.82 at d = 10, 0.67 at d = 20).
constexpr double kDefensiveFraction = 0.2, kDefensiveNu = 2;
// Widening of the latent base per round: round r draws z = (1 + 0.1 r) eps. Fixed in advance (not fitted to the
// draws): fitting the proposal to the weighted draws and then reweighting those same draws with it (AMIS) was measured
// to bias the estimate low by 0.1-0.2 nat on the 20-D bound-piled target (a draw with a large weight pulls the fitted
// proposal towards itself, which lowers its own weight), whether the fit was the flow itself or an affine map of its
// latent space; with proposals fixed in advance the balance-heuristic estimate is unbiased.
constexpr double kScaleStep = 0.1;
// Pareto smoothing only where the raw weights' variance is infinite (k-hat > 0.5): below, the raw estimate is
// unbiased with a reliable error and smoothing was measured to lean it low (10-D bound-piled target, mean pull -0.42
// with smoothing everywhere against -0.18 with this rule, 20 seeds).
constexpr double kSmoothAbove = 0.5;

// A round's proposal in the flow's latent space: z = scale eps, eps ~ defensive base.
struct LatentScale {
  double scale = 1;
  bool identity = true;  // round 0: z = eps exactly
};

// log q of the round's proposal at latent points z (rows), given log|dz/du| of each row.
VectorXd scaled_log_q(const LatentScale& a, const MatrixXd& z, const VectorXd& log_dzdu) {
  if (a.identity) {
    VectorXd out(z.rows());
    for (Index i = 0; i < z.rows(); ++i) out[i] = defensive_flow_log_base(z, i) + log_dzdu[i];
    return out;
  }
  const MatrixXd eps = z / a.scale;
  const double log_det = static_cast<double>(z.cols()) * std::log(a.scale);
  VectorXd out(z.rows());
  for (Index i = 0; i < z.rows(); ++i) out[i] = defensive_flow_log_base(eps, i) - log_det + log_dzdu[i];
  return out;
}

}  // namespace

double defensive_flow_log_base(const MatrixXd& z, Index row) {
  const double a = kDefensiveFraction, nu = kDefensiveNu;
  const double log_g = std::log1p(-a) - 0.5 * std::log(2 * M_PI);
  const double log_t = std::log(a) + std::lgamma(0.5 * (nu + 1)) - std::lgamma(0.5 * nu) - 0.5 * std::log(nu * M_PI);
  double sum = 0;
  for (Index k = 0; k < z.cols(); ++k) {
    const double r2 = z(row, k) * z(row, k);
    const double lg = log_g - 0.5 * r2, lt = log_t - 0.5 * (nu + 1) * std::log1p(r2 / nu);
    const double m = std::max(lg, lt);
    sum += m + std::log1p(std::exp(std::min(lg, lt) - m));
  }
  return sum;
}

MatrixXd defensive_flow_base_sample(int dim, Index n, Rng& rng) {
  MatrixXd z(n, dim);
  rng.fill_normal(z);
  // Each coordinate of each draw uses the t with probability a; every draw is weighted with the product-mixture
  // density (deterministic mixture).
  for (Index i = 0; i < n; ++i)
    for (int k = 0; k < dim; ++k)
      if (rng.uniform() < kDefensiveFraction) z(i, k) *= std::sqrt(kDefensiveNu / (2 * gamma_draw(0.5 * kDefensiveNu, rng)));
  return z;
}

MultipleImportance combine_importance_rounds(const VectorXd& log_target, const MatrixXd& log_q,
                                             const std::vector<Index>& round_sizes, bool smooth) {
  const Index n = log_target.size();
  const auto rounds = static_cast<Index>(round_sizes.size());
  Index total = 0;
  for (Index s : round_sizes) total += s;
  if (total != n || log_q.rows() != n || log_q.cols() != rounds || rounds == 0)
    throw Error("combine_importance_rounds: " + std::to_string(n) + " draws, log_q " + std::to_string(log_q.rows()) +
                " x " + std::to_string(log_q.cols()) + ", rounds of " + std::to_string(total) + " draws in all");
  const double log_n = std::log(static_cast<double>(n));
  VectorXd log_frac(rounds);
  for (Index r = 0; r < rounds; ++r) log_frac[r] = std::log(static_cast<double>(round_sizes[static_cast<std::size_t>(r)])) - log_n;
  MultipleImportance out;
  out.log_w.resize(n);
  for (Index i = 0; i < n; ++i) {
    const double log_mix = log_sum_exp(VectorXd(log_q.row(i).transpose() + log_frac));
    const double v = log_target[i] - log_mix;
    out.log_w[i] = std::isnan(v) ? -INFINITY : v;
  }
  {
    VectorXd smoothed = out.log_w;
    out.khat = pareto_smooth(smoothed);
    if (smooth && out.khat > kSmoothAbove) out.log_w = std::move(smoothed);
  }
  out.log_z = log_sum_exp(out.log_w) - log_n;
  out.ess = ess_from_log_weights(out.log_w);
  // Delta method per stratum: Var(Z_hat) = sum_r n_r var_r(w) / N^2 (the rounds are independent strata of fixed
  // sizes; Owen 2013, Monte Carlo theory, Sec. 9.2 and 9.12), relative to Z_hat.
  const double lmax = out.log_w.maxCoeff();
  if (!std::isfinite(lmax)) {
    out.log_z_err = INFINITY;
    return out;
  }
  double var = 0, mean_all = 0;
  Index begin = 0;
  for (Index r = 0; r < rounds; ++r) {
    const Index m = round_sizes[static_cast<std::size_t>(r)];
    double mean = 0, sq = 0;
    for (Index i = begin; i < begin + m; ++i) {
      const double w = std::exp(out.log_w[i] - lmax);
      mean += w;
      sq += w * w;
    }
    mean_all += mean;
    mean /= static_cast<double>(m);
    var += m > 1 ? (sq - static_cast<double>(m) * mean * mean) / static_cast<double>(m - 1) * static_cast<double>(m)
                 : INFINITY;
    begin += m;
  }
  mean_all /= static_cast<double>(n);
  out.log_z_err = std::sqrt(std::max(0.0, var)) / static_cast<double>(n) / mean_all;
  return out;
}

namespace {

// The proposal of round r: the flow's latent base widened by the fixed factor 1 + 0.1 r (round 0: the flow itself).
LatentScale round_proposal(int r) {
  LatentScale a;
  if (r > 0) {
    a.identity = false;
    a.scale = 1 + kScaleStep * r;
  }
  return a;
}

// `rounds` rounds of m draws each (round r from the proposal round_proposal(r) and the stream `stream(r)`), every draw
// weighted by the balance heuristic over all rounds' proposals. With per_round_* given, the estimate of the first
// r + 1 rounds for every r is appended there (a diagnostic; the result is the estimate over all rounds).
template <class Stream>
MultipleImportance balance_rounds(const LatentMap& flow, int dim, int rounds, Index m, Stream stream,
                                  const LogTargetU& log_target, bool smooth, std::vector<double>* per_round_log_z = nullptr,
                                  std::vector<double>* per_round_err = nullptr, std::vector<double>* per_round_khat = nullptr) {
  const Index n = static_cast<Index>(rounds) * m;
  MatrixXd z_all(n, dim);
  VectorXd log_dzdu_all(n), log_p_all(n);
  for (int r = 0; r < rounds; ++r) {
    Rng rng = stream(r);
    const MatrixXd eps = defensive_flow_base_sample(dim, m, rng);
    const LatentScale a = round_proposal(r);
    const MatrixXd z = a.identity ? eps : MatrixXd(eps * a.scale);
    MatrixXd u;
    VectorXd log_dudz, log_p;
    flow.to_data(z, u, log_dudz);
    log_target(u, log_p);
    z_all.middleRows(r * m, m) = z;
    log_dzdu_all.segment(r * m, m) = -log_dudz;
    log_p_all.segment(r * m, m) = log_p;
  }
  MatrixXd log_q(n, rounds);
  for (int r = 0; r < rounds; ++r) log_q.col(r) = scaled_log_q(round_proposal(r), z_all, log_dzdu_all);
  const std::vector<Index> sizes(static_cast<std::size_t>(rounds), m);
  if (per_round_log_z)  // the combination of the first r + 1 rounds, as a diagnostic
    for (int r = 0; r + 1 < rounds; ++r) {
      const Index k = static_cast<Index>(r + 1) * m;
      const MultipleImportance part =
          combine_importance_rounds(log_p_all.head(k), log_q.topLeftCorner(k, r + 1),
                                    std::vector<Index>(static_cast<std::size_t>(r + 1), m), smooth);
      per_round_log_z->push_back(part.log_z);
      per_round_err->push_back(part.log_z_err);
      per_round_khat->push_back(part.khat);
    }
  MultipleImportance all = combine_importance_rounds(log_p_all, log_q, sizes, smooth);
  if (per_round_log_z) {
    per_round_log_z->push_back(all.log_z);
    per_round_err->push_back(all.log_z_err);
    per_round_khat->push_back(all.khat);
  }
  return all;
}

// Whether a batch's delta-method error can size later draws: finite, with a weights' tail the draws have seen.
bool error_sizes_draws(double log_z_err, double khat) {
  return std::isfinite(log_z_err) && !(khat > kImportanceKhatUnreliable);
}

// Draws for an error of `tolerance` from an error `err` over `draws` draws (the delta-method variance falls as
// 1 / draws), split into `rounds` rounds of at least `fewest` and at most `most` draws each.
Index draws_per_round_for(double err, Index draws, double tolerance, int rounds, double fewest, double most) {
  const double needed = static_cast<double>(draws) * (err / tolerance) * (err / tolerance);
  return static_cast<Index>(std::clamp(std::ceil(needed / rounds), fewest, most));
}

}  // namespace

EvidencePlan plan_importance_rounds(double pilot_log_z_err, double pilot_khat, Index pilot_draws,
                                    const ImportanceEvidenceOptions& o) {
  // Without a usable pilot error (or with tolerance 0), as many draws as max_draws allows.
  const bool usable = error_sizes_draws(pilot_log_z_err, pilot_khat) && o.tolerance > 0;
  EvidencePlan plan;
  plan.rounds = o.max_rounds;
  const double fewest = std::ceil(static_cast<double>(o.samples) / plan.rounds);
  const double most = std::max(fewest, std::floor(static_cast<double>(o.max_draws) / plan.rounds));
  plan.draws_per_round =
      usable ? draws_per_round_for(pilot_log_z_err, pilot_draws, o.tolerance, plan.rounds, fewest, most)
             : static_cast<Index>(most);
  return plan;
}

EvidencePlan plan_second_batch(double pilot_log_z_err, double pilot_khat, Index pilot_draws, double first_err,
                               Index first_draws, int rounds, const ImportanceEvidenceOptions& o) {
  EvidencePlan none;
  none.rounds = rounds;
  if (!std::isfinite(first_err) || first_draws < 1 || rounds < 1 || !(o.tolerance > 0)) return none;
  const double predicted =
      error_sizes_draws(pilot_log_z_err, pilot_khat) && pilot_draws > 0
          ? pilot_log_z_err * std::sqrt(static_cast<double>(pilot_draws) / static_cast<double>(first_draws))
          : o.tolerance;
  if (!(first_err > 2 * std::max(o.tolerance, predicted))) return none;
  const double fewest = std::ceil(static_cast<double>(first_draws) / rounds);
  const double most = std::floor(static_cast<double>(o.retry_max_draws) / rounds);
  if (!(most > fewest)) return none;
  EvidencePlan plan;
  plan.rounds = rounds;
  plan.draws_per_round = draws_per_round_for(first_err, first_draws, o.tolerance, rounds, fewest, most);
  return plan;
}

ImportanceEvidence adaptive_importance_evidence(const LatentMap& flow, int dim, const ImportanceEvidenceOptions& o,
                                                const LogTargetU& log_target) {
  if (o.samples < 2) throw Error(ErrorContext{.parameter = "evidence_samples"}, "must be at least 2 when used");
  if (o.max_rounds < 1) throw Error(ErrorContext{.parameter = "evidence_rounds"}, "must be at least 1");
  if (!(o.tolerance >= 0)) throw Error(ErrorContext{.parameter = "evidence_tolerance"}, "must be at least 0");
  if (o.max_draws < o.samples)
    throw Error(ErrorContext{.parameter = "evidence_max_draws"},
                "must be at least evidence_samples (" + std::to_string(o.samples) + "), not " + std::to_string(o.max_draws));
  if (o.retry_max_draws < 0)
    throw Error(ErrorContext{.parameter = "evidence_retry_max_draws"},
                "must be at least 0 (0: no second batch), not " + std::to_string(o.retry_max_draws));
  ImportanceEvidence out;
  const int rounds = o.max_rounds;
  // The pilot (samples / 4 draws, split over the rounds' proposals) sizes the rounds and never enters the estimate.
  // Why: a rule that stops once the estimate's own error is small stops preferentially where the draws missed the
  // weights' tail, which is where both the estimate and its error come out low; measured over 100 independent
  // batches per target (bench/RESULTS.md, fourth pass), the mean pull was -0.50 on the 20-D mixture and -0.40 on the
  // 10-D bound-piled target with that rule. Given the pilot, the proposals and the number of draws are fixed before
  // the estimate's draws are made, so the balance-heuristic estimate of Z is unbiased.
  {
    const Index m = std::max<Index>(2, o.samples / 4 / rounds);
    out.pilot_draws = m * rounds;
    const MultipleImportance p = balance_rounds(
        flow, dim, rounds, m,
        [&](int r) { return Rng(o.seed, stream_id({purpose_id(StreamPurpose::smc_evidence_pilot), static_cast<std::uint64_t>(r)})); },
        log_target, false);
    out.pilot_log_z_err = p.log_z_err;
    out.pilot_khat = p.khat;
  }
  const EvidencePlan plan = plan_importance_rounds(out.pilot_log_z_err, out.pilot_khat, out.pilot_draws, o);
  const MultipleImportance mis = balance_rounds(
      flow, dim, plan.rounds, plan.draws_per_round,
      [&](int r) {
        return r == 0 ? Rng(o.seed, stream_id({purpose_id(StreamPurpose::smc_evidence)}))
                      : Rng(o.seed, stream_id({purpose_id(StreamPurpose::smc_evidence_round), static_cast<std::uint64_t>(r)}));
      },
      log_target, o.smooth, &out.round_log_z, &out.round_log_z_err, &out.round_khat);
  out.log_z = mis.log_z;
  out.log_z_err = mis.log_z_err;
  out.ess = mis.ess;
  out.khat = mis.khat;
  out.rounds = plan.rounds;
  out.draws = static_cast<Index>(plan.rounds) * plan.draws_per_round;
  // The first batch's error against what the pilot predicted for it: more than twice, and the first batch becomes a
  // second pilot for a fresh batch, which alone is the estimate (the header says why it is not added to the first).
  const EvidencePlan second = plan_second_batch(out.pilot_log_z_err, out.pilot_khat, out.pilot_draws, out.log_z_err,
                                                out.draws, plan.rounds, o);
  if (second.draws_per_round > 0) {
    out.first_draws = out.draws;
    out.first_log_z = out.log_z;
    out.first_log_z_err = out.log_z_err;
    out.round_log_z.clear();
    out.round_log_z_err.clear();
    out.round_khat.clear();
    const MultipleImportance fresh = balance_rounds(
        flow, dim, second.rounds, second.draws_per_round,
        [&](int r) {
          return Rng(o.seed, stream_id({purpose_id(StreamPurpose::smc_evidence_second), static_cast<std::uint64_t>(r)}));
        },
        log_target, o.smooth, &out.round_log_z, &out.round_log_z_err, &out.round_khat);
    out.log_z = fresh.log_z;
    out.log_z_err = fresh.log_z_err;
    out.ess = fresh.ess;
    out.khat = fresh.khat;
    out.draws = static_cast<Index>(second.rounds) * second.draws_per_round;
  }
  return out;
}

bool report_importance_evidence(double log_z_is, double log_z_is_err, double khat) {
  return std::isfinite(log_z_is) && std::isfinite(log_z_is_err) && !(khat > kImportanceKhatUnreliable);
}

}  // namespace flowprior
