// Flows: train from numpy arrays exactly as `flowprior flow train` does from a CSV, sample, log_prob, files.
#include <algorithm>
#include <random>

#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "callable_density.hpp"
#include "interrupt.hpp"
#include "messages.hpp"
#include "points.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/density/defensive_mixture.hpp"
#include "flowprior/density/flow_prior.hpp"
#include "flowprior/density/gaussian.hpp"
#include "flowprior/flow/flow_file.hpp"
#include "flowprior/flow/train_settings.hpp"
#include "flowprior/flow/flow_on_box.hpp"

namespace flowprior::python {
namespace {

using FlowPtr = std::shared_ptr<FlowOnBox>;

// The same steps, checks and options as run_train in src/cli/cmd_flow.cpp, so that the same data and seed give
// the same flow file bit for bit (apart from the measured wall_seconds).
// progress: a Python callable f(epoch, max_epochs, loss=..., validation_loss=...) called after every epoch on
// this thread (the GIL taken for the call alone), or null. Warnings are returned in *warnings, not printed.
FlowPtr train(Samples raw, const Box& box, const FlowTrainSettings& a, const py::object* progress,
              std::vector<std::string>* warnings) {
  const std::string source = "samples";
  Samples samples = raw.with_columns(box.names(), source);
  box.check_in_closed_box(samples.values, source);
  TrainOptions options = to_train_options(a);
  options.interrupt = python_interrupt_check();
  options.messages.warning_sink = [](const std::string&) {};  // kept in the summary, raised by the caller
  if (progress)
    options.on_epoch = [progress](const TrainEpoch& e) {
      py::gil_scoped_acquire gil;
      (*progress)(e.epoch, e.max_epochs, py::arg("loss") = e.train_loss, py::arg("validation_loss") = e.validation_loss);
    };
  if (options.loss != Loss::nll && !samples.has_log_density())
    throw Error(ErrorContext{.parameter = "log_density"},
                "loss '" + a.loss + "' needs log_density (the target log-density of every sample); "
                "pass it or use loss='nll'");
  auto flow = std::make_shared<FlowOnBox>();
  *warnings = train_flow(samples, box, options, *flow).warnings;
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
  // The ONE set of flow-training defaults (include/flowprior/flow/train_settings.hpp), also the command line's.
  const FlowTrainSettings kDefaults{};
  py::class_<FlowOnBox, FlowPtr>(m, "Flow", "A trained normalizing flow on a parameter box (a normalised prior).")
      .def_static("load", [](const std::string& path) { return std::make_shared<FlowOnBox>(load_flow_file(path)); },
                  py::arg("path"), "Reads a flow file written by `flowprior flow train` or Flow.save.")
      .def_static("from_json", [](const std::string& text) {
                    return std::make_shared<FlowOnBox>(
                        flow_from_json(nlohmann::json::parse(text), "<string>"));
                  }, py::arg("text"))
      .def("save", [](const FlowOnBox& f, const std::string& path) { save_flow_file(path, f); }, py::arg("path"),
           "Writes the same versioned JSON file as the command line.")
      .def("to_json", [](const FlowOnBox& f) { return flow_to_json(f).dump(); }, "The flow file's JSON text (Flow.from_json reads it).")
      .def_property_readonly("box", [](const FlowOnBox& f) { return f.box; }, "The parameter box the flow is normalised on.")
      .def_property_readonly("names", [](const FlowOnBox& f) { return f.box.names(); }, "Parameter names (d str).")
      .def_property_readonly("dim", [](const FlowOnBox& f) { return f.box.dim(); }, "Number of parameters d.")
      .def_property_readonly("architecture", [](const FlowOnBox& f) { return to_string(f.flow.config().arch); }, "'realnvp', 'maf', 'nsf' or 'nsf-coupling'.")
      .def_property_readonly("num_params", [](const FlowOnBox& f) { return f.flow.num_params(); }, "Number of trained network weights.")
      .def_property_readonly("params", [](const FlowOnBox& f) { return f.flow.params(); }, "The trained weights (num_params,).")
      .def_property_readonly("training", [](const FlowOnBox& f) { return json_to_python(f.training); },
                             "Training summary, options and data provenance (dict).")
      .def("log_prob", [](const FlowPtr& f, const py::object& x) -> py::object {
             const FlowPrior prior{std::shared_ptr<const FlowOnBox>(f)};
             const Points p = as_points(x, prior.dim(), "the flow");
             VectorXd out;
             {
               py::gil_scoped_release release;
               out = prior.log_prob(p.x);
             }
             return p.single ? py::cast(out(0)) : py::cast(out);
           }, py::arg("x"),
           "Normalised log density on the box (-inf outside), as `flowprior flow logpdf`: x of shape (n, d) gives "
           "(n,) values, a single point of shape (d,) one float.")
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
        std::string names;
        for (const auto& n : f.box.names()) names += (names.empty() ? "" : ", ") + n;
        return "Flow(" + to_string(f.flow.config().arch) + ", dim=" + std::to_string(f.box.dim()) + " [" + names +
               "], params=" + std::to_string(f.flow.num_params()) + ")";
      })
      .def(py::pickle([](const FlowOnBox& f) { return py::make_tuple(flow_to_json(f).dump()); },
                      [](const py::tuple& t) {
                        return std::make_shared<FlowOnBox>(
                            flow_from_json(nlohmann::json::parse(t[0].cast<std::string>()), "<pickle>"));
                      }));

  // What a Density is made of, for pickling (python/flowprior/__init__.py): (kind, parts) for the kinds with a
  // file form -- uniform (box), flow and mixture (flow, eps), gaussian (mean, covariance, names), callable (the
  // Python function, pickled by Python) -- else None.
  auto density_class = py::reinterpret_borrow<py::class_<DensityHandle>>(m.attr("Density"));
  density_class.def("_parts", [](const DensityHandle& h) -> py::object {
    if (h.kind == "uniform" && h.box) return py::make_tuple("uniform", py::make_tuple(*h.box));
    if (const auto* fp = dynamic_cast<const FlowPrior*>(h.density.get()); fp && fp->members().size() == 1)
      return py::make_tuple("flow", py::make_tuple(std::const_pointer_cast<FlowOnBox>(fp->members().front()), 0.0));
    if (const auto* mix = dynamic_cast<const DefensiveMixture*>(h.density.get());
        mix && mix->flow_prior().members().size() == 1)
      return py::make_tuple("mixture", py::make_tuple(std::const_pointer_cast<FlowOnBox>(mix->flow_prior().members().front()),
                                                      mix->eps()));
    if (const auto* g = dynamic_cast<const GaussianDensity*>(h.density.get()))
      return py::make_tuple("gaussian", py::make_tuple(g->mean(), g->covariance(), g->names()));
    // (a "prior" from callable_prior also needs its sampler: pickle the flowprior.Prior that made it instead)
    if (const auto* c = dynamic_cast<const CallableDensity*>(h.density.get()); c && h.kind == "callable")
      return py::make_tuple("callable", py::make_tuple(c->function(), c->names()));
    return py::none();
  });

  m.def("default_train_settings", [] {
    const FlowTrainSettings d{};
    py::dict out;
    out["arch"] = d.arch;
    out["loss"] = d.loss;
    out["layers"] = d.layers;
    out["hidden"] = d.hidden;
    out["hidden_layers"] = d.hidden_layers;
    out["bins"] = d.bins;
    out["tail_bound"] = d.tail_bound;
    out["epochs"] = d.epochs;
    out["batch"] = d.batch;
    out["lr"] = d.lr;
    out["patience"] = d.patience;
    out["validation"] = d.validation;
    out["clip"] = d.clip;
    out["seed"] = d.seed;
    out["use_weights"] = d.use_weights;
    out["threads"] = d.threads;
    out["progress"] = d.progress;
    return out;
  }, "The flow-training defaults of the C++ core (FlowTrainSettings, include/flowprior/flow/train_settings.hpp), "
     "shared by `flowprior flow train` and train_flow (dict). train_flow's progress defaults to False (Python "
     "prints only when asked).");

  m.def("train_flow",
        [](const MatrixXd& values, const Box& box, std::optional<std::vector<std::string>> names,
           std::optional<VectorXd> weights, std::optional<VectorXd> log_density, const std::string& arch,
           const std::string& loss, int layers, int hidden, int hidden_layers, int bins, double tail_bound,
           int epochs, int batch, double lr, int patience, double validation, double clip,
           std::optional<std::uint64_t> seed_or_none,
           bool use_weights, int threads, const py::object& progress) {
          Samples raw;
          raw.names = names ? *names : box.names();
          if (static_cast<Index>(raw.names.size()) != values.cols())
            throw Error(ErrorContext{.parameter = "names"},
                        std::to_string(raw.names.size()) + " names for " + std::to_string(values.cols()) +
                            " columns");
          raw.values = values;
          // seed=None: a fresh seed, recorded in the flow's training record (flow.training) like any other.
          const std::uint64_t seed = seed_or_none ? *seed_or_none : (std::uint64_t{std::random_device{}()} << 20) ^
                                                                        std::uint64_t{std::random_device{}()};
          if (weights) raw.weights = *weights;
          if (log_density) raw.log_density = *log_density;
          const FlowTrainSettings a{.arch = arch, .loss = loss, .layers = layers, .hidden = hidden,
                                 .hidden_layers = hidden_layers, .bins = bins, .tail_bound = tail_bound,
                                 .epochs = epochs, .batch = batch, .patience = patience, .threads = threads,
                                 .lr = lr, .validation = validation, .clip = clip, .seed = seed,
                                 .use_weights = use_weights,
                                 .progress = py::isinstance<py::bool_>(progress) && progress.cast<bool>()};
          if (!progress.is_none() && !py::isinstance<py::bool_>(progress) && !is_callback(progress))
            throw py::type_error("train_flow: progress must be True, False or a callable f(epoch, max_epochs, "
                                 "loss, validation_loss), not " + std::string(py::repr(progress)));
          // Through Python's warnings module (filterable, capturable), not the process's stderr.
          for (const auto& name : raw.names)
            if (std::find(box.names().begin(), box.names().end(), name) == box.names().end()) {
              const std::string message = "train_flow: column '" + name + "' is not a parameter of the box; ignored";
              if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 1) != 0) throw py::error_already_set();
            }
          std::vector<std::string> warnings;
          FlowPtr flow;
          const py::object* callback = is_callback(progress) ? &progress : nullptr;
          {
            py::gil_scoped_release release;
            flow = train(std::move(raw), box, a, callback, &warnings);
          }
          // FlowpriorWarning through Python's warnings module, pointing at the caller of flowprior.train_flow (two
          // Python wrappers: signatures.with_signature and samplers.with_progress)
          warn_in_python(warnings, 3);
          return flow;
        },
        py::arg("samples"), py::arg("box"), py::kw_only(), py::arg("names") = py::none(),
        py::arg("weights") = py::none(), py::arg("log_density") = py::none(), py::arg("arch") = kDefaults.arch,
        py::arg("loss") = kDefaults.loss, py::arg("layers") = kDefaults.layers, py::arg("hidden") = kDefaults.hidden,
        py::arg("hidden_layers") = kDefaults.hidden_layers, py::arg("bins") = kDefaults.bins,
        py::arg("tail_bound") = kDefaults.tail_bound, py::arg("epochs") = kDefaults.epochs,
        py::arg("batch") = kDefaults.batch, py::arg("lr") = kDefaults.lr, py::arg("patience") = kDefaults.patience,
        py::arg("validation") = kDefaults.validation, py::arg("clip") = kDefaults.clip,
        py::arg("seed") = kDefaults.seed, py::arg("use_weights") = kDefaults.use_weights,
        py::arg("threads") = kDefaults.threads, py::arg("progress") = py::bool_(false),
        "Trains a flow prior on samples (n, d) inside a box, as `flowprior flow train` with the same options and "
        "defaults (default_train_settings()).\n\n"
        "samples: (n, d) float array, one sample per row, in the box's units; names: column names when they differ "
        "from box.names (matched by name); weights: (n,) importance weights; log_density: (n,) log target density "
        "(losses 'kl', 'jeffreys'); arch: 'realnvp' | 'maf' | 'nsf' | 'nsf-coupling'; loss: 'nll' | 'kl' | 'jeffreys'; layers: "
        "flow transforms (0: automatic); hidden, hidden_layers: network width and depth; bins, tail_bound: spline "
        "options (nsf); epochs: at most this many; batch: minibatch rows; lr: Adam learning rate; patience: "
        "epochs without a better validation loss before stopping; validation: held-out fraction; clip: gradient "
        "norm clip; seed: int (None: a fresh one, recorded in flow.training); threads: gradient threads (same "
        "result for any number); progress: False, True (a tqdm bar with the loss and an ETA when tqdm is installed, "
        "else one line per epoch on sys.stderr) or a callable f(epoch, max_epochs, loss, validation_loss) called "
        "after every epoch (max_epochs is the limit; early stopping may end training sooner); the flow is bitwise "
        "the same whatever progress is. Warnings of the training (weak data, values on a bound) are "
        "flowprior.FlowpriorWarning through Python's warnings module. Ctrl-C stops training with "
        "KeyboardInterrupt within about 20 ms of the current minibatch.");
}

}  // namespace flowprior::python
