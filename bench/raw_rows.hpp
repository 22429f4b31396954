#pragma once
// The raw files bench/bench_flow_vs_zuko.py writes for the C++ side: little-endian float64, row-major, `dim`
// columns. Shared by bench_flow_fit and check_flow_mixture_fit.
#include <cstddef>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "flowprior/core/types.hpp"

namespace flowprior::bench {

inline MatrixXd read_rows(const std::string& path, int dim) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open " + path);
  const auto bytes = static_cast<std::size_t>(in.tellg());
  const std::size_t values = bytes / sizeof(double);
  if (values % static_cast<std::size_t>(dim) != 0) throw std::runtime_error(path + ": not a multiple of dim");
  std::vector<double> buf(values);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(bytes));
  const auto n = static_cast<Index>(values / static_cast<std::size_t>(dim));
  MatrixXd x(n, dim);
  for (Index i = 0; i < n; ++i)
    for (int j = 0; j < dim; ++j)
      x(i, j) = buf[static_cast<std::size_t>(i) * static_cast<std::size_t>(dim) + static_cast<std::size_t>(j)];
  return x;
}

}  // namespace flowprior::bench
