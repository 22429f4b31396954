// Where a flow's KL gap on the 10-D two-Gaussian mixture of bench/bench_flow_vs_zuko.py comes from (issue 21, the
// NSF's seed dependence). Reads the script's raw float64 files (training and held-out draws, 10 columns), trains
// exactly as bench_flow_fit does (all rows, no validation split, 20 epochs, batch 512, Adam, clip 5) and prints:
//   - per epoch: the mean training loss and the held-out KL gap of the weights at the end of that epoch (observed
//     through TrainOptions::on_epoch, which does not change the training);
//   - for the returned weights: the KL gap split by the mixture's mode (a held-out row's mode is the sign of its
//     coordinate mean; the modes are 4 sqrt(10) / 0.5 = 25 sds apart, so the split is exact in practice), the
//     flow's own mode weight and the mass it puts between the modes (from draws of the flow), and each
//     coordinate's marginal KL(p_j || q_j) from a histogram of the flow's draws against the exact marginal.
// With modes this far apart, KL(p || q) = KL of the mode weights + mean over modes of KL(p(.|m) || q(.|m)) up to
// the mass q puts between the modes, which shows up as -log of the mass q keeps near the modes.
//   check_flow_mixture_fit TRAIN TEST ARCH SEED [key=value ...]
//   keys: epochs (20), lr (1e-3), clip (5), bound (0: default), bins (8), draws (50000), threads (1), batch (512),
//         train_eval (0): 1 = also the mean -log q of all training rows for the weights after each epoch,
//         trace_from (0: off): from this epoch on, print the KL gap on the first trace_rows (10000) held-out rows
//         every trace_every (4) minibatch steps (TrainOptions::interrupt, called before each step, only observes)
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "flowprior/flow/train.hpp"
#include "raw_rows.hpp"

using namespace flowprior;
using flowprior::bench::read_rows;

namespace {

constexpr int kDim = 10;
constexpr double kMu = 2.0, kSd = 0.5;


// Exact log density of the mixture (bench_flow_vs_zuko.py's log_p).
double log_p(const Eigen::Ref<const Eigen::RowVectorXd>& x) {
  const double norm = -0.5 * kDim * std::log(2 * std::numbers::pi) - kDim * std::log(kSd) + std::log(0.5);
  const double qm = (x.array() + kMu).square().sum() / (kSd * kSd);
  const double qp = (x.array() - kMu).square().sum() / (kSd * kSd);
  const double a = -0.5 * qm, b = -0.5 * qp, m = std::max(a, b);
  return norm + m + std::log(std::exp(a - m) + std::exp(b - m));
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double marginal_mass(double lo, double hi) {  // exact mass of one coordinate's marginal in [lo, hi)
  return 0.5 * (normal_cdf((hi - kMu) / kSd) - normal_cdf((lo - kMu) / kSd)) +
         0.5 * (normal_cdf((hi + kMu) / kSd) - normal_cdf((lo + kMu) / kSd));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: check_flow_mixture_fit TRAIN TEST ARCH SEED [key=value ...]\n");
    return 2;
  }
  std::map<std::string, double> kv{{"epochs", 20}, {"lr", 1e-3}, {"clip", 5}, {"bound", 0}, {"bins", 8},
                                   {"draws", 50000}, {"threads", 1}, {"batch", 512},
                                   {"train_eval", 0}, {"trace_from", 0}, {"trace_rows", 10000}, {"trace_every", 4}};
  for (int a = 5; a < argc; ++a) {
    const std::string s = argv[a];
    const auto eq = s.find('=');
    if (eq == std::string::npos || !kv.count(s.substr(0, eq))) throw std::runtime_error("unknown option " + s);
    kv[s.substr(0, eq)] = std::atof(s.c_str() + eq + 1);
  }
  const MatrixXd train = read_rows(argv[1], kDim), test = read_rows(argv[2], kDim);
  VectorXd lp(test.rows());
  for (Index i = 0; i < test.rows(); ++i) lp(i) = log_p(test.row(i));

  TrainOptions o;
  o.flow.arch = flow_arch_from_string(argv[3]);
  o.flow.layers = 3;
  o.flow.hidden = 64;
  o.flow.hidden_layers = 2;
  o.flow.bins = static_cast<int>(kv["bins"]);
  o.flow.tail_bound = kv["bound"];
  o.max_epochs = static_cast<int>(kv["epochs"]);
  o.batch_size = static_cast<int>(kv["batch"]);
  o.threads = static_cast<int>(kv["threads"]);
  o.seed = static_cast<std::uint64_t>(std::atoll(argv[4]));
  o.learning_rate = kv["lr"];
  o.clip_norm = kv["clip"];
  o.patience = 1 << 30;
  o.validation_fraction = 0.0;
  Flow flow;
  auto gap_of = [&](const Flow& f) {
    VectorXd lq;
    f.log_prob(test, lq);
    return (lp - lq).eval();
  };
  o.on_epoch = [&](const TrainEpoch& e) {
    const VectorXd g = gap_of(flow);
    double train_nll = 0;
    if (kv["train_eval"] > 0) {
      VectorXd lq;
      flow.log_prob(train, lq);
      train_nll = -lq.mean();
    }
    std::printf("epoch %2d train_loss %.5f test_gap %.5f train_nll_after %.5f\n", e.epoch, e.train_loss, g.mean(),
                train_nll);
  };
  const auto steps_per_epoch = static_cast<long>((train.rows() + o.batch_size - 1) / o.batch_size);
  const auto trace_rows = std::min<Index>(static_cast<Index>(kv["trace_rows"]), test.rows());
  long step = 0;
  if (kv["trace_from"] > 0)
    o.interrupt = [&] {
      const long epoch = step / steps_per_epoch + 1, in_epoch = step % steps_per_epoch;
      if (epoch >= static_cast<long>(kv["trace_from"]) && in_epoch % static_cast<long>(kv["trace_every"]) == 0) {
        VectorXd lq;
        flow.log_prob(test.topRows(trace_rows), lq);
        std::printf("step %ld epoch %ld+%ld gap_sub %.5f\n", step, epoch, in_epoch,
                    (lp.head(trace_rows) - lq).mean());
      }
      ++step;
    };
  const TrainSummary s = train_flow_unbounded(train, VectorXd(), VectorXd(), o, flow);
  std::printf("bound %.4f best_epoch %d wall %.1f\n", flow.config().tail_bound, s.best_epoch, s.wall_seconds);

  const VectorXd g = gap_of(flow);
  double gp = 0, gm = 0;
  int np = 0, nm = 0;
  for (Index i = 0; i < test.rows(); ++i) {
    if (test.row(i).mean() > 0) gp += g(i), ++np;
    else gm += g(i), ++nm;
  }
  const double se = std::sqrt((g.array() - g.mean()).square().sum() / static_cast<double>(g.size())) /
                    std::sqrt(static_cast<double>(g.size()));
  std::printf("final gap %.5f +- %.5f | mode + %.5f (n %d) | mode - %.5f (n %d)\n", g.mean(), se, gp / np, np,
              gm / nm, nm);

  Rng rng(12345);
  MatrixXd u;
  VectorXd lq;
  flow.sample(static_cast<Index>(kv["draws"]), rng, u, lq);
  // "Between the modes": a draw whose log p is below the 1e-4 quantile of p's own log p (chi^2_10 tail: log p
  // more than 0.5 * 35.6 below its maximum, i.e. squared distance to the nearest mode > 35.6 sd^2).
  const double lp_max = -0.5 * kDim * std::log(2 * std::numbers::pi) - kDim * std::log(kSd) + std::log(0.5);
  int plus = 0, far = 0;
  VectorXd lpu(u.rows());
  for (Index i = 0; i < u.rows(); ++i) {
    lpu(i) = log_p(u.row(i));
    if (u.row(i).mean() > 0) ++plus;
    if (lpu(i) < lp_max - 0.5 * 35.56) ++far;
  }
  const double w = static_cast<double>(plus) / static_cast<double>(u.rows());
  const double mode_kl = 0.5 * std::log(0.5 / w) + 0.5 * std::log(0.5 / (1 - w));
  std::printf("flow draws %ld: mode + weight %.4f (KL of the weights %.5f), far from both modes %.5f "
              "(p's own: 1e-4); reverse KL(q||p) %.5f\n",
              static_cast<long>(u.rows()), w, mode_kl, static_cast<double>(far) / static_cast<double>(u.rows()),
              (lq - lpu).mean());
  std::printf("marginal KL(p_j||q_j) per coordinate (histogram, bin 0.1, bias ~0.0008):");
  const double lo = -6, width = 0.1;
  const int nb = 120;
  for (int j = 0; j < kDim; ++j) {
    std::vector<double> cnt(static_cast<std::size_t>(nb), 0.0);
    for (Index i = 0; i < u.rows(); ++i) {
      const int b = static_cast<int>(std::floor((u(i, j) - lo) / width));
      if (b >= 0 && b < nb) cnt[static_cast<std::size_t>(b)] += 1;
    }
    double kl = 0;
    for (int b = 0; b < nb; ++b) {
      const double pm = marginal_mass(lo + b * width, lo + (b + 1) * width);
      const double qm = (cnt[static_cast<std::size_t>(b)] + 0.5) / (static_cast<double>(u.rows()) + 0.5 * nb);
      if (pm > 0) kl += pm * std::log(pm / qm);
    }
    std::printf(" %.4f", kl);
  }
  std::printf("\n");
  return 0;
}
