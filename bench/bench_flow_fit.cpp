// Fit quality and training time of one of our flows on given data, for bench/bench_flow_vs_zuko.py (which runs
// zuko's flow on the same files in the same invocation). Reads two raw files of little-endian float64 (row-major,
// `dim` columns): training draws and held-out test draws; trains with all training rows (no validation split, the
// peer's loop has none), then prints one JSON object with the training wall/CPU seconds and log q of every test row
// (the script compares it with the exact log density).
//   bench_flow_fit TRAIN TEST DIM ARCH LAYERS HIDDEN BINS EPOCHS BATCH THREADS SEED [LR=1e-3] [TAIL_BOUND=default]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <stdexcept>
#include <string>

#include "flowprior/flow/train.hpp"
#include "raw_rows.hpp"

using namespace flowprior;
using flowprior::bench::read_rows;

int main(int argc, char** argv) {
  if (argc < 12) {
    std::fprintf(stderr,
                 "usage: bench_flow_fit TRAIN TEST DIM ARCH LAYERS HIDDEN BINS EPOCHS BATCH THREADS SEED [LR]\n");
    return 2;
  }
  const int dim = std::atoi(argv[3]);
  const MatrixXd train = read_rows(argv[1], dim);
  const MatrixXd test = read_rows(argv[2], dim);
  TrainOptions o;
  o.flow.arch = flow_arch_from_string(argv[4]);
  o.flow.layers = std::atoi(argv[5]);
  o.flow.hidden = std::atoi(argv[6]);
  o.flow.hidden_layers = 2;
  o.flow.bins = std::atoi(argv[7]);
  o.max_epochs = std::atoi(argv[8]);
  o.batch_size = std::atoi(argv[9]);
  o.threads = std::atoi(argv[10]);
  o.seed = static_cast<std::uint64_t>(std::atoll(argv[11]));
  o.learning_rate = argc > 12 ? std::atof(argv[12]) : 1e-3;
  if (argc > 13) o.flow.tail_bound = std::atof(argv[13]);
  o.patience = 1 << 30;
  o.validation_fraction = 0.0;
  Flow flow;
  const std::clock_t c0 = std::clock();
  const auto t0 = std::chrono::steady_clock::now();
  const TrainSummary s = train_flow_unbounded(train, VectorXd(), VectorXd(), o, flow);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  VectorXd lq;
  flow.log_prob(test, lq);
  std::printf("{\"impl\": \"flowprior %s\", \"params\": %ld, \"epochs\": %d, \"train_wall_s\": %.4f, "
              "\"train_cpu_s\": %.4f, \"final_train_loss\": %.6f, \"log_q\": [",
              to_string(o.flow.arch).c_str(), static_cast<long>(flow.num_params()), s.epochs, wall, cpu,
              s.final_train_loss);
  for (Index i = 0; i < lq.size(); ++i) std::printf(i ? ",%.17g" : "%.17g", lq(i));
  std::printf("]}\n");
  return 0;
}
