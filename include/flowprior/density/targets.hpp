#pragma once
// Built-in test targets with known answers (issue 3), shared by every sampler's tests, benches and smoke runs.
// Each target is a likelihood together with a uniform prior box; where the answer is known exactly (or by 1-D/2-D
// quadrature, computed here rather than hard-coded) it travels with the target so a test can compare against it.
//   gaussian         zero mean, unit variances, correlation 0.9^|i-j|, normalized; box [-10, 10]^d
//   rosenbrock       d = 2, log L = -[(1 - x1)^2 + 100 (x2 - x1^2)^2] / 20; box [-10, 10]^2
//   mixture          equal-weight N(-2, 0.5^2 I) + N(+2, 0.5^2 I), normalized; box [-10, 10]^d
//   gaussian-shells  two shells, radius 2, width 0.1, centres (-3.5, 0, ...) and (+3.5, 0, ...); box [-6, 6]^d
//   eggbox           d = 2, log L = (2 + cos(x1/2) cos(x2/2))^5; box [0, 10 pi]^2
//   half-gaussian    standard normal log-density in each coordinate on the box [0, 10]^d (mass piled on a bound)
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flowprior/core/box.hpp"
#include "flowprior/core/log_density.hpp"

namespace flowprior {

struct Target {
  std::string name;
  int dim = 0;
  std::shared_ptr<const LogDensity> likelihood;  // log-likelihood (gaussian, mixture, half-gaussian: normalized density)
  Box prior_box;                                 // uniform prior box
  std::optional<double> log_z;                   // evidence under the uniform box prior, if known
  VectorXd mean;                                 // exact posterior mean if known (empty otherwise)
  MatrixXd covariance;                           // exact posterior covariance if known (empty otherwise)
  std::string description;
};

// Error naming the target (and the dimension) if the name is unknown or the dimension is not allowed.
Target make_target(const std::string& name, int dim);
std::vector<std::string> target_names();

// log prior (uniform on the box) + log likelihood: what an MCMC sampler of the target's posterior evaluates.
std::shared_ptr<const LogDensity> target_posterior(const Target& target);

}  // namespace flowprior
