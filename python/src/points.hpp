#pragma once
// Points given to log_prob and the like: (n, d) arrays, or a single point of shape (d,) (then one float comes
// back, as scipy's logpdf does). Anything else is an Error naming x, its shape and the expected d.
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "flowprior/core/error.hpp"
#include "flowprior/core/types.hpp"

namespace flowprior::python {

struct Points {
  MatrixXd x;
  bool single = false;
};

inline Points as_points(const pybind11::object& x, int dim, const std::string& owner) {
  namespace py = pybind11;
  const auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(x);
  if (!a) {
    PyErr_Clear();
    throw Error(ErrorContext{.parameter = "x"}, "must be an array of numbers of shape (n, " + std::to_string(dim) +
                                                    ") or (" + std::to_string(dim) + ",)");
  }
  std::string shape = "(";
  for (py::ssize_t k = 0; k < a.ndim(); ++k) shape += (k ? ", " : "") + std::to_string(a.shape(k));
  shape += a.ndim() == 1 ? ",)" : ")";
  const bool single = a.ndim() == 1 && a.shape(0) == dim;
  if (!single && !(a.ndim() == 2 && a.shape(1) == dim))
    throw Error(ErrorContext{.parameter = "x"}, "has shape " + shape + ", " + owner + " has " + std::to_string(dim) +
                                                    " parameters: give (n, " + std::to_string(dim) + ") or (" +
                                                    std::to_string(dim) + ",)");
  Points p;
  p.single = single;
  const Index rows = single ? 1 : static_cast<Index>(a.shape(0));
  p.x = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(a.data(), rows, dim);
  return p;
}

}  // namespace flowprior::python
