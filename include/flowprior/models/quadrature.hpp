#pragma once
// Gauss rules built once (Golub-Welsch) for the physics models: Legendre on intervals, Hermite for normal averages.
#include "flowprior/core/types.hpp"

namespace flowprior {

struct QuadratureRule {
  VectorXd nodes;
  VectorXd weights;
};

// n-point Gauss-Legendre on [a, b].
QuadratureRule gauss_legendre(int n, double a, double b);
// `panels` equal panels of [a, b], each with an n-point Gauss-Legendre rule (for oscillating or peaked integrands).
QuadratureRule composite_gauss_legendre(int panels, int n, double a, double b);
// E[f(xi)], xi ~ N(0, 1): n nodes, weights summing to 1 (probabilists' Gauss-Hermite).
QuadratureRule gauss_hermite_normal(int n);

}  // namespace flowprior
