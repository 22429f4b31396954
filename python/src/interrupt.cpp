#include "interrupt.hpp"

#include <atomic>
#include <chrono>
#include <memory>

#include <pybind11/pybind11.h>

namespace flowprior::python {

std::function<void()> python_interrupt_check() {
  using Clock = std::chrono::steady_clock;
  // Shared by the copies of the returned function (options are copied around) and atomic, since members of a
  // flow ensemble may train on several threads at once.
  auto last = std::make_shared<std::atomic<Clock::rep>>(Clock::now().time_since_epoch().count());
  return [last] {
    const Clock::rep now = Clock::now().time_since_epoch().count();
    const Clock::rep interval = std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(20)).count();
    Clock::rep previous = last->load();
    if (now - previous < interval || !last->compare_exchange_strong(previous, now)) return;
    pybind11::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
  };
}

InterruptibleEvaluator::InterruptibleEvaluator(int threads, std::function<void()> check)
    : inner_(threads), check_(std::move(check)) {}

void InterruptibleEvaluator::evaluate(const LogDensity& density, const MatrixXd& x, VectorXd& out) {
  if (check_) check_();
  inner_.evaluate(density, x, out);
  calls_ = inner_.calls();
}

}  // namespace flowprior::python
