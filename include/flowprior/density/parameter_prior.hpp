#pragma once
// Per-parameter priors (issue 17), as analysts state them and as pocoMC's `Prior` takes them: independent 1-D
// distributions, each normalised on its parameter's own bounds [low, high] of the box, so their product is
// normalised on the box. Uniform is the default; normal (truncated to the bounds), log-uniform and beta (on the
// bounds, scaled) are the others. Draws are exact, by inverse CDF from one uniform per value.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flowprior/core/box.hpp"
#include "flowprior/core/log_density.hpp"
#include "flowprior/core/rng.hpp"

namespace flowprior {

enum class PriorShape { uniform, normal, loguniform, beta };

std::string to_string(PriorShape shape);
// "uniform", "normal" (also "truncnormal"), "loguniform", "beta"; nullopt for any other name.
std::optional<PriorShape> prior_shape_from_string(const std::string& name);

// One parameter's prior on [low, high]. normal: a = mean, b = sd; beta: a = alpha, b = beta (of (x - low) / width);
// uniform, loguniform (needs low > 0): no parameters.
struct ParameterPrior {
  PriorShape shape = PriorShape::uniform;
  double a = 0, b = 0;

  // Why the parameters do not make a proper density on [low, high], or empty.
  std::string problem(double low, double high) const;
  // log density at x, normalised on [low, high]; -inf outside.
  double log_pdf(double x, double low, double high) const;
  // The value with CDF u on [low, high] (u in (0, 1)).
  double quantile(double u, double low, double high) const;
  bool is_uniform() const { return shape == PriorShape::uniform; }
  nlohmann::json to_json() const;  // for run identities and summary.json
};

// The product of independent per-parameter priors on a box.
class IndependentPrior : public LogDensity {
 public:
  // priors: one per box parameter (Error if the sizes differ or one is not a proper density on its bounds).
  IndependentPrior(Box box, std::vector<ParameterPrior> priors);
  int dim() const override { return box_.dim(); }
  std::vector<std::string> names() const override { return box_.names(); }
  void log_prob(const MatrixXd& x, VectorXd& out) const override;
  using LogDensity::log_prob;
  // n independent draws (n x d uniforms from rng, row by row, then each column's quantile).
  MatrixXd sample(Index n, Rng& rng) const;
  const Box& box() const { return box_; }
  const std::vector<ParameterPrior>& priors() const { return priors_; }
  bool all_uniform() const;

 private:
  Box box_;
  std::vector<ParameterPrior> priors_;
};

}  // namespace flowprior
