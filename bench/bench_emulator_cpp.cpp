// C++ side of bench/bench_emulator.py: fit one GP (same kernel and design as scikit-learn), then time batch
// prediction (mean and variance) and single-point latency. Prints one JSON line.
//   bench_emulator_cpp DESIGN.csv TARGETS.csv POINTS.csv KERNEL RESTARTS PRED_OUT.csv
#include <chrono>
#include <cstdio>
#include <string>

#include "flowprior/emulator/gaussian_process.hpp"
#include "flowprior/io/csv.hpp"

using namespace flowprior;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s DESIGN.csv TARGETS.csv POINTS.csv se|matern52 RESTARTS PRED_OUT.csv\n", argv[0]);
    return 2;
  }
  const MatrixXd x = read_csv_table(argv[1]).values;
  const VectorXd z = read_csv_table(argv[2]).values.col(0);
  const MatrixXd points = read_csv_table(argv[3]).values;
  GpFitOptions options;
  options.kernel = kernel_from_string(argv[4]);
  options.restarts = std::stoi(argv[5]);
  // The same bounds as the scikit-learn side.
  options.min_length = 1e-2;
  options.max_length = 1e2;
  options.min_amplitude = 1e-2;
  options.max_amplitude = 1e2;
  options.min_noise = 1e-6;
  options.max_noise = 1.0;

  auto t0 = std::chrono::steady_clock::now();
  GpFitSummary summary;
  const GaussianProcess gp = GaussianProcess::fit(x, z, options, &summary);
  const double fit_s = seconds_since(t0);

  VectorXd mean, var;
  gp.predict(points.topRows(10), mean, var, true);  // warm-up
  double batch_s = 1e300;
  for (int rep = 0; rep < 3; ++rep) {
    t0 = std::chrono::steady_clock::now();
    gp.predict(points, mean, var, true);
    batch_s = std::min(batch_s, seconds_since(t0));
  }
  MatrixXd out(points.rows(), 2);
  out.col(0) = mean;
  out.col(1) = var;
  write_csv_table(argv[6], {"mean", "variance"}, out);

  const int singles = 2000;
  VectorXd m1, v1;
  double checksum = 0.0;
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < singles; ++i) {
    gp.predict(points.row(i % points.rows()), m1, v1, true);
    checksum += m1[0];
  }
  const double single_s = seconds_since(t0) / singles;
  std::printf(
      "{\"fit_s\": %.6g, \"batch_s\": %.6g, \"single_s\": %.6g, \"lml\": %.10g, \"restarts\": %d, \"checksum\": %.6g}\n",
      fit_s, batch_s, single_s, summary.log_marginal_likelihood, summary.restarts, checksum);
  return 0;
}
