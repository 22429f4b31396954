#include "callable_density.hpp"

#include <cmath>

#include <pybind11/numpy.h>

#include "flowprior/core/error.hpp"

namespace flowprior::python {

namespace py = pybind11;

CallableDensity::CallableDensity(py::object function, std::vector<std::string> names)
    : function_(std::move(function)), names_(std::move(names)) {
  if (!PyCallable_Check(function_.ptr())) throw Error(ErrorContext{.parameter = "log_likelihood"}, "is not callable");
  if (names_.empty()) throw Error(ErrorContext{.parameter = "names"}, "a callable density needs at least one parameter");
}

CallableDensity::~CallableDensity() {
  // The last reference may go away in C++ code running without the GIL.
  py::gil_scoped_acquire gil;
  function_ = py::object();
}

void CallableDensity::log_prob(const MatrixXd& x, VectorXd& out) const {
  const Index n = x.rows();
  out.resize(n);
  if (n == 0) return;
  py::gil_scoped_acquire gil;
  // C order (one sample per row), as numpy users expect; a fresh array per call, so the callable may keep it.
  py::array_t<double> batch({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(x.cols())});
  Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(batch.mutable_data(), n,
                                                                                     x.cols()) = x;
  const py::object result = function_(batch);  // a Python exception leaves here as py::error_already_set
  if (result.is_none())
    throw Error(ErrorContext{.parameter = "log_likelihood"},
                "the callable returned None for a batch of " + std::to_string(n) + " points; it must return " +
                    std::to_string(n) + " numbers (did it forget `return`?)");
  const auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(result);
  if (!values) {
    PyErr_Clear();
    throw Error(ErrorContext{.parameter = "log_likelihood"},
                "the callable must return an array of " + std::to_string(n) + " numbers, it returned " +
                    std::string(py::str(py::type::of(result))));
  }
  const bool column = values.ndim() == 2 && values.shape(1) == 1;
  if (!(values.ndim() == 1 || column) || values.shape(0) != n) {
    std::string shape = "(";
    for (py::ssize_t k = 0; k < values.ndim(); ++k) shape += (k ? ", " : "") + std::to_string(values.shape(k));
    throw Error(ErrorContext{.parameter = "log_likelihood"},
                "the callable returned shape " + shape + ") for a batch of " + std::to_string(n) +
                    " points; expected (" + std::to_string(n) + ",)" +
                    ". It is called with a (B, d) array (one point per row) and must return B values; for a "
                    "function of one point of shape (d,) pass vectorize=False");
  }
  const double* v = values.data();
  for (Index i = 0; i < n; ++i) {
    if (std::isnan(v[i]))
      throw Error(ErrorContext{.parameter = "log_likelihood", .row = static_cast<long>(i)},
                  "the callable returned NaN (return -inf where the density is zero)");
    out(i) = v[i];
  }
}

}  // namespace flowprior::python
