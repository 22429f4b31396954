#pragma once
// A density that costs `cost_ms` milliseconds of CPU per point on top of the wrapped one, for scaling benchmarks
// (`flowprior sample --likelihood-cost-ms`): it stands for a likelihood that is the model itself. The wait is on
// the thread's CPU clock, so a loaded machine slows it down as it would slow a real model; the values are the
// wrapped density's, bit for bit.
#include <time.h>

#include <memory>

#include "flowprior/core/log_density.hpp"

namespace flowprior::cli {

class SlowDensity : public LogDensity {
 public:
  SlowDensity(std::shared_ptr<const LogDensity> density, double cost_ms)
      : density_(std::move(density)), cost_ns_(static_cast<long long>(cost_ms * 1e6)) {}
  int dim() const override { return density_->dim(); }
  std::vector<std::string> names() const override { return density_->names(); }
  using LogDensity::log_prob;
  void log_prob(const MatrixXd& x, VectorXd& out) const override {
    density_->log_prob(x, out);
    for (Index i = 0; i < x.rows(); ++i) spin();
  }

 private:
  static long long thread_cpu_ns() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec;
  }
  void spin() const {
    const long long end = thread_cpu_ns() + cost_ns_;
    while (thread_cpu_ns() < end) {
    }
  }
  std::shared_ptr<const LogDensity> density_;
  long long cost_ns_;
};

}  // namespace flowprior::cli
