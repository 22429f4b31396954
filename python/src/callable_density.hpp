#pragma once
// A LogDensity whose values come from a Python callable f(x) with x a (B, d) float64 array, returning B values.
// Samplers call log_prob with the GIL released, possibly from worker threads: each call takes the GIL for the
// Python part only. A Python exception inside f leaves log_prob as pybind11::error_already_set, which carries the
// original exception object through the C++ sampler (the ThreadPool re-throws it unchanged), so the caller in
// Python gets the very exception f raised, with its type, message and traceback.
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include "flowprior/core/log_density.hpp"

namespace flowprior::python {

class CallableDensity : public LogDensity {
 public:
  // Needs the GIL (it keeps a reference to the callable).
  CallableDensity(pybind11::object function, std::vector<std::string> names);
  ~CallableDensity() override;
  CallableDensity(const CallableDensity&) = delete;
  CallableDensity& operator=(const CallableDensity&) = delete;

  int dim() const override { return static_cast<int>(names_.size()); }
  std::vector<std::string> names() const override { return names_; }
  void log_prob(const MatrixXd& x, VectorXd& out) const override;
  using LogDensity::log_prob;
  const pybind11::object& function() const { return function_; }  // needs the GIL

 private:
  pybind11::object function_;
  std::vector<std::string> names_;
};

}  // namespace flowprior::python
