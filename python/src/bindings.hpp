#pragma once
// Shared pieces of the Python module `flowprior._flowprior`: the density handle every sampler accepts, and the
// conversions between nlohmann::json and Python objects.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pybind11/pybind11.h>

#include "flowprior/core/box.hpp"
#include "flowprior/core/stream_purpose.hpp"
#include "flowprior/core/log_density.hpp"
#include "flowprior/core/rng.hpp"

namespace flowprior::python {

namespace py = pybind11;

// What Python sees as `Density`: a log-density and, when it can serve as a prior, its box and a sampler.
// The C++ object is shared (samplers keep it alive while they run, whatever Python does meanwhile).
struct DensityHandle {
  std::shared_ptr<const LogDensity> density;
  std::optional<Box> box;                              // set for priors (uniform, flow, mixture)
  std::function<MatrixXd(Index, Rng&)> sample;         // set for priors
  std::string kind;                                    // "uniform", "flow", "mixture", "callable", ...
};

// json -> Python (dict/list/float/...), through the json module so that every value keeps its type.
py::object json_to_python(const nlohmann::json& doc);

// The random stream `Density.sample(n, seed)` and `Flow.sample(n, seed)` draw from: the same as
// `flowprior flow sample --seed`, so Python and the command line give the same draws.
inline constexpr std::uint64_t kFlowSampleStream = purpose_id(StreamPurpose::flow_sample);

void bind_core(py::module_& m);
void bind_flow(py::module_& m);
void bind_emulator(py::module_& m);
void bind_sampler(py::module_& m);
void bind_ensemble(py::module_& m);
void bind_workflow(py::module_& m);

}  // namespace flowprior::python
