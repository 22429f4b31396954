// The compiled part of the Python package `flowprior` (python/flowprior wraps it with numpy conveniences).
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "messages.hpp"
#include "flowprior/core/error.hpp"

namespace flowprior::python {

py::object json_to_python(const nlohmann::json& doc) {
  return py::module_::import("json").attr("loads")(doc.dump());
}

}  // namespace flowprior::python

PYBIND11_MODULE(_flowprior, m) {
  namespace fpy = flowprior::python;
  m.doc() = "flowprior: sequential Bayesian inference with normalizing-flow priors (C++ core)";
  // flowprior::Error arrives as flowprior.Error (a RuntimeError) with exactly the message the command line prints
  // after "flowprior: error: ".
  auto error = pybind11::register_exception<flowprior::Error>(m, "Error", PyExc_RuntimeError);
  error.doc() = "An error of the C++ core (a RuntimeError), with the command line's message: file, line, key or "
                "parameter where they apply.";
  fpy::bind_messages(m);  // flowprior.FlowpriorWarning, before anything that warns
  fpy::bind_core(m);
  fpy::bind_flow(m);
  fpy::bind_emulator(m);
  fpy::bind_sampler(m);
  fpy::bind_ensemble(m);
  fpy::bind_workflow(m);
}
