// Boxes, densities (uniform, Gaussian, Python callables, posteriors), built-in targets and sample files.
#include <algorithm>
#include <chrono>

#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "callable_density.hpp"
#include "points.hpp"
#include "flowprior/core/format.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/density/gaussian.hpp"
#include "flowprior/density/posterior.hpp"
#include "flowprior/density/targets.hpp"
#include "flowprior/density/uniform_box.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/io/params_toml.hpp"

namespace flowprior::python {
namespace {

void check_columns(const DensityHandle& h, const MatrixXd& x) {
  if (x.cols() != h.density->dim())
    throw Error(ErrorContext{.parameter = "x"}, "has " + std::to_string(x.cols()) + " columns, the density has " +
                                                    std::to_string(h.density->dim()) + " parameters");
}

DensityHandle uniform_prior(const Box& box) {
  auto density = std::make_shared<UniformBox>(box);
  return {density, box, [density](Index n, Rng& rng) { return density->sample(n, rng); }, "uniform"};
}

py::dict samples_to_dict(const Samples& s) {
  py::dict d;
  d["names"] = s.names;
  d["values"] = s.values;
  d["weights"] = s.has_weights() ? py::cast(s.weights) : py::none();
  d["log_density"] = s.has_log_density() ? py::cast(s.log_density) : py::none();
  return d;
}

}  // namespace

void bind_core(py::module_& m) {
  py::class_<Box>(m, "Box", "A parameter box: ordered names with bounds, and its logit/probit bijection to R^d.")
      .def(py::init([](std::vector<std::string> names, VectorXd lower, VectorXd upper, const std::string& map) {
             return Box(std::move(names), std::move(lower), std::move(upper), box_map_from_string(map));
           }),
           py::arg("names"), py::arg("lower"), py::arg("upper"), py::arg("map") = "logit",
           "Box(names (d str), lower (d,), upper (d,), map='logit'|'probit'): finite bounds, lower < upper.")
      .def_static("from_toml", &read_box_toml, py::arg("path"), "Reads a [parameters] TOML file (as --params).")
      .def_static("from_toml_string", [](const std::string& text) { return parse_box_toml(text, "<string>"); },
                  py::arg("text"), "Parses [parameters] TOML text (the --params format).")
      .def("to_toml", &box_to_toml, "The box as a [parameters] TOML table (the --params file format).")
      .def_property_readonly("names", &Box::names, "Parameter names, in order (list of d str).")
      .def_property_readonly("lower", &Box::lower, "Lower bounds (d,), in the parameters' units.")
      .def_property_readonly("upper", &Box::upper, "Upper bounds (d,), in the parameters' units.")
      .def_property_readonly("width", &Box::width, "upper - lower (d,).")
      .def_property_readonly("dim", &Box::dim, "Number of parameters d.")
      .def_property_readonly("map", [](const Box& b) { return to_string(b.map()); }, "The bijection to R^d: 'logit' or 'probit'.")
      .def_property_readonly("log_volume", &Box::log_volume, "log of the box volume, sum of log(upper - lower) (the uniform prior is -log_volume).")
      .def("contains", [](const Box& b, const MatrixXd& x) {
             Eigen::Matrix<bool, Eigen::Dynamic, 1> in(x.rows());
             for (Index i = 0; i < x.rows(); ++i) in(i) = x.cols() == b.dim() && b.contains(x.row(i));
             return in;
           }, py::arg("x"), "Per row: strictly inside the box.")
      .def("__len__", &Box::dim)
      .def("__repr__", [](const Box& b) {
        std::string s = "Box(";
        for (int j = 0; j < b.dim(); ++j)
          s += (j ? ", " : "") + b.names()[static_cast<std::size_t>(j)] + "=[" + format_g(b.lower()(j)) + ", " +
               format_g(b.upper()(j)) + "]";
        return s + ", map=" + to_string(b.map()) + ")";
      })
      .def("__eq__", [](const Box& a, const Box& b) {
        return a.names() == b.names() && a.lower() == b.lower() && a.upper() == b.upper() && a.map() == b.map();
      })
      .def(py::pickle([](const Box& b) { return py::make_tuple(b.names(), b.lower(), b.upper(), to_string(b.map())); },
                      [](const py::tuple& t) {
                        return Box(t[0].cast<std::vector<std::string>>(), t[1].cast<VectorXd>(),
                                   t[2].cast<VectorXd>(), box_map_from_string(t[3].cast<std::string>()));
                      }));

  py::class_<DensityHandle>(m, "Density",
                            "A log-density evaluated in C++ (a prior when it has a box and can sample).")
      .def_property_readonly("dim", [](const DensityHandle& h) { return h.density->dim(); }, "Number of parameters d.")
      .def_property_readonly("names", [](const DensityHandle& h) { return h.density->names(); }, "Parameter names (list of d str).")
      .def_property_readonly("kind", [](const DensityHandle& h) { return h.kind; }, "What it is: 'uniform', 'flow', 'mixture', 'gaussian', 'callable', 'prior', 'posterior', 'target', 'emulator-likelihood'.")
      .def_property_readonly("box", [](const DensityHandle& h) { return h.box; }, "The parameter box of a prior (None for other densities).")
      .def_property_readonly("is_prior", [](const DensityHandle& h) { return h.box.has_value() && bool(h.sample); }, "True when it has a box and can be sampled, i.e. can serve as a sampler's prior.")
      .def("log_prob", [](const DensityHandle& h, const py::object& x) -> py::object {
             const Points p = as_points(x, h.density->dim(), "the density");
             VectorXd out;
             {
               py::gil_scoped_release release;
               out = h.density->log_prob(p.x);
             }
             return p.single ? py::cast(out(0)) : py::cast(out);
           }, py::arg("x"),
           "log density of every row of x, shape (n, d) -> (n,); a single point (d,) -> float; -inf outside the "
           "support.")
      .def("sample", [](const DensityHandle& h, Index n, std::uint64_t seed) {
             if (!h.sample) throw Error(ErrorContext{.parameter = "sample"}, "this " + h.kind + " density cannot be sampled");
             if (n < 1) throw Error(ErrorContext{.parameter = "n"}, "must be at least 1");
             Rng rng(seed, stream_id({kFlowSampleStream}));
             py::gil_scoped_release release;
             return h.sample(n, rng);
           }, py::arg("n"), py::arg("seed") = 1,
           "n draws (n, d) from a prior, reproducible in the seed (the stream of `flowprior flow sample --seed`).")
      .def("__repr__", [](const DensityHandle& h) {
        return "Density(kind=" + h.kind + ", dim=" + std::to_string(h.density->dim()) + ")";
      });

  m.def("uniform_prior", &uniform_prior, py::arg("box"), "Uniform prior on a box.");
  m.def("gaussian_density", [](VectorXd mean, MatrixXd covariance, std::vector<std::string> names) {
          return DensityHandle{std::make_shared<GaussianDensity>(std::move(mean), std::move(covariance),
                                                                 std::move(names)), std::nullopt, nullptr, "gaussian"};
        }, py::arg("mean"), py::arg("covariance"), py::arg("names") = std::vector<std::string>{},
        "Normalised multivariate normal log-density (C++), e.g. as a likelihood.");
  m.def("callable_density", [](py::object function, std::vector<std::string> names) {
          return DensityHandle{std::make_shared<CallableDensity>(std::move(function), std::move(names)),
                               std::nullopt, nullptr, "callable"};
        }, py::arg("function"), py::arg("names"),
        "A log-density from a Python callable f(x: (B, d) array) -> (B,) array, called per batch.");
  m.def("callable_prior", [](py::object log_prob, py::object from_unit, const Box& box) {
          auto density = std::make_shared<CallableDensity>(std::move(log_prob), box.names());
          // Released under the GIL whatever thread drops the last copy of the sampler function.
          std::shared_ptr<py::object> transform(new py::object(std::move(from_unit)), [](py::object* o) {
            py::gil_scoped_acquire gil;
            delete o;
          });
          const int d = box.dim();
          auto sample = [transform, d](Index n, Rng& rng) {
            MatrixXd u(n, d);
            for (Index i = 0; i < n; ++i)  // row by row, in a fixed order: the same draws for the same stream
              for (int j = 0; j < d; ++j) u(i, j) = rng.uniform_open();
            py::gil_scoped_acquire gil;
            const py::object result = (*transform)(u);
            const auto x = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(result);
            if (!x || x.ndim() != 2 || x.shape(0) != n || x.shape(1) != d) {
              PyErr_Clear();
              throw Error(ErrorContext{.parameter = "prior"}, "the prior's inverse CDF must map (n, d) uniforms to "
                                                              "(n, d) points");
            }
            return MatrixXd(Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                x.data(), n, d));
          };
          return DensityHandle{density, box, sample, "prior"};
        }, py::arg("log_prob"), py::arg("from_unit"), py::arg("box"),
        "A prior Density from Python: log_prob(x (B, d)) -> (B,), from_unit(u (n, d) uniforms in (0, 1)) -> (n, d) "
        "draws (the inverse CDF of independent parameters), and its support box (flowprior.Prior builds these).");
  m.def("posterior", [](const DensityHandle& prior, const DensityHandle& likelihood, double beta) {
          return DensityHandle{std::make_shared<Posterior>(prior.density, likelihood.density, beta), prior.box,
                               nullptr, "posterior"};
        }, py::arg("prior"), py::arg("likelihood"), py::arg("beta") = 1.0,
        "log prior + beta log likelihood (the likelihood is not evaluated where the prior is -inf).");
  m.def("time_evaluations", [](const DensityHandle& h, const MatrixXd& x, int repeats) {
          check_columns(h, x);
          py::gil_scoped_release release;
          VectorXd out;
          const auto t0 = std::chrono::steady_clock::now();
          for (int r = 0; r < repeats; ++r) h.density->log_prob(x, out);
          return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / std::max(1, repeats);
        }, py::arg("density"), py::arg("x"), py::arg("repeats") = 100,
        "Seconds per log_prob call on batch x, called from C++ without the GIL as samplers do (benchmarks).");

  m.def("target_names", &target_names, "Names of the built-in targets (`flowprior targets`), for target(name).");
  m.def("target", [](const std::string& name, int dim) {
          const Target t = make_target(name, dim);
          py::dict d;
          d["name"] = t.name;
          d["dim"] = t.dim;
          d["likelihood"] = DensityHandle{t.likelihood, std::nullopt, nullptr, "target"};
          d["box"] = t.prior_box;
          d["log_z"] = t.log_z ? py::cast(*t.log_z) : py::none();
          d["mean"] = t.mean.size() ? py::cast(t.mean) : py::none();
          d["covariance"] = t.covariance.size() ? py::cast(t.covariance) : py::none();
          d["description"] = t.description;
          return d;
        }, py::arg("name"), py::arg("dim") = 2, "A built-in target (likelihood, uniform prior box, exact answers).");

  m.def("read_samples_csv", [](const std::string& path) { return samples_to_dict(read_samples_csv(path)); },
        py::arg("path"), "dict(names, values, weights, log_density) of a samples CSV.");
  m.def("write_samples_csv", [](const std::string& path, const MatrixXd& values, std::vector<std::string> names,
                                std::optional<VectorXd> weights, std::optional<VectorXd> log_density) {
          Samples s;
          s.names = std::move(names);
          s.values = values;
          if (weights) s.weights = *weights;
          if (log_density) s.log_density = *log_density;
          s.validate(path);
          write_samples_csv(path, s);
        }, py::arg("path"), py::arg("values"), py::arg("names"), py::arg("weights") = py::none(),
        py::arg("log_density") = py::none(),
        "Writes a samples CSV (header of names, optional weight and log_density columns), as the command line "
        "reads them: values (n, d), weights (n,), log_density (n,).");
}

}  // namespace flowprior::python
