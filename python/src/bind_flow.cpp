// Flows: train from numpy arrays exactly as `flowprior flow train` does from a CSV, sample, log_prob, files.
#include <algorithm>

#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/density/defensive_mixture.hpp"
#include "flowprior/density/flow_prior.hpp"
#include "flowprior/flow/flow_file.hpp"
#include "flowprior/flow/train_settings.hpp"
#include "flowprior/flow/flow_on_box.hpp"

namespace flowprior::python {
namespace {

using FlowPtr = std::shared_ptr<FlowOnBox>;

// The same steps, checks and options as run_train in src/cli/cmd_flow.cpp, so that the same data and seed give
// the same flow file bit for bit (apart from the measured wall_seconds).
FlowPtr train(Samples raw, const Box& box, const FlowTrainSettings& a) {
  const std::string source = "samples";
  for (const auto& name : raw.names)
    if (std::find(box.names().begin(), box.names().end(), name) == box.names().end())
      warn("train_flow: column '" + name + "' is not a parameter of the box; ignored");
  Samples samples = raw.with_columns(box.names(), source);
  box.check_in_closed_box(samples.values, source);
  const TrainOptions options = to_train_options(a);
  if (options.loss != Loss::nll && !samples.has_log_density())
    throw Error(ErrorContext{.parameter = "log_density"},
                "loss '" + a.loss + "' needs log_density (the target log-density of every sample); "
                "pass it or use loss='nll'");
  auto flow = std::make_shared<FlowOnBox>();
  train_flow(samples, box, options, *flow);
  return flow;
}

DensityHandle flow_prior(const FlowPtr& flow, double eps) {
  auto prior = std::make_shared<const FlowPrior>(std::shared_ptr<const FlowOnBox>(flow));
  if (eps == 0.0)
    return {prior, flow->box, [prior](Index n, Rng& rng) { return prior->sample(n, rng); }, "flow"};
  auto mixture = std::make_shared<const DefensiveMixture>(prior, eps);
  return {mixture, flow->box, [mixture](Index n, Rng& rng) { return mixture->sample(n, rng); }, "mixture"};
}

}  // namespace

void bind_flow(py::module_& m) {
  py::class_<FlowOnBox, FlowPtr>(m, "Flow", "A trained normalizing flow on a parameter box (a normalised prior).")
      .def_static("load", [](const std::string& path) { return std::make_shared<FlowOnBox>(load_flow_file(path)); },
                  py::arg("path"), "Reads a flow file written by `flowprior flow train` or Flow.save.")
      .def_static("from_json", [](const std::string& text) {
                    return std::make_shared<FlowOnBox>(
                        flow_from_json(nlohmann::json::parse(text), "<string>"));
                  }, py::arg("text"))
      .def("save", [](const FlowOnBox& f, const std::string& path) { save_flow_file(path, f); }, py::arg("path"),
           "Writes the same versioned JSON file as the command line.")
      .def("to_json", [](const FlowOnBox& f) { return flow_to_json(f).dump(); })
      .def_property_readonly("box", [](const FlowOnBox& f) { return f.box; })
      .def_property_readonly("names", [](const FlowOnBox& f) { return f.box.names(); })
      .def_property_readonly("dim", [](const FlowOnBox& f) { return f.box.dim(); })
      .def_property_readonly("architecture", [](const FlowOnBox& f) { return to_string(f.flow.config().arch); })
      .def_property_readonly("num_params", [](const FlowOnBox& f) { return f.flow.num_params(); })
      .def_property_readonly("params", [](const FlowOnBox& f) { return f.flow.params(); })
      .def_property_readonly("training", [](const FlowOnBox& f) { return json_to_python(f.training); },
                             "Training summary, options and data provenance (dict).")
      .def("log_prob", [](const FlowPtr& f, const MatrixXd& x) {
             const FlowPrior prior{std::shared_ptr<const FlowOnBox>(f)};
             if (x.cols() != prior.dim())
               throw Error(ErrorContext{.parameter = "x"}, "has " + std::to_string(x.cols()) +
                                                               " columns, the flow has " + std::to_string(prior.dim()));
             py::gil_scoped_release release;
             return prior.log_prob(x);
           }, py::arg("x"), "Normalised log density on the box (-inf outside), as `flowprior flow logpdf`.")
      .def("sample", [](const FlowPtr& f, Index n, std::uint64_t seed) {
             if (n < 1) throw Error(ErrorContext{.parameter = "n"}, "must be at least 1");
             const FlowPrior prior{std::shared_ptr<const FlowOnBox>(f)};
             py::gil_scoped_release release;
             Rng rng(seed, stream_id({kFlowSampleStream}));
             return prior.sample(n, rng);
           }, py::arg("n"), py::arg("seed") = 1, "n draws (n x d), the same as `flowprior flow sample --seed`.")
      .def("prior", &flow_prior, py::arg("eps") = 0.0,
           "The flow as a prior Density; eps > 0: the defensive mixture (1 - eps) flow + eps uniform.")
      .def("__repr__", [](const FlowOnBox& f) {
        return "Flow(" + to_string(f.flow.config().arch) + ", dim=" + std::to_string(f.box.dim()) +
               ", params=" + std::to_string(f.flow.num_params()) + ")";
      });

  m.def("train_flow",
        [](const MatrixXd& values, const Box& box, std::optional<std::vector<std::string>> names,
           std::optional<VectorXd> weights, std::optional<VectorXd> log_density, const std::string& arch,
           const std::string& loss, int layers, int hidden, int hidden_layers, int bins, double tail_bound,
           int epochs, int batch, double lr, int patience, double validation, double clip, std::uint64_t seed,
           bool use_weights, int threads, bool progress) {
          Samples raw;
          raw.names = names ? *names : box.names();
          if (static_cast<Index>(raw.names.size()) != values.cols())
            throw Error(ErrorContext{.parameter = "names"},
                        std::to_string(raw.names.size()) + " names for " + std::to_string(values.cols()) +
                            " columns");
          raw.values = values;
          if (weights) raw.weights = *weights;
          if (log_density) raw.log_density = *log_density;
          const FlowTrainSettings a{.arch = arch, .loss = loss, .layers = layers, .hidden = hidden,
                                 .hidden_layers = hidden_layers, .bins = bins, .tail_bound = tail_bound,
                                 .epochs = epochs, .batch = batch, .patience = patience, .threads = threads,
                                 .lr = lr, .validation = validation, .clip = clip, .seed = seed,
                                 .use_weights = use_weights, .progress = progress};
          py::gil_scoped_release release;
          return train(std::move(raw), box, a);
        },
        py::arg("samples"), py::arg("box"), py::kw_only(), py::arg("names") = py::none(),
        py::arg("weights") = py::none(), py::arg("log_density") = py::none(), py::arg("arch") = "maf",
        py::arg("loss") = "nll", py::arg("layers") = 5, py::arg("hidden") = 64, py::arg("hidden_layers") = 2,
        py::arg("bins") = 8, py::arg("tail_bound") = FlowConfig{}.tail_bound, py::arg("epochs") = 500,
        py::arg("batch") = 512, py::arg("lr") = 1e-3, py::arg("patience") = 20, py::arg("validation") = 0.1,
        py::arg("clip") = 5.0, py::arg("seed") = 1, py::arg("use_weights") = true, py::arg("threads") = 1,
        py::arg("progress") = false,
        "Trains a flow prior on samples (n x d) inside a box; the options and defaults of `flowprior flow train`.");
}

}  // namespace flowprior::python
