#include "flowprior/models/quadrature.hpp"

#include <cmath>
#include <string>

#include <Eigen/Eigenvalues>

#include "flowprior/core/error.hpp"

namespace flowprior {

namespace {

// Nodes = eigenvalues of the symmetric Jacobi matrix; weights = mass * (first eigenvector component)^2.
QuadratureRule golub_welsch(const VectorXd& off_diagonal, double mass) {
  const Index n = off_diagonal.size() + 1;
  MatrixXd jacobi = MatrixXd::Zero(n, n);
  for (Index k = 0; k + 1 < n; ++k) {
    jacobi(k, k + 1) = off_diagonal(k);
    jacobi(k + 1, k) = off_diagonal(k);
  }
  Eigen::SelfAdjointEigenSolver<MatrixXd> solver(jacobi);
  QuadratureRule rule;
  rule.nodes = solver.eigenvalues();
  rule.weights = mass * solver.eigenvectors().row(0).transpose().array().square();
  return rule;
}

void check_order(int n, const char* what) {
  if (n < 1 || n > 512) throw Error(std::string(what) + ": number of nodes must be in [1, 512], got " + std::to_string(n));
}

}  // namespace

QuadratureRule gauss_legendre(int n, double a, double b) {
  check_order(n, "gauss_legendre");
  VectorXd beta(n - 1);
  for (int k = 1; k < n; ++k) beta(k - 1) = k / std::sqrt(4.0 * k * k - 1.0);
  QuadratureRule rule = golub_welsch(beta, 2.0);
  const double half = 0.5 * (b - a);
  rule.nodes = (rule.nodes.array() * half + 0.5 * (a + b)).matrix();
  rule.weights *= half;
  return rule;
}

QuadratureRule composite_gauss_legendre(int panels, int n, double a, double b) {
  if (panels < 1) throw Error("composite_gauss_legendre: panels must be >= 1");
  const QuadratureRule unit = gauss_legendre(n, 0.0, 1.0);
  const double width = (b - a) / panels;
  QuadratureRule rule;
  rule.nodes.resize(static_cast<Index>(panels) * n);
  rule.weights.resize(static_cast<Index>(panels) * n);
  for (int p = 0; p < panels; ++p) {
    for (int k = 0; k < n; ++k) {
      rule.nodes(p * n + k) = a + width * (p + unit.nodes(k));
      rule.weights(p * n + k) = width * unit.weights(k);
    }
  }
  return rule;
}

QuadratureRule gauss_hermite_normal(int n) {
  check_order(n, "gauss_hermite_normal");
  VectorXd beta(n - 1);
  for (int k = 1; k < n; ++k) beta(k - 1) = std::sqrt(static_cast<double>(k));
  QuadratureRule rule = golub_welsch(beta, 1.0);
  // Symmetric by construction; exact symmetry makes sigma -> -sigma give identical sums up to ordering.
  for (Index k = 0; k < n / 2; ++k) {
    const Index j = n - 1 - k;
    const double x = 0.5 * (rule.nodes(j) - rule.nodes(k));
    const double w = 0.5 * (rule.weights(j) + rule.weights(k));
    rule.nodes(k) = -x;
    rule.nodes(j) = x;
    rule.weights(k) = w;
    rule.weights(j) = w;
  }
  if (n % 2 == 1) rule.nodes(n / 2) = 0.0;
  return rule;
}

}  // namespace flowprior
