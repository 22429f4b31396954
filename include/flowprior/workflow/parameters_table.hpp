#pragma once
// [parameters] of an analysis configuration (issue 17): every parameter with its bounds and, optionally, its own
// prior (density/parameter_prior.hpp), in the order of the lines:
//   a = [0, 1]                                                  # uniform on its bounds (the default)
//   b = {range = [0, 10], prior = "normal", mean = 2, sd = 1}   # normal truncated to the bounds
//   c = {prior = "normal", mean = 0, sd = 1}                    # bounds mean +- 7.03 sd (1e-12 quantiles)
//   d = {range = [1e-3, 1], prior = "loguniform"}
//   e = {range = [0, 1], prior = "beta", alpha = 2, beta = 5}
// ("truncnormal" is the same as "normal" with a range, which it requires.) Errors name the file, line and key.
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "flowprior/core/box.hpp"
#include "flowprior/density/parameter_prior.hpp"

namespace flowprior {

struct ParametersTable {
  Box box;
  std::vector<ParameterPrior> priors;  // one per box parameter
};

ParametersTable read_parameters_table(const toml::table& params, BoxMap map, const std::string& source,
                                      const std::string& key_prefix = "parameters.");

// The normal's bounds when no range is given: its 1e-12 and 1 - 1e-12 quantiles (as Python's flowprior.Prior cuts
// unbounded supports), which changes log Z by less than 2e-12.
constexpr double kNormalTailSd = 7.034483825311132;

}  // namespace flowprior
