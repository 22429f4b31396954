#include "flowprior/flow/train.hpp"
#include "flowprior/core/stream_purpose.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <sstream>

#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/core/thread_pool.hpp"

namespace flowprior {

std::string to_string(Loss loss) {
  switch (loss) {
    case Loss::nll: return "nll";
    case Loss::kl: return "kl";
    case Loss::jeffreys: return "jeffreys";
  }
  return "?";
}

Loss loss_from_string(const std::string& name) {
  if (name == "nll") return Loss::nll;
  if (name == "kl") return Loss::kl;
  if (name == "jeffreys") return Loss::jeffreys;
  throw Error(ErrorContext{.parameter = "loss"}, "unknown loss '" + name + "' (expected nll, kl or jeffreys)");
}

double loss_and_coefficients(Loss loss, const VectorXd& log_q, const VectorXd& w, const VectorXd& p,
                             VectorXd* dloss_dlog_q) {
  const Index n = log_q.size();
  VectorXd s = w.size() == 0 ? VectorXd::Ones(n) : w;
  s /= s.sum();
  double value = 0;
  switch (loss) {
    case Loss::nll:
      value = -s.dot(log_q);
      if (dloss_dlog_q) *dloss_dlog_q = -s;
      break;
    case Loss::kl:
      value = s.dot(p - log_q);
      if (dloss_dlog_q) *dloss_dlog_q = -s;
      break;
    case Loss::jeffreys: {
      // KL(p||q) up to a constant, plus the self-normalised importance estimate of KL(q||p) on the same draws
      // (docs/reference/paper.md §4), with the IS weights multiplying the sample weights.
      const VectorXd r = log_q - p;
      VectorXd omega(n);
      for (Index i = 0; i < n; ++i) omega(i) = std::exp(std::clamp(r(i), -30.0, 30.0));
      const VectorXd so = s.cwiseProduct(omega);
      const double big_w = so.sum();
      const double reverse = so.dot(r) / big_w;
      value = -s.dot(r) + reverse;
      if (dloss_dlog_q) {
        dloss_dlog_q->resize(n);
        for (Index i = 0; i < n; ++i) {
          const bool clipped = r(i) < -30.0 || r(i) > 30.0;
          (*dloss_dlog_q)(i) = -s(i) + so(i) / big_w * (1.0 + (clipped ? 0.0 : r(i) - reverse));
        }
      }
      break;
    }
  }
  return value;
}

namespace {

constexpr std::size_t kChunkRows = 128;  // fixed gradient chunks: results do not depend on the thread count
constexpr std::size_t kEvalChunkRows = 1024;
// Without a validation split, each epoch is scored on at most this many training rows (a fixed seeded sample).
constexpr std::size_t kScoreRows = 16384;

struct Adam {
  explicit Adam(Index n, double lr) : m(VectorXd::Zero(n)), v(VectorXd::Zero(n)), lr(lr) {}
  void step(VectorXd& params, const VectorXd& g) {
    ++t;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g.cwiseProduct(g);
    const double c1 = 1 - std::pow(b1, t), c2 = 1 - std::pow(b2, t);
    params.array() -= lr * (m.array() / c1) / ((v.array() / c2).sqrt() + eps);
  }
  VectorXd m, v;
  double lr;
  double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  int t = 0;
};

void gather_rows(const MatrixXd& x, const std::vector<Index>& idx, std::size_t begin, std::size_t end,
                 MatrixXd& out) {
  out.resize(static_cast<Index>(end - begin), x.cols());
  for (std::size_t k = begin; k < end; ++k) out.row(static_cast<Index>(k - begin)) = x.row(idx[k]);
}

void gather(const VectorXd& v, const std::vector<Index>& idx, std::size_t begin, std::size_t end, VectorXd& out) {
  if (v.size() == 0) {
    out.resize(0);
    return;
  }
  out.resize(static_cast<Index>(end - begin));
  for (std::size_t k = begin; k < end; ++k) out(static_cast<Index>(k - begin)) = v(idx[k]);
}

void check_inputs(const MatrixXd& u, const VectorXd& weights, const VectorXd& log_density,
                  const TrainOptions& o) {
  const std::string src = "train_flow";
  if (u.rows() < 1 || u.cols() < 1) throw Error(src + ": no training data");
  for (Index i = 0; i < u.rows(); ++i)
    for (Index j = 0; j < u.cols(); ++j)
      if (!std::isfinite(u(i, j)))
        throw Error(ErrorContext{.parameter = "x" + std::to_string(j + 1), .row = static_cast<long>(i)},
                    src + ": non-finite training value");
  if (weights.size() != 0) {
    if (weights.size() != u.rows()) throw Error(ErrorContext{.parameter = "weight"}, src + ": weights length");
    for (Index i = 0; i < weights.size(); ++i)
      if (!std::isfinite(weights(i)) || weights(i) < 0)
        throw Error(ErrorContext{.parameter = "weight", .row = static_cast<long>(i)},
                    src + ": weights must be finite and >= 0");
    if (!(weights.sum() > 0)) throw Error(ErrorContext{.parameter = "weight"}, src + ": all weights are zero");
  }
  if (o.loss != Loss::nll) {
    if (log_density.size() != u.rows())
      throw Error(ErrorContext{.parameter = "log_density"},
                  src + ": loss " + to_string(o.loss) + " needs the target log density of every row");
    for (Index i = 0; i < log_density.size(); ++i)
      if (!std::isfinite(log_density(i)))
        throw Error(ErrorContext{.parameter = "log_density", .row = static_cast<long>(i)},
                    src + ": log density must be finite for loss " + to_string(o.loss));
  }
  auto bad = [&](const char* key, const std::string& what) {
    throw Error(ErrorContext{.parameter = key}, src + ": " + what);
  };
  if (o.batch_size < 1) bad("batch_size", "batch_size must be >= 1");
  if (!(o.learning_rate > 0)) bad("learning_rate", "learning_rate must be > 0");
  if (o.max_epochs < 1) bad("max_epochs", "max_epochs must be >= 1");
  if (o.patience < 1) bad("patience", "patience must be >= 1");
  if (!(o.validation_fraction >= 0 && o.validation_fraction < 1))
    bad("validation_fraction", "validation_fraction must be in [0, 1)");
  validate(o.flow);
}

}  // namespace

TrainSummary train_flow_unbounded(const MatrixXd& u, const VectorXd& weights, const VectorXd& log_density,
                                  const TrainOptions& options, Flow& flow, bool warm_start) {
  const auto t0 = std::chrono::steady_clock::now();
  check_inputs(u, weights, log_density, options);
  const Index n = u.rows();
  const int d = static_cast<int>(u.cols());
  const VectorXd w = (options.use_weights && weights.size() > 0) ? weights : VectorXd::Ones(n);
  const bool needs_p = options.loss != Loss::nll;

  // Seeded random split into training and validation rows.
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  Rng split_rng(options.seed, stream_id({purpose_id(StreamPurpose::flow_split), 0}));
  for (std::size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[split_rng.index(k)]);
  Index n_val = static_cast<Index>(std::floor(options.validation_fraction * static_cast<double>(n)));
  if (n - n_val < 1) n_val = 0;
  std::vector<Index> val_idx(order.begin(), order.begin() + n_val);
  std::vector<Index> train_idx(order.begin() + n_val, order.end());
  std::sort(val_idx.begin(), val_idx.end());
  std::sort(train_idx.begin(), train_idx.end());
  std::vector<std::string> early_warnings;  // before the summary exists
  if (n_val > 0) {
    double wv = 0, wt = 0;
    for (Index i : val_idx) wv += w(i);
    for (Index i : train_idx) wt += w(i);
    if (!(wv > 0) || !(wt > 0)) {  // all weight on one side: validate on the training rows instead
      early_warnings.push_back(
          "train_flow: validation or training rows carry zero total weight; early stopping on the training loss");
      options.messages.warn(early_warnings.back());
      train_idx = order;
      std::sort(train_idx.begin(), train_idx.end());
      val_idx.clear();
      n_val = 0;
    }
  }
  // Without a validation split an epoch is scored by the loss of its own final weights on a fixed sample of the
  // training rows. The epoch's mean minibatch loss is not that score: it averages weights that changed during the
  // epoch, and for a flow on its plateau it does not track the held-out fit at all (bench/RESULTS.md, "NSF fit:
  // where the seed dependence comes from": correlation -0.35 to 0.60 against 0.92-1.00 for the loss of the
  // weights), so the best-epoch restore picked blindly. The sample (the first rows of the seeded split order) costs
  // a forward pass over at most kScoreRows rows per epoch.
  std::vector<Index> score_idx;
  if (n_val == 0) {
    score_idx.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), kScoreRows)));
    std::sort(score_idx.begin(), score_idx.end());
    double ws = 0;
    for (Index i : score_idx) ws += w(i);
    if (!(ws > 0)) score_idx = train_idx;  // the weight sits outside the sample: score on every training row
  }

  if (warm_start && flow.dim() > 0) {
    if (flow.dim() != d)
      throw Error("train_flow: warm start flow has dimension " + std::to_string(flow.dim()) + ", data has " +
                  std::to_string(d));
  } else {
    VectorXd mean = VectorXd::Zero(d), var = VectorXd::Zero(d);
    double sw = 0;
    for (Index i : train_idx) {
      sw += w(i);
      mean += w(i) * u.row(i).transpose();
    }
    mean /= sw;
    for (Index i : train_idx) var += w(i) * (u.row(i).transpose() - mean).cwiseAbs2();
    var /= sw;
    VectorXd scale = var.cwiseSqrt();
    for (Index j = 0; j < d; ++j)
      if (!(scale(j) > 1e-300) || !std::isfinite(scale(j))) scale(j) = 1.0;  // a constant column
    FlowConfig config = options.flow;
    if (config.tail_bound == 0) {  // the spline covers every weighted training value (flow.hpp, tail_bound)
      double reach = 0;
      for (Index i : train_idx)
        if (w(i) > 0) reach = std::max(reach, ((u.row(i).transpose() - mean).array() / scale.array()).abs().maxCoeff());
      config.tail_bound = std::max(kMinAutoTailBound, 1.25 * reach);
    }
    Rng init_rng(options.seed, stream_id({purpose_id(StreamPurpose::flow_init), 0}));
    flow = Flow(d, config, init_rng);
    flow.set_standardization(mean, scale);
  }

  ThreadPool pool(ThreadPool::resolve(options.threads));
  const Index n_params = flow.num_params();
  VectorXd params = flow.params();
  VectorXd best_params = params;
  Adam adam(n_params, options.learning_rate);

  const std::size_t batch = static_cast<std::size_t>(options.batch_size);
  const std::size_t max_chunks = (std::min(batch, train_idx.size()) + kChunkRows - 1) / kChunkRows;
  std::vector<FlowTape> tapes(max_chunks);
  std::vector<MatrixXd> chunk_x(max_chunks);
  std::vector<VectorXd> chunk_logq(max_chunks);
  std::vector<VectorXd> chunk_grad(max_chunks, VectorXd::Zero(n_params));
  VectorXd batch_w, batch_p, batch_logq, coeff, grad(n_params);

  // Loss of a row set evaluated in fixed chunks (validation, and the training loss when there is none).
  auto evaluate_loss = [&](const std::vector<Index>& idx) {
    const auto chunks = fixed_chunks(idx.size(), kEvalChunkRows);
    VectorXd logq(static_cast<Index>(idx.size()));
    pool.parallel_for(chunks.size(), [&](std::size_t c) {
      MatrixXd x;
      gather_rows(u, idx, chunks[c].begin, chunks[c].end, x);
      VectorXd lq;
      flow.log_prob(x, lq);
      logq.segment(static_cast<Index>(chunks[c].begin), lq.size()) = lq;
    });
    VectorXd ws, ps;
    gather(w, idx, 0, idx.size(), ws);
    gather(log_density, idx, 0, idx.size(), ps);
    return loss_and_coefficients(options.loss, logq, ws, ps, nullptr);
  };

  TrainSummary summary;
  summary.train_rows = static_cast<Index>(train_idx.size());
  summary.validation_rows = n_val;
  summary.warnings = std::move(early_warnings);
  summary.best_validation_loss = std::numeric_limits<double>::infinity();
  bool have_best = false;
  int since_best = 0;
  summary.stop_reason = "max_epochs";
  std::vector<Index> perm = train_idx;

  for (int epoch = 1; epoch <= options.max_epochs; ++epoch) {
    Rng shuffle_rng(options.seed, stream_id({purpose_id(StreamPurpose::flow_shuffle), static_cast<std::uint64_t>(epoch)}));
    for (std::size_t k = perm.size(); k > 1; --k) std::swap(perm[k - 1], perm[shuffle_rng.index(k)]);
    double loss_sum = 0;
    int finite_steps = 0;
    for (std::size_t b0 = 0; b0 < perm.size(); b0 += batch) {
      if (options.interrupt) options.interrupt();
      const std::size_t b1 = std::min(perm.size(), b0 + batch);
      const auto chunks = fixed_chunks(b1 - b0, kChunkRows);
      pool.parallel_for(chunks.size(), [&](std::size_t c) {
        gather_rows(u, perm, b0 + chunks[c].begin, b0 + chunks[c].end, chunk_x[c]);
        flow.log_prob_recorded(chunk_x[c], tapes[c], chunk_logq[c]);
      });
      batch_logq.resize(static_cast<Index>(b1 - b0));
      for (std::size_t c = 0; c < chunks.size(); ++c)
        batch_logq.segment(static_cast<Index>(chunks[c].begin), chunk_logq[c].size()) = chunk_logq[c];
      gather(w, perm, b0, b1, batch_w);
      if (needs_p) gather(log_density, perm, b0, b1, batch_p);
      const double loss = loss_and_coefficients(options.loss, batch_logq, batch_w, batch_p, &coeff);
      if (!std::isfinite(loss)) {
        ++summary.skipped_steps;
        continue;
      }
      pool.parallel_for(chunks.size(), [&](std::size_t c) {
        chunk_grad[c].setZero();
        const VectorXd dl = coeff.segment(static_cast<Index>(chunks[c].begin), chunk_logq[c].size());
        flow.log_prob_backward(dl, tapes[c], chunk_grad[c].data());
      });
      grad = chunk_grad[0];
      for (std::size_t c = 1; c < chunks.size(); ++c) grad += chunk_grad[c];
      const double norm = grad.norm();
      if (!std::isfinite(norm)) {
        ++summary.skipped_steps;
        continue;
      }
      if (options.clip_norm > 0 && norm > options.clip_norm) grad *= options.clip_norm / norm;
      adam.step(params, grad);
      flow.set_params(params);
      loss_sum += loss;
      ++finite_steps;
    }
    if (finite_steps == 0) {
      summary.stop_reason = "non-finite loss";
      break;
    }
    const double train_loss = loss_sum / finite_steps;
    const double val_loss = evaluate_loss(n_val > 0 ? val_idx : score_idx);
    summary.train_loss.push_back(train_loss);
    summary.validation_loss.push_back(val_loss);
    summary.final_train_loss = train_loss;
    summary.epochs = epoch;
    if (options.progress) {
      std::ostringstream line;
      line << "epoch " << epoch << " train " << train_loss << " validation " << val_loss;
      options.messages.status(line.str());
    }
    bool stop = false;
    if (std::isfinite(val_loss) && (!have_best || val_loss < summary.best_validation_loss)) {
      have_best = true;
      summary.best_validation_loss = val_loss;
      summary.best_epoch = epoch;
      best_params = params;
      since_best = 0;
    } else if (++since_best >= options.patience) {
      summary.stop_reason = "patience";
      stop = true;
    }
    if (options.on_epoch)  // observes only: nothing above depends on it
      options.on_epoch(TrainEpoch{.epoch = epoch,
                                  .max_epochs = options.max_epochs,
                                  .train_loss = train_loss,
                                  .validation_loss = val_loss,
                                  .best_validation_loss = summary.best_validation_loss,
                                  .best_epoch = summary.best_epoch,
                                  .patience_left = std::max(0, options.patience - since_best),
                                  .stopping = stop || epoch == options.max_epochs});
    if (stop) break;
  }
  // The best weights, not the last (the initial identity flow when no epoch was finite).
  flow.set_params(best_params);
  summary.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace flowprior
