// Emulators (PCA + GP), their Gaussian likelihood as a Density, and maximin Latin-hypercube designs.
#include <map>

#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "messages.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/emulator/design.hpp"
#include "flowprior/emulator/emulator.hpp"
#include "flowprior/emulator/gaussian_likelihood.hpp"

namespace flowprior::python {

void bind_emulator(py::module_& m) {
  using EmulatorPtr = std::shared_ptr<Emulator>;
  py::class_<Emulator, EmulatorPtr>(m, "Emulator", "PCA + Gaussian-process emulator of a vector-valued model.")
      .def_static("train",
                  [](const MatrixXd& design, const MatrixXd& outputs, std::vector<std::string> parameter_names,
                     std::vector<std::string> output_names, const std::string& kernel, int components,
                     double variance_fraction, bool noise_in_prediction, int restarts, std::uint64_t seed,
                     int threads) {
                    EmulatorOptions o;
                    o.kernel = kernel_from_string(kernel);
                    o.components = components;
                    o.variance_fraction = variance_fraction;
                    o.noise_in_prediction = noise_in_prediction;
                    o.gp.restarts = restarts;
                    o.gp.seed = seed;
                    o.threads = threads;
                    const PythonMessages messages;  // warnings: flowprior.FlowpriorWarning, not stderr
                    o.messages = messages.sinks();
                    std::shared_ptr<Emulator> emulator;
                    {
                      py::gil_scoped_release release;
                      emulator = std::make_shared<Emulator>(Emulator::train(design, outputs, std::move(parameter_names),
                                                                            std::move(output_names), o));
                    }
                    warn_in_python(messages.take_warnings());
                    return emulator;
                  },
                  py::arg("design"), py::arg("outputs"), py::arg("parameter_names"), py::arg("output_names"),
                  py::kw_only(), py::arg("kernel") = "matern52", py::arg("components") = 0,
                  py::arg("variance_fraction") = 0.99, py::arg("noise_in_prediction") = false,
                  py::arg("restarts") = GpFitOptions{}.restarts, py::arg("seed") = 1, py::arg("threads") = 1,
                  "Trains on a design (n x d) and model outputs (n x m), as `flowprior emulator train`.")
      .def_static("load", [](const std::string& path) { return std::make_shared<Emulator>(Emulator::load(path)); },
                  py::arg("path"))
      .def("save", &Emulator::save, py::arg("path"), "Writes the versioned JSON emulator file (as `flowprior emulator train`).")
      .def("to_json", &Emulator::to_json, "The emulator file's JSON text.")
      .def_property_readonly("dim", &Emulator::dim, "Number of input parameters d.")
      .def_property_readonly("outputs", &Emulator::outputs, "Number of model outputs m.")
      .def_property_readonly("components", &Emulator::components, "Number of principal components q (one GP each).")
      .def_property_readonly("parameter_names", &Emulator::parameter_names, "Input parameter names (d str).")
      .def_property_readonly("output_names", &Emulator::output_names, "Output names (m str).")
      .def_property_readonly("explained_variance", &Emulator::explained_variance, "Fraction of the output variance the kept components explain.")
      .def_property_readonly("kernel", [](const Emulator& e) { return to_string(e.kernel()); }, "GP kernel name ('matern52', ...).")
      .def("predict", [](const Emulator& e, const MatrixXd& x) {
             MatrixXd mean, component_variance;
             {
               py::gil_scoped_release release;
               e.predict(x, mean, component_variance);
             }
             return py::make_tuple(mean, component_variance);
           }, py::arg("x"), "(mean (B x m), component variances (B x q)).")
      .def("predict_marginal", [](const Emulator& e, const MatrixXd& x) {
             MatrixXd mean, sd;
             {
               py::gil_scoped_release release;
               e.predict_marginal(x, mean, sd);
             }
             return py::make_tuple(mean, sd);
           }, py::arg("x"), "(mean, marginal standard deviation), both B x m.")
      .def("covariance", [](const Emulator& e, const RowVectorXd& v) { return e.covariance(v); },
           py::arg("component_variance"),
           "Emulator covariance (m, m) in output space for one point's component variances (q,) from predict.");

  m.def("gaussian_likelihood",
        [](const EmulatorPtr& emulator, std::vector<std::string> observables, VectorXd values, VectorXd sd,
           const std::string& name, const std::map<std::string, VectorXd>& correlated, const std::string& scale) {
          GaussianDataset data;
          data.name = name;
          data.observables = std::move(observables);
          data.values = std::move(values);
          data.uncorrelated_sd = std::move(sd);
          for (const auto& [source, source_sd] : correlated) data.correlated.push_back({source, source_sd});
          if (scale == "log") data.scale = ObservableScale::log;
          else if (scale != "linear")
            throw Error(ErrorContext{.parameter = "scale"}, "must be 'linear' or 'log', not '" + scale + "'");
          auto like = std::make_shared<GaussianLikelihood>(std::move(data), std::shared_ptr<const Emulator>(emulator));
          return DensityHandle{like, std::nullopt, nullptr, "emulator-likelihood"};
        },
        py::arg("emulator"), py::arg("observables"), py::arg("values"), py::arg("sd"), py::kw_only(),
        py::arg("name") = "data", py::arg("correlated") = std::map<std::string, VectorXd>{},
        py::arg("scale") = "linear",
        "Gaussian likelihood of one dataset with experimental + emulator covariance (a Density).");

  m.def("maximin_latin_hypercube", [](const Box& box, Index n, std::uint64_t seed, int candidates,
                                      int swap_iterations) {
          DesignOptions o{.seed = seed, .candidates = candidates, .swap_iterations = swap_iterations};
          py::gil_scoped_release release;
          return maximin_latin_hypercube(box, n, o);
        }, py::arg("box"), py::arg("n"), py::kw_only(), py::arg("seed") = 1,
        py::arg("candidates") = DesignOptions{}.candidates, py::arg("swap_iterations") = DesignOptions{}.swap_iterations,
        "n design points (n x d) in the box, as `flowprior emulator design`.");
}

}  // namespace flowprior::python
