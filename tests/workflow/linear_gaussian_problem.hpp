#pragma once
// The conjugate linear-Gaussian test problem: two datasets y_k = A_k x + b_k + noise with diagonal errors, a
// uniform box much wider than the posterior, so posterior moments and evidences are exact Gaussian integrals.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <initializer_list>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace flowprior::testing {

struct LinearDataset {
  Eigen::MatrixXd a;
  Eigen::VectorXd offset, values, sd;
};

struct ExactGaussian {
  Eigen::VectorXd mean;
  Eigen::MatrixXd covariance;
  double log_z = 0;  // with the uniform prior 1 / volume
};

// Dynamic-size vectors: fixed-size Vector3d trips a false -Warray-bounds in GCC 12's AVX code paths.
inline Eigen::VectorXd vec(std::initializer_list<double> v) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(v.size()));
  Eigen::Index i = 0;
  for (double x : v) out[i++] = x;
  return out;
}

inline LinearDataset dataset_a() {
  LinearDataset d;
  d.a.resize(3, 2);
  d.a << 1.0, 0.0, 0.0, 1.0, 1.0, 1.0;
  d.offset = vec({0.5, 0.0, -0.5});
  d.sd = vec({0.5, 0.5, 0.4});
  const Eigen::VectorXd truth = vec({1.0, -1.0});
  d.values = d.a * truth + d.offset + vec({0.3, -0.2, 0.1});  // fixed "noise"
  return d;
}

// slope_shift: the data generated at slope 1 + slope_shift instead of 1 (tension test).
inline LinearDataset dataset_b(double slope_shift = 0.0) {
  LinearDataset d;
  d.a.resize(3, 2);
  d.a << 1.0, -1.0, 2.0, 1.0, 0.5, 0.0;
  d.offset = vec({0.0, 1.0, 0.0});
  d.sd = vec({0.4, 0.6, 0.5});
  const Eigen::VectorXd truth = vec({1.0, -1.0});
  d.values = d.a * truth + d.offset + vec({-0.25, 0.35, 0.05}) + slope_shift * d.a.col(0);
  return d;
}

inline ExactGaussian exact_posterior(const std::vector<LinearDataset>& parts, double log_volume) {
  Eigen::Index m = 0;
  for (const auto& p : parts) m += p.values.size();
  Eigen::MatrixXd a(m, parts.front().a.cols());
  Eigen::VectorXd r(m), var(m);
  Eigen::Index row = 0;
  for (const auto& p : parts) {
    a.middleRows(row, p.a.rows()) = p.a;
    r.segment(row, p.values.size()) = p.values - p.offset;
    var.segment(row, p.values.size()) = p.sd.array().square();
    row += p.values.size();
  }
  const Eigen::MatrixXd precision = a.transpose() * var.cwiseInverse().asDiagonal() * a;
  const Eigen::VectorXd rhs = a.transpose() * var.cwiseInverse().asDiagonal() * r;
  ExactGaussian e;
  e.covariance = precision.inverse();
  e.mean = e.covariance * rhs;
  const double log2pi = std::log(2 * M_PI);
  const double chi = (r.array().square() / var.array()).sum() - e.mean.dot(precision * e.mean);
  e.log_z = -log_volume - 0.5 * static_cast<double>(m) * log2pi - 0.5 * var.array().log().sum() +
            0.5 * static_cast<double>(a.cols()) * log2pi -
            0.5 * std::log(precision.determinant()) - 0.5 * chi;
  return e;
}

inline void write_data_csv(const std::string& path, const LinearDataset& d) {
  std::ofstream out(path);
  out.precision(17);
  out << "value,error\n";
  for (Eigen::Index i = 0; i < d.values.size(); ++i) out << d.values[i] << ',' << d.sd[i] << '\n';
}

inline std::string toml_matrix(const Eigen::MatrixXd& a) {
  std::ostringstream s;
  s.precision(17);
  s << '[';
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    s << (i ? ", [" : "[");
    for (Eigen::Index j = 0; j < a.cols(); ++j) s << (j ? ", " : "") << a(i, j);
    s << ']';
  }
  s << ']';
  return s.str();
}

inline std::string toml_vector(const Eigen::VectorXd& v) {
  std::ostringstream s;
  s.precision(17);
  s << '[';
  for (Eigen::Index i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
  s << ']';
  return s.str();
}

}  // namespace flowprior::testing
