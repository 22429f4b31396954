#pragma once
// Ctrl-C during C++ work. Python's SIGINT handler only sets a flag; the interpreter raises KeyboardInterrupt when
// it next runs Python code on the main thread, which a C++ loop with the GIL released never does. The check
// returned here is the `interrupt` hook of the samplers' and the training's options (the C++ core never needs
// Python): at most every 20 ms it takes the GIL and runs PyErr_CheckSignals; a pending KeyboardInterrupt (or any
// exception a Python signal handler raised) leaves the C++ loop as pybind11::error_already_set, which the
// binding lets through unchanged. Off the main thread PyErr_CheckSignals does nothing, so worker threads may call
// it harmlessly.
#include <functional>

#include "flowprior/core/evaluator.hpp"

namespace flowprior::python {

std::function<void()> python_interrupt_check();

// The thread evaluator of the samplers, checking for Ctrl-C before every batch (a batch of a C++ likelihood
// runs without Python, so this is where a pending signal is noticed between batches).
class InterruptibleEvaluator : public Evaluator {
 public:
  InterruptibleEvaluator(int threads, std::function<void()> check);
  void evaluate(const LogDensity& density, const MatrixXd& x, VectorXd& out) override;

 private:
  ThreadEvaluator inner_;
  std::function<void()> check_;
};

}  // namespace flowprior::python
