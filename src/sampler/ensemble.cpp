#include "flowprior/sampler/ensemble.hpp"
#include "flowprior/core/stream_purpose.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "flowprior/core/error.hpp"
#include "flowprior/core/evaluator.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/core/rng.hpp"
#include "sampler/ensemble_moves.hpp"

namespace flowprior {
namespace {

// (ostringstream, not "x" + to_string: GCC 12 raises a false -Wrestrict on the latter)
std::string column_name(const std::vector<std::string>& names, Index j) {
  if (j < static_cast<Index>(names.size())) return names[j];
  std::ostringstream out;
  out << 'x' << j + 1;
  return out.str();
}

constexpr std::uint64_t kProduction = 0, kBurnFirst = 1, kBurnSecond = 2;

std::string point_text(const RowVectorXd& x, const std::vector<std::string>& names) {
  std::ostringstream out;
  out.precision(17);
  out << '(';
  for (Index j = 0; j < x.size(); ++j)
    out << (j ? ", " : "") << column_name(names, j) << " = "
        << x(j);
  out << ')';
  return out.str();
}

// A bar on a terminal, else one status line every ~10 s (logs of batch jobs stay short).
class Progress {
 public:
  Progress(bool enabled, Index total, std::string label)
      : enabled_(enabled), tty_(enabled && isatty(2)), total_(total), label_(std::move(label)),
        start_(std::chrono::steady_clock::now()), last_(start_) {}
  void update(Index done, double acceptance) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    const double since = std::chrono::duration<double>(now - last_).count();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (tty_) {
      if (since < 0.1 && done < total_) return;
      const int width = 30;
      const int filled = total_ > 0 ? static_cast<int>(width * done / total_) : width;
      std::fprintf(stderr, "\r%s [%s%s] %lld/%lld acc %.3f %.1f s", label_.c_str(), std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), static_cast<long long>(done),
                   static_cast<long long>(total_), acceptance, elapsed);
      if (done >= total_) std::fprintf(stderr, "\n");
    } else {
      if (since < 10.0 && done < total_) return;
      status(label_ + ": step " + std::to_string(done) + "/" + std::to_string(total_) + ", acceptance " +
             std::to_string(acceptance) + ", " + std::to_string(elapsed) + " s");
    }
    last_ = now;
  }

 private:
  bool enabled_, tty_;
  Index total_;
  std::string label_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace

class EnsembleSampler::EvaluatorHolder {
 public:
  explicit EvaluatorHolder(int threads) : evaluator(ThreadPool::resolve(threads)) {}
  ThreadEvaluator evaluator;
};

EnsembleSampler::EnsembleSampler(EnsembleOptions options)
    : options_(std::move(options)), evaluator_(std::make_shared<EvaluatorHolder>(options_.threads)) {
  if (options_.moves.empty()) throw Error(ErrorContext{.parameter = "moves"}, "no move given");
  for (const auto& m : options_.moves)
    if (!(m.weight > 0) || !std::isfinite(m.weight))
      throw Error(ErrorContext{.parameter = "moves"}, "move weights must be positive and finite");
  if (options_.burn_in < 0) throw Error(ErrorContext{.parameter = "burn_in"}, "must not be negative");
}

void EnsembleSampler::check_initial_positions(const MatrixXd& x, bool require_two_walkers_per_dim,
                                              const std::vector<std::string>& names) {
  const Index w = x.rows(), d = x.cols();
  auto name = [&](Index j) { return column_name(names, j); };
  if (w < 2 || d < 1) throw Error("initial state: need at least 2 walkers and 1 parameter, got " +
                                  std::to_string(w) + " x " + std::to_string(d));
  if (require_two_walkers_per_dim && w < 2 * d)
    throw Error("initial state: " + std::to_string(w) + " walkers for " + std::to_string(d) +
                " parameters; the ensemble moves need at least 2 * dim = " + std::to_string(2 * d) + " walkers");
  for (Index i = 0; i < w; ++i)
    for (Index j = 0; j < d; ++j)
      if (!std::isfinite(x(i, j)))
        throw Error(ErrorContext{.parameter = name(j), .row = i},
                    "initial state: walker " + std::to_string(i) + " has a non-finite value in parameter '" +
                        name(j) + "'");
  // emcee's test: centre each column, scale by its largest deviation, require a well-conditioned matrix. We also
  // say which parameters span the degenerate direction.
  MatrixXd c = x.rowwise() - x.colwise().mean();
  for (Index j = 0; j < d; ++j) {
    const double scale = c.col(j).cwiseAbs().maxCoeff();
    if (!(scale > 0))
      throw Error(ErrorContext{.parameter = name(j)},
                  "initial state: every walker has the same value of parameter '" + name(j) + "'");
    c.col(j) /= scale;
  }
  Eigen::JacobiSVD<MatrixXd> svd(c, Eigen::ComputeFullV);
  const VectorXd s = svd.singularValues();
  const double cond = s(s.size() - 1) > 0 ? s(0) / s(s.size() - 1) : INFINITY;
  if (w <= d || cond > 1e8) {
    const VectorXd v = svd.matrixV().col(d - 1);
    std::string involved;
    for (Index j = 0; j < d; ++j)
      if (std::abs(v(j)) > 0.1) involved += (involved.empty() ? "'" : ", '") + name(j) + "'";
    std::ostringstream msg;
    msg << "initial state: the walkers are (nearly) linearly dependent (condition number " << cond
        << " > 1e8); the degenerate direction involves parameters " << involved
        << ". Start the walkers in a small ball, not on a line or a plane";
    throw Error(msg.str());
  }
}

EnsembleState EnsembleSampler::start(const LogDensity& target, const MatrixXd& initial_positions) {
  const auto names = target.names();
  if (initial_positions.cols() != target.dim())
    throw Error("initial state has " + std::to_string(initial_positions.cols()) + " columns; the target has " +
                std::to_string(target.dim()) + " parameters");
  check_initial_positions(initial_positions, options_.require_two_walkers_per_dim, names);
  EnsembleState state;
  state.positions = initial_positions;
  evaluator_->evaluator.evaluate(target, state.positions, state.log_prob);
  Index minus_inf = 0;
  for (Index i = 0; i < state.log_prob.size(); ++i) {
    const double lp = state.log_prob(i);
    if (std::isnan(lp) || lp == INFINITY)
      throw Error(ErrorContext{.row = i}, std::string("initial state: the log-probability is ") +
                                              (std::isnan(lp) ? "NaN" : "+inf") + " at walker " + std::to_string(i) +
                                              ", " + point_text(state.positions.row(i), names));
    if (lp == -INFINITY) ++minus_inf;
  }
  if (minus_inf == state.log_prob.size())
    throw Error("initial state: every walker has log-probability -inf (outside the support); start inside it");
  if (minus_inf > 0)
    options_.messages.warn(std::to_string(minus_inf) + " walkers start at log-probability -inf; they move at their first finite proposal");
  state.accepted = VectorXd::Zero(initial_positions.rows());

  if (options_.burn_in > 0) {
    const Index first = options_.burn_in / 2, second = options_.burn_in - first;
    const Index w = state.positions.rows();
    // Phase 1 from the starts, remembering every point visited.
    std::vector<std::pair<double, RowVectorXd>> seen;
    auto remember = [&] {
      for (Index i = 0; i < w; ++i) seen.emplace_back(state.log_prob(i), state.positions.row(i));
    };
    remember();
    Progress progress(options_.progress, options_.burn_in, "burn-in");
    for (Index s = 0; s < first; ++s) {
      if (options_.interrupt) options_.interrupt();
      step(target, state, kBurnFirst, s);
      remember();
      progress.update(s + 1, 0.0);
    }
    // Re-seed at the highest-log_prob unique points (stable sort: ties keep visiting order, so it is deterministic).
    std::stable_sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<Index> chosen;
    for (Index k = 0; k < static_cast<Index>(seen.size()) && static_cast<Index>(chosen.size()) < w; ++k) {
      bool duplicate = false;
      for (Index c : chosen) duplicate = duplicate || (seen[c].second == seen[k].second);
      if (!duplicate) chosen.push_back(k);
    }
    if (static_cast<Index>(chosen.size()) == w) {
      for (Index i = 0; i < w; ++i) {
        state.positions.row(i) = seen[chosen[i]].second;
        state.log_prob(i) = seen[chosen[i]].first;
      }
    } else {
      options_.messages.warn("burn-in: fewer unique points than walkers; the second half continues from the current walkers");
    }
    for (Index s = 0; s < second; ++s) {
      if (options_.interrupt) options_.interrupt();
      step(target, state, kBurnSecond, s);
      progress.update(first + s + 1, 0.0);
    }
    state.accepted.setZero();
  }
  state.step = 0;
  return state;
}

void EnsembleSampler::advance(const LogDensity& target, EnsembleState& state, Index total_steps,
                              const StepObserver& observer) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t calls0 = evaluator_->evaluator.calls();
  Progress progress(options_.progress, total_steps, "ensemble");
  const Index first = state.step;
  for (Index s = state.step; s < total_steps; ++s) {
    if (options_.interrupt) options_.interrupt();
    step(target, state, kProduction, s);
    state.step = s + 1;
    if (observer) observer(s, state.positions, state.log_prob, state.accepted);
    if (options_.progress) progress.update(s + 1, state.accepted.mean() / static_cast<double>(s + 1));
  }
  summary_.steps_run += std::max<Index>(0, total_steps - first);
  summary_.log_prob_calls += evaluator_->evaluator.calls() - calls0;
  summary_.wall_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Chain EnsembleSampler::run(const LogDensity& target, const MatrixXd& initial_positions, Index steps) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t calls0 = evaluator_->evaluator.calls();
  EnsembleState state = start(target, initial_positions);
  Chain chain;
  chain.names = target.names();
  chain.reset(static_cast<int>(initial_positions.rows()), static_cast<int>(initial_positions.cols()));
  chain.reserve(steps);
  advance(target, state, steps,
          [&](Index, const MatrixXd& x, const VectorXd& lp, const VectorXd& acc) { chain.append(x, lp, acc); });
  chain.trim();
  // Count the start and burn-in too: the summary is the cost of the whole run.
  summary_.log_prob_calls = evaluator_->evaluator.calls() - calls0;
  summary_.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return chain;
}

void EnsembleSampler::step(const LogDensity& target, EnsembleState& state, std::uint64_t phase, Index index) {
  Rng rng(options_.seed, stream_id({purpose_id(StreamPurpose::ensemble_step), phase, static_cast<std::uint64_t>(index)}));
  double total = 0;
  for (const auto& m : options_.moves) total += m.weight;
  double pick = rng.uniform() * total;
  std::size_t chosen = 0;
  while (chosen + 1 < options_.moves.size() && pick >= options_.moves[chosen].weight) {
    pick -= options_.moves[chosen].weight;
    ++chosen;
  }
  const Move& move = options_.moves[chosen];
  const Index w = state.positions.rows();
  const int splits = detail::move_splits(move);
  StepScratch& s = scratch_;
  s.label.resize(static_cast<std::size_t>(w));
  for (Index i = 0, g = 0; i < w; ++i, g = g + 1 == splits ? 0 : g + 1) s.label[i] = static_cast<int>(g);  // i % splits
  for (Index i = w - 1; i > 0; --i) std::swap(s.label[i], s.label[rng.index(static_cast<std::uint64_t>(i) + 1)]);
  s.groups.resize(static_cast<std::size_t>(splits));
  for (auto& group : s.groups) group.clear();
  for (Index i = 0; i < w; ++i) s.groups[s.label[i]].push_back(i);

  for (int g = 0; g < splits; ++g) {
    const auto& active = s.groups[g];
    if (active.empty()) continue;
    Index complement_size = 0;
    for (int h = 0; h < splits; ++h)
      if (h != g) {
        complement_size += static_cast<Index>(s.groups[h].size());
        if (move.kind == MoveKind::de_snooker && s.groups[h].empty())
          throw Error("the de-snooker move needs at least 4 walkers");
      }
    if (complement_size < detail::move_min_complement(move))
      throw Error("too few walkers (" + std::to_string(w) + ") for the chosen move");
    detail::propose(move, state.positions, s.groups, g, rng, s.others, s.q, s.f);
    // The acceptance draws follow the proposal draws in the step's stream (as when they were drawn one by one in
    // the loop below); taken here, their logs are one vectorised call.
    const Index n = static_cast<Index>(active.size());
    s.log_u.resize(n);
    for (Index k = 0; k < n; ++k) s.log_u(k) = rng.uniform_open();
    s.log_u.array() = s.log_u.array().log();
    evaluator_->evaluator.evaluate(target, s.q, s.lp_q);
    // Through raw pointers (column-major: element (i, c) of a matrix with r rows is data[c * r + i]): with Eigen's
    // row expressions the compiler reloaded every matrix's data pointer and size per walker.
    const Index d = state.positions.cols();
    double* positions = state.positions.data();
    double* log_prob = state.log_prob.data();
    double* accepted = state.accepted.data();
    const double* q = s.q.data();
    for (Index k = 0; k < n; ++k) {
      const Index i = active[static_cast<std::size_t>(k)];
      const double lp = s.lp_q(k);
      if (std::isnan(lp))
        throw Error(ErrorContext{.row = i}, "the target returned NaN at walker " + std::to_string(i) + ", step " +
                                                std::to_string(index) + ", " + point_text(s.q.row(k), target.names()));
      // -inf -> -inf is NaN here and compares false: rejected, as in emcee; any finite proposal from -inf wins.
      const double diff = s.f(k) + lp - log_prob[i];
      if (diff > s.log_u(k)) {
        for (Index c = 0; c < d; ++c) positions[c * w + i] = q[c * n + k];
        log_prob[i] = lp;
        accepted[i] += 1.0;
      }
    }
  }
}

}  // namespace flowprior
