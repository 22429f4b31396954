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
  bool identity = true;  // round 0: z = eps exactly (bitwise the single-batch estimate of earlier versions)
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

ImportanceEvidence adaptive_importance_evidence(const LatentMap& flow, int dim, const ImportanceEvidenceOptions& o,
                                                const LogTargetU& log_target) {
  if (o.samples < 2) throw Error(ErrorContext{.parameter = "evidence_samples"}, "must be at least 2 when used");
  if (o.max_rounds < 1) throw Error(ErrorContext{.parameter = "evidence_rounds"}, "must be at least 1");
  if (!(o.tolerance >= 0)) throw Error(ErrorContext{.parameter = "evidence_tolerance"}, "must be at least 0");
  std::vector<LatentScale> proposals;
  MatrixXd z_all(0, dim);     // latent images of all draws under the final flow
  VectorXd log_dzdu_all(0), log_p_all(0);
  MatrixXd log_q_all(0, 0);   // log q_r at every draw, one column per round
  std::vector<Index> sizes;
  ImportanceEvidence out;
  MultipleImportance mis;
  for (int r = 0; r < o.max_rounds; ++r) {
    if (r == 0) {
      proposals.push_back(LatentScale{});
    } else {  // the latent base widened by a fixed factor 1 + 0.1 r
      LatentScale a;
      a.identity = false;
      a.scale = 1 + kScaleStep * r;
      proposals.push_back(a);
    }
    const LatentScale& a = proposals.back();
    Rng rng = r == 0 ? Rng(o.seed, stream_id({purpose_id(StreamPurpose::smc_evidence)}))
                     : Rng(o.seed, stream_id({purpose_id(StreamPurpose::smc_evidence_round), static_cast<std::uint64_t>(r)}));
    const MatrixXd eps = defensive_flow_base_sample(dim, o.samples, rng);
    MatrixXd z = eps;
    if (!a.identity) z = eps * a.scale;
    MatrixXd u;
    VectorXd log_dudz, log_p;
    flow.to_data(z, u, log_dudz);
    log_target(u, log_p);
    const VectorXd log_dzdu = -log_dudz;
    // Densities: the new round's proposal at every draw, the earlier proposals at the new draws.
    const Index old = z_all.rows(), n = old + o.samples;
    MatrixXd log_q(n, r + 1);
    if (old > 0) {
      log_q.topLeftCorner(old, r) = log_q_all;
      log_q.block(0, r, old, 1) = scaled_log_q(a, z_all, log_dzdu_all);
    }
    if (a.identity) {
      for (Index i = 0; i < o.samples; ++i) log_q(old + i, r) = defensive_flow_log_base(eps, i) - log_dudz[i];
    } else {
      log_q.block(old, r, o.samples, 1) = scaled_log_q(a, z, log_dzdu);
    }
    for (int s = 0; s < r; ++s) log_q.block(old, s, o.samples, 1) = scaled_log_q(proposals[static_cast<std::size_t>(s)], z, log_dzdu);
    log_q_all = std::move(log_q);
    z_all.conservativeResize(n, dim);
    z_all.bottomRows(o.samples) = z;
    log_dzdu_all.conservativeResize(n);
    log_dzdu_all.tail(o.samples) = log_dzdu;
    log_p_all.conservativeResize(n);
    log_p_all.tail(o.samples) = log_p;
    sizes.push_back(o.samples);
    mis = combine_importance_rounds(log_p_all, log_q_all, sizes, o.smooth);
    out.round_log_z.push_back(mis.log_z);
    out.round_log_z_err.push_back(mis.log_z_err);
    out.round_khat.push_back(mis.khat);
    if (!std::isfinite(mis.log_z)) break;  // no draw with a finite weight: more of the same will not help
    if (mis.log_z_err <= o.tolerance && !(mis.khat > kImportanceKhatUnreliable)) break;
  }
  out.log_z = mis.log_z;
  out.log_z_err = mis.log_z_err;
  out.ess = mis.ess;
  out.khat = mis.khat;
  out.rounds = static_cast<int>(sizes.size());
  out.draws = z_all.rows();
  return out;
}

bool report_importance_evidence(double log_z_is, double log_z_is_err, double khat) {
  return std::isfinite(log_z_is) && std::isfinite(log_z_is_err) && !(khat > kImportanceKhatUnreliable);
}

}  // namespace flowprior
