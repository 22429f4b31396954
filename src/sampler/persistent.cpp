#include "flowprior/sampler/persistent.hpp"
#include "flowprior/core/stream_purpose.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/sampler/checkpoint.hpp"
#include "flowprior/sampler/persistent_flow.hpp"
#include "flowprior/sampler/persistent_weights.hpp"

namespace flowprior {
namespace {

// Purposes of the random streams: Rng(seed, stream_id({purpose, iteration, step})).
constexpr std::uint64_t kWarmup = purpose_id(StreamPurpose::smc_warmup);
constexpr std::uint64_t kResample = purpose_id(StreamPurpose::smc_resample);
constexpr std::uint64_t kMutate = purpose_id(StreamPurpose::smc_mutate);
constexpr std::uint64_t kFlowTrain = purpose_id(StreamPurpose::smc_flow_train);
constexpr std::uint64_t kPosterior = purpose_id(StreamPurpose::smc_posterior);
constexpr std::uint64_t kEvidence = purpose_id(StreamPurpose::smc_evidence);

std::string point_string(const MatrixXd& x, Index row) {
  std::ostringstream s;
  s.precision(17);
  s << "(";
  for (Index k = 0; k < x.cols(); ++k) s << (k ? ", " : "") << x(row, k);
  s << ")";
  return s.str();
}

// Evaluates the likelihood on the rows whose prior and Jacobian are finite; -inf elsewhere. NaN / +inf = Error.
void evaluate_likelihood(const LogDensity& likelihood, Evaluator& evaluator, const MatrixXd& x,
                         const VectorXd& log_prior, const VectorXd& log_jac, VectorXd& log_like,
                         std::uint64_t& calls) {
  const Index n = x.rows();
  std::vector<Index> rows;
  rows.reserve(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i)
    if (std::isfinite(log_prior[i]) && std::isfinite(log_jac[i])) rows.push_back(i);
  log_like = VectorXd::Constant(n, -INFINITY);
  if (rows.empty()) return;
  MatrixXd sub(static_cast<Index>(rows.size()), x.cols());
  for (std::size_t k = 0; k < rows.size(); ++k) sub.row(static_cast<Index>(k)) = x.row(rows[k]);
  VectorXd values;
  evaluator.evaluate(likelihood, sub, values);
  calls += rows.size();
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const double v = values[static_cast<Index>(k)];
    if (std::isnan(v) || v == INFINITY)
      throw Error(ErrorContext{.row = static_cast<long>(rows[k])},
                  std::string("log-likelihood is ") + (std::isnan(v) ? "NaN" : "+inf") + " at x = " +
                      point_string(x, rows[k]));
    log_like[rows[k]] = v;
  }
}

void check_prior_values(const VectorXd& log_prior, const MatrixXd& x) {
  for (Index i = 0; i < log_prior.size(); ++i)
    if (std::isnan(log_prior[i]) || log_prior[i] == INFINITY)
      throw Error(ErrorContext{.row = static_cast<long>(i)},
                  "log-prior is " + std::string(std::isnan(log_prior[i]) ? "NaN" : "+inf") + " at x = " +
                      point_string(x, i));
}

// Rows with the largest weights whose removal keeps 99% of the ESS, at most max_rows of them (flow training set).
std::vector<Index> trimmed_rows(const VectorXd& w, Index max_rows) {
  const Index n = w.size();
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return w[a] > w[b]; });
  const double ess = 1.0 / w.squaredNorm();
  double s = 0, q = 0;
  std::vector<Index> keep;
  for (Index k = 0; k < n; ++k) {
    const double v = w[order[static_cast<std::size_t>(k)]];
    if (v <= 0) break;
    s += v;
    q += v * v;
    keep.push_back(order[static_cast<std::size_t>(k)]);
    if (static_cast<Index>(keep.size()) >= max_rows) break;
    if (s * s / q >= 0.99 * ess && s >= 0.999) break;
  }
  std::sort(keep.begin(), keep.end());
  return keep;
}

double find_beta(const PersistentWeights& weights, double beta_prev, double n_effective) {
  if (weights.ess(1.0) >= n_effective) return 1.0;
  if (weights.ess(beta_prev) <= n_effective) return beta_prev;
  double lo = beta_prev, hi = 1.0;
  for (int it = 0; it < 100; ++it) {
    const double mid = 0.5 * (lo + hi);
    const double ess = weights.ess(mid);
    if (std::abs(ess - n_effective) < 0.01 * n_effective) return mid;
    (ess > n_effective ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// Proposal of the importance-sampling evidence: the flow with its latent base N(0, I) replaced by a product over the
// latent coordinates of the defensive mixture (1 - a) N(0, 1) + a t_nu(0, 1) (Hesterberg 1995, Technometrics 37:185;
// Owen & Zhou 2000, JASA 95:135). Why per coordinate: mass piled against a bound has a finite density at the bound,
// which the logit box map turns into an exponential tail in u (p(u) ~ e^u), and a flow with a Gaussian base and
// Lipschitz layers cannot make tails heavier than Gaussian (Jaini et al. 2020, arXiv:1907.04481, Sec. 3). The target
// then has heavier tails than the flow in each latent coordinate that carries a bound-piled parameter, the weights
// have infinite variance, and both the estimate and its error come out too small (bench/RESULTS.md, evidence
// calibration: with a = 0.1 of a d-dimensional t_4 the 10-D bound-piled target still missed by 0.21 with ESS 34).
// A Student-t factor per coordinate bounds the weight where one coordinate is deep in its tail while the others are
// in the bulk, which is where a multivariate t puts almost no mass. Cost for a perfect flow: ESS x 1.02^-d
// (0.82 at d = 10, 0.67 at d = 20). Each coordinate of each draw uses the t with probability a; every draw is weighted
// with the product-mixture density (deterministic mixture).
constexpr double kDefensiveFraction = 0.2, kDefensiveNu = 2;

double defensive_base_log_density(const MatrixXd& z, Index row) {
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

void defensive_flow_sample(const LatentMap& flow, int d, Index n, Rng& rng, MatrixXd& u, VectorXd& log_q) {
  MatrixXd z(n, d);
  rng.fill_normal(z);
  for (Index i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k)
      if (rng.uniform() < kDefensiveFraction)
        z(i, k) *= std::sqrt(kDefensiveNu / (2 * gamma_draw(0.5 * kDefensiveNu, rng)));
  VectorXd log_dudz;
  flow.to_data(z, u, log_dudz);
  log_q.resize(n);
  for (Index i = 0; i < n; ++i) log_q[i] = defensive_base_log_density(z, i) - log_dudz[i];
}

std::string fmt(double v, int precision = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", precision, v);
  return buf;
}

// A warning once (the preconditioning flow may repeat one at every iteration: the first is kept).
void add_warning(std::vector<std::string>& warnings, const std::string& message) {
  if (warnings.size() < 20) warnings.push_back(message);
}

double first_beta(const SmcState& s) { return s.records.empty() ? 0.0 : s.records.front().beta; }

// The estimate of SmcProgress::estimated_iterations (see persistent.hpp) and the call of on_iteration.
void report_iteration(const PersistentOptions& o, const SmcState& s, const SmcIteration& rec, double beta_1,
                      double ess_before) {
  const double ess1 = s.weights.ess(1.0);
  const double n_total = static_cast<double>(o.n_total);
  const bool converged = s.beta >= 1.0 && ess1 >= n_total;
  const bool at_limit = s.iteration >= o.max_iterations ||
                        (o.max_likelihood_calls > 0 && s.likelihood_calls >= o.max_likelihood_calls);
  double estimate = s.iteration;
  if (!converged) {
    const double per_block = static_cast<double>(o.n_active);
    if (s.beta >= 1.0) {
      const double gain = ess1 - ess_before > 1.0 ? ess1 - ess_before : per_block;
      estimate += std::ceil((n_total - ess1) / gain);
    } else {
      // log beta grows about linearly in the iterations of the tempering; after it, the ESS at beta = 1 starts
      // near n_effective and grows by at most n_active per block.
      double tempering = 2.0 * s.iteration;
      if (s.iteration >= 2 && beta_1 > 0 && s.beta > beta_1 && beta_1 < 1) {
        const double f = std::log(s.beta / beta_1) / std::log(1.0 / beta_1);
        tempering = 1.0 + (s.iteration - 1) / f;
      }
      estimate = std::max(estimate + 1, std::ceil(tempering)) +
                 std::ceil(std::max(0.0, n_total - s.n_effective) / per_block);
    }
  }
  const int total = static_cast<int>(std::clamp(estimate, static_cast<double>(s.iteration),
                                                static_cast<double>(std::max(o.max_iterations, s.iteration))));
  o.on_iteration(SmcProgress{.record = rec,
                             .ess_at_one = ess1,
                             .n_total = o.n_total,
                             .estimated_iterations = converged || at_limit ? s.iteration : total,
                             .stopping = converged || at_limit});
}

}  // namespace

SmcResult PersistentSampler::run(const PriorModel& prior, const LogDensity& likelihood, Evaluator& evaluator) const {
  const auto t0 = std::chrono::steady_clock::now();
  const PersistentOptions& o = options_;
  const Box& box = prior.box;
  const int d = box.dim();
  if (prior.density.dim() != d || likelihood.dim() != d)
    throw Error("persistent sampler: prior density, likelihood and box dimensions differ (" +
                std::to_string(prior.density.dim()) + ", " + std::to_string(likelihood.dim()) + ", " +
                std::to_string(d) + ")");
  if (o.n_active < 2) throw Error(ErrorContext{.parameter = "n_active"}, "needs at least 2 particles");
  if (!(o.n_effective > 1)) throw Error(ErrorContext{.parameter = "n_effective"}, "must exceed 1");
  if (o.evidence_samples < 0) throw Error(ErrorContext{.parameter = "evidence_samples"}, "must be at least 0");
  if (o.warmup_blocks < 1) throw Error(ErrorContext{.parameter = "warmup_blocks"}, "must be at least 1");
  if (!prior.sample) throw Error("persistent sampler: the prior model has no sampler");

  MutationOptions mutation = o.mutation;
  if (o.precondition) mutation.kernel = MutationKernel::tpcn;
  std::unique_ptr<LatentMap> flow = o.precondition ? make_flow_map(o, d) : nullptr;

  SmcState s;
  const bool resuming = o.resume && !o.checkpoint.empty() && std::filesystem::exists(o.checkpoint);
  if (resuming) {
    s = load_checkpoint(o.checkpoint);
    if (s.seed != o.seed || s.dim != d || s.n_active != o.n_active)
      throw Error(ErrorContext{.file = o.checkpoint},
                  "checkpoint belongs to another run (seed, dimension or n_active differ)");
    if (flow && !s.flow_state.empty()) flow->restore(s.flow_state);
    if (o.progress) o.messages.status("smc: resumed from " + o.checkpoint + " at iteration " + std::to_string(s.iteration));
  } else {
    s.seed = o.seed;
    s.dim = d;
    s.n_active = o.n_active;
    s.n_effective = o.n_effective;
    s.scale = mutation.kernel == MutationKernel::tpcn ? std::min(2.38 / std::sqrt(d), 0.99) : 2.38 / std::sqrt(d);
    s.u.resize(0, d);
    s.x.resize(0, d);
    // Warm-up: prior blocks at beta = 0 (Z = 1). Particles with L = 0 stay (weight 0 at beta > 0), so the
    // evidence keeps the prior mass where L = 0 (pocoMC duplicates finite ones instead, which biases Z upward).
    Index finite = 0;
    for (int b = 0; b < o.warmup_blocks; ++b) {
      Rng rng(o.seed, stream_id({kWarmup, static_cast<std::uint64_t>(b)}));
      MatrixXd x = prior.sample(o.n_active, rng);
      if (x.rows() != o.n_active || x.cols() != d) throw Error("persistent sampler: prior sample has the wrong shape");
      MatrixXd u;
      VectorXd log_det;
      box.to_unbounded(x, u, log_det);
      for (Index i = 0; i < x.rows(); ++i)
        if (!std::isfinite(log_det[i]))
          throw Error(ErrorContext{.row = static_cast<long>(i)},
                      "prior draw is not strictly inside the box: x = " + point_string(x, i));
      VectorXd log_prior = prior.density.log_prob(x), log_like;
      check_prior_values(log_prior, x);
      evaluate_likelihood(likelihood, evaluator, x, log_prior, VectorXd::Zero(x.rows()), log_like,
                          s.likelihood_calls);
      for (Index i = 0; i < log_like.size(); ++i) finite += std::isfinite(log_like[i]) ? 1 : 0;
      s.weights.add_block(log_like, 0.0, 0.0);
      const Index old = s.u.rows();
      s.u.conservativeResize(old + o.n_active, d);
      s.x.conservativeResize(old + o.n_active, d);
      s.log_prior.conservativeResize(old + o.n_active);
      s.u.bottomRows(o.n_active) = u;
      s.x.bottomRows(o.n_active) = x;
      s.log_prior.tail(o.n_active) = log_prior;
    }
    if (finite == 0)
      throw Error("persistent sampler: none of the " + std::to_string(s.u.rows()) +
                  " prior particles has a finite likelihood (log L = -inf or prior = 0 everywhere they fell); "
                  "check the prior box against the likelihood's support");
    if (finite < 2)
      throw Error("persistent sampler: only one of the " + std::to_string(s.u.rows()) +
                  " prior particles has a finite likelihood; widen the warm-up (more particles) or the prior");
  }

  SmcResult result;  // warnings gathered on the way; the rest filled at the end
  std::string stop_reason = "max_iterations";
  const double r0 = [&] {  // unique fraction of n_active multinomial draws from n_effective equal weights
    const double ne = o.n_effective, k = static_cast<double>(o.n_active);
    return ne * (1 - std::pow(1 - 1 / ne, k)) / k;
  }();

  while (s.iteration < o.max_iterations) {
    if (o.interrupt) o.interrupt();
    if (s.beta >= 1.0 && s.weights.ess(1.0) >= static_cast<double>(o.n_total)) {
      stop_reason = "converged";
      break;
    }
    if (o.max_likelihood_calls > 0 && s.likelihood_calls >= o.max_likelihood_calls) {
      stop_reason = "max_likelihood_calls";
      break;
    }
    const int it = ++s.iteration;
    SmcIteration rec;
    rec.iteration = it;
    rec.n_effective = s.n_effective;
    s.beta = find_beta(s.weights, s.beta, s.n_effective);
    rec.beta = s.beta;
    rec.log_z = s.weights.log_evidence(s.beta);
    VectorXd log_w;
    s.weights.log_weights(s.beta, log_w);
    const VectorXd w = normalized_from_log(log_w);
    rec.ess = 1.0 / w.squaredNorm();
    if (o.dynamic_ess) {
      const double k = static_cast<double>(o.n_active);
      const double uss = unique_sample_size(w, k);
      if (uss < 0.95 * r0 * k) s.n_effective *= k / uss;
      else if (uss > std::min(1.05 * r0, 1.0) * k) s.n_effective *= uss / k;
    }

    // Preconditioning flow on the weighted particles.
    rec.flow_validation_loss = NAN;
    if (flow) {
      const auto rows = trimmed_rows(w, o.flow_max_rows);
      MatrixXd u_train(static_cast<Index>(rows.size()), d);
      VectorXd w_train(static_cast<Index>(rows.size()));
      for (std::size_t k = 0; k < rows.size(); ++k) {
        u_train.row(static_cast<Index>(k)) = s.u.row(rows[k]);
        w_train[static_cast<Index>(k)] = w[rows[k]];
      }
      const auto info = flow->train(u_train, w_train, stream_id({kFlowTrain, static_cast<std::uint64_t>(it)}));
      rec.flow_validation_loss = info.validation_loss;
      rec.flow_epochs = info.epochs;
      for (const std::string& w : info.warnings) add_warning(result.warnings, "iteration " + std::to_string(it) + ": " + w);
    }

    // Resample the active population from all stored particles.
    Rng resample_rng(o.seed, stream_id({kResample, static_cast<std::uint64_t>(it)}));
    const auto idx = systematic_resample(w, o.n_active, resample_rng);
    ParticleState state;
    state.u.resize(o.n_active, d);
    state.x.resize(o.n_active, d);
    state.log_like.resize(o.n_active);
    state.log_prior.resize(o.n_active);
    for (Index i = 0; i < o.n_active; ++i) {
      const Index j = idx[static_cast<std::size_t>(i)];
      state.u.row(i) = s.u.row(j);
      state.x.row(i) = s.x.row(j);
      state.log_like[i] = s.weights.log_likelihood()[j];
      state.log_prior[i] = s.log_prior[j];
    }
    {
      MatrixXd x_check;
      VectorXd log_dxdu;
      box.to_box(state.u, x_check, log_dxdu);
      state.log_jac = log_dxdu;
      if (flow) {
        VectorXd log_dtdu;
        flow->to_latent(state.u, state.theta, log_dtdu);
        state.log_jac -= log_dtdu;
      } else {
        state.theta = state.u;
      }
    }
    const StudentT fit =
        mutation.kernel == MutationKernel::tpcn ? fit_student_t(state.theta) : fit_gaussian(state.theta);
    const StateEvaluator evaluate = [&](ParticleState& p) {
      VectorXd log_dudt = VectorXd::Zero(p.theta.rows());
      if (flow) flow->to_data(p.theta, p.u, log_dudt);
      else p.u = p.theta;
      VectorXd log_dxdu;
      box.to_box(p.u, p.x, log_dxdu);
      p.log_jac = log_dxdu + log_dudt;
      prior.density.log_prob(p.x, p.log_prior);
      check_prior_values(p.log_prior, p.x);
      evaluate_likelihood(likelihood, evaluator, p.x, p.log_prior, p.log_jac, p.log_like, s.likelihood_calls);
    };
    const MutationSummary ms = mutate(state, s.beta, fit, s.scale, mutation, evaluate, [&](int step) {
      return Rng(o.seed, stream_id({kMutate, static_cast<std::uint64_t>(it), static_cast<std::uint64_t>(step)}));
    });
    s.scale = ms.scale;
    rec.acceptance = ms.acceptance;
    rec.steps = ms.steps;
    rec.scale = ms.scale;
    rec.correlation = ms.correlation;

    const double ess_before = o.on_iteration ? s.weights.ess(1.0) : 0.0;  // observes only
    // Store the block (its Z is the estimate at its beta from the earlier blocks).
    s.weights.add_block(state.log_like, s.beta, rec.log_z);
    const Index old = s.u.rows();
    s.u.conservativeResize(old + o.n_active, d);
    s.x.conservativeResize(old + o.n_active, d);
    s.log_prior.conservativeResize(old + o.n_active);
    s.u.bottomRows(o.n_active) = state.u;
    s.x.bottomRows(o.n_active) = state.x;
    s.log_prior.tail(o.n_active) = state.log_prior;
    rec.likelihood_calls = s.likelihood_calls;
    s.records.push_back(rec);
    if (flow) s.flow_state = flow->state();

    if (o.progress)
      o.messages.status("smc: iter " + std::to_string(it) + "  beta " + fmt(s.beta) + "  ESS " + fmt(rec.ess, 5) + "  logZ " +
             fmt(rec.log_z, 6) + "  acc " + fmt(rec.acceptance, 3) + "  steps " + std::to_string(rec.steps) + "  scale " + fmt(rec.scale, 3) + "  rho " + fmt(rec.correlation, 2) +
             "  calls " + std::to_string(s.likelihood_calls));
    if (!o.checkpoint.empty()) {
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      SmcState copy_time = s;  // wall time so far without touching s (it is added once at the end)
      copy_time.wall_seconds += elapsed;
      save_checkpoint(o.checkpoint, copy_time);
    }
    if (o.on_iteration) report_iteration(o, s, rec, first_beta(s), ess_before);
  }
  if (s.iteration >= o.max_iterations && s.beta >= 1.0 && s.weights.ess(1.0) >= static_cast<double>(o.n_total))
    stop_reason = "converged";

  // Results at beta = 1.
  VectorXd log_w;
  s.weights.log_weights(1.0, log_w);
  result.names = box.names();
  result.x = s.x;
  result.weights = normalized_from_log(log_w);
  result.log_likelihood = s.weights.log_likelihood();
  result.log_prior = s.log_prior;
  result.log_z_ps = s.weights.log_evidence(1.0);
  {
    // Path term: each tempering step t reweights by ESS_t of N_t stored particles, Var(log Z_t/Z_{t-1}) ~
    // 1/ESS_t - 1/N_t (chi^2 of the incremental weights over N_t); plus the stratified term of the final weights.
    double var = 0, beta_prev = 0;
    Index stored = static_cast<Index>(o.warmup_blocks) * o.n_active;
    for (const SmcIteration& r : s.records) {
      if (r.beta > beta_prev) var += std::max(0.0, 1.0 / r.ess - 1.0 / static_cast<double>(stored));
      beta_prev = r.beta;
      stored += o.n_active;
    }
    const double strat = s.weights.log_evidence_error(1.0);
    result.log_z_ps_err = std::sqrt(var + strat * strat);
  }
  result.ess = 1.0 / result.weights.squaredNorm();
  result.converged = stop_reason == "converged";
  result.stop_reason = stop_reason;
  result.iterations = s.records;
  result.likelihood_calls = s.likelihood_calls;
  {
    const Index m = o.posterior_size > 0 ? o.posterior_size : std::max<Index>(1, std::llround(result.ess));
    Rng rng(o.seed, stream_id({kPosterior}));
    const auto idx = systematic_resample(result.weights, m, rng);
    result.posterior.resize(m, d);
    for (Index i = 0; i < m; ++i) result.posterior.row(i) = s.x.row(idx[static_cast<std::size_t>(i)]);
  }
  result.log_z_is = NAN;
  result.log_z_is_err = NAN;
  result.log_z_is_ess = NAN;
  if (flow && flow->trained() && o.evidence_samples > 0) {
    // Importance sampling from the final flow; divided by all draws (also those outside the prior's support).
    Rng rng(o.seed, stream_id({kEvidence}));
    MatrixXd u, x;
    VectorXd log_q, log_dxdu, log_prior, log_like;
    defensive_flow_sample(*flow, d, o.evidence_samples, rng, u, log_q);
    box.to_box(u, x, log_dxdu);
    prior.density.log_prob(x, log_prior);
    check_prior_values(log_prior, x);
    evaluate_likelihood(likelihood, evaluator, x, log_prior, log_dxdu, log_like, s.likelihood_calls);
    const Index n = o.evidence_samples;
    VectorXd lw(n);
    for (Index i = 0; i < n; ++i) {
      const double v = log_like[i] + log_prior[i] + log_dxdu[i] - log_q[i];
      lw[i] = std::isnan(v) ? -INFINITY : v;
    }
    const double log_n = std::log(static_cast<double>(n));
    result.log_z_is = log_sum_exp(lw) - log_n;
    result.log_z_is_ess = ess_from_log_weights(lw);
    // Delta method: Var(log Z_hat) = Var(w) / (n mean(w)^2), w = exp(lw - max) (Owen 2013, Monte Carlo theory,
    // Sec. 9.2); with the bounded weights of the defensive proposal Var(w) is finite and this is consistent.
    const double lmax = lw.maxCoeff();
    double mean = 0, sq = 0;
    for (Index i = 0; i < n; ++i) {
      const double w = std::exp(lw[i] - lmax);
      mean += w;
      sq += w * w;
    }
    mean /= static_cast<double>(n);
    const double var = n > 1 ? (sq - static_cast<double>(n) * mean * mean) / static_cast<double>(n - 1) : INFINITY;
    result.log_z_is_err = std::sqrt(std::max(0.0, var) / static_cast<double>(n)) / mean;
    result.likelihood_calls = s.likelihood_calls;
  }
  const bool use_is = std::isfinite(result.log_z_is) && std::isfinite(result.log_z_is_err);
  result.log_z = use_is ? result.log_z_is : result.log_z_ps;
  result.log_z_err = use_is ? result.log_z_is_err : result.log_z_ps_err;
  result.log_z_method = use_is ? "importance" : "persistent";
  result.wall_seconds =
      s.wall_seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!result.converged)
    add_warning(result.warnings, "the persistent sampler stopped before convergence (" + stop_reason + " after " +
                                     std::to_string(s.iteration) + " iterations, ESS " + fmt(result.ess, 5) +
                                     " at beta = 1 of n_total " + std::to_string(o.n_total) + ")");
  for (const std::string& w : result.warnings) o.messages.warn(w);
  if (o.progress)
    o.messages.status("smc: " + stop_reason + " after " + std::to_string(s.iteration) + " iterations, log Z = " +
           fmt(result.log_z, 7) + " +- " + fmt(result.log_z_err, 2) + " (" + result.log_z_method +
           (use_is ? "; persistent " + fmt(result.log_z_ps, 7) + " +- " + fmt(result.log_z_ps_err, 2) : std::string()) +
           "), ESS " + fmt(result.ess, 5) + ", " +
           std::to_string(result.likelihood_calls) + " likelihood calls");
  return result;
}

}  // namespace flowprior
