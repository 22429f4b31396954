// Speed of our MAF on one thread: training samples/s and log_prob latency at several batch sizes.
// Run by bench/bench_flow.py next to the same model in PyTorch; prints one JSON object.
//   bench_flow_cpp [dim=10] [n=100000] [batch=512] [layers=5] [hidden=64] [epochs=2] [arch=maf]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "flowprior/flow/train.hpp"

using namespace flowprior;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Microseconds per log_prob call on a batch of `rows`, repeated for about `budget` seconds.
double log_prob_latency_us(const Flow& flow, const MatrixXd& data, Index rows, double budget) {
  const MatrixXd x = data.topRows(rows);
  VectorXd out;
  flow.log_prob(x, out);  // warm-up
  long calls = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  double sink = 0;
  do {
    for (int k = 0; k < 20; ++k) {
      flow.log_prob(x, out);
      sink += out(0);
    }
    calls += 20;
    elapsed = seconds_since(t0);
  } while (elapsed < budget);
  if (sink == 42.4242) std::puts("");
  return 1e6 * elapsed / static_cast<double>(calls);
}

}  // namespace

int main(int argc, char** argv) {
  auto arg = [&](int i, long def) { return argc > i ? std::atol(argv[i]) : def; };
  const int dim = static_cast<int>(arg(1, 10));
  const Index n = arg(2, 100000);
  const int batch = static_cast<int>(arg(3, 512));
  const int layers = static_cast<int>(arg(4, 5));
  const int hidden = static_cast<int>(arg(5, 64));
  const int epochs = static_cast<int>(arg(6, 2));
  const std::string arch = argc > 7 ? argv[7] : "maf";

  // Correlated Gaussian data: x = z A^T with A lower triangular, entries 0.3 below the diagonal.
  Rng rng(1);
  MatrixXd z(n, dim);
  rng.fill_normal(z);
  MatrixXd a = MatrixXd::Identity(dim, dim);
  for (int i = 0; i < dim; ++i)
    for (int j = 0; j < i; ++j) a(i, j) = 0.3;
  const MatrixXd data = z * a.transpose();

  TrainOptions o;
  o.flow.arch = flow_arch_from_string(arch);
  o.flow.layers = layers;
  o.flow.hidden = hidden;
  o.flow.hidden_layers = 2;
  o.batch_size = batch;
  o.learning_rate = 1e-3;
  o.max_epochs = epochs;
  o.patience = 1000;
  o.validation_fraction = 0.0;  // time the optimisation steps only, as the PyTorch loop does
  o.threads = 1;
  Flow flow;
  const auto t0 = std::chrono::steady_clock::now();
  const TrainSummary s = train_flow_unbounded(data, VectorXd(), VectorXd(), o, flow);
  const double train_seconds = seconds_since(t0);

  const double lat1 = log_prob_latency_us(flow, data, 1, 0.5);
  const double lat32 = log_prob_latency_us(flow, data, 32, 0.5);
  const double lat1024 = log_prob_latency_us(flow, data, 1024, 0.5);
  const auto ts = std::chrono::steady_clock::now();
  Rng srng(2);
  const MatrixXd sample = flow.sample(10000, srng);
  const double sample_seconds = seconds_since(ts);
  std::printf(
      "{\"impl\": \"flowprior C++ float64\", \"arch\": \"%s\", \"params\": %ld, \"train_samples_per_s\": %.1f, "
      "\"final_train_loss\": %.6f, \"log_prob_us\": {\"1\": %.3f, \"32\": %.3f, \"1024\": %.3f}, "
      "\"sample_10k_s\": %.4f, \"sample_check\": %.3f}\n",
      arch.c_str(), static_cast<long>(flow.num_params()), static_cast<double>(n) * s.epochs / train_seconds,
      s.final_train_loss, lat1, lat32, lat1024, sample_seconds, sample.col(0).mean());
  return 0;
}
