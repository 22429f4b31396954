#include "flowprior/flow/training_data.hpp"

#include <cmath>
#include <string>

#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"

namespace flowprior {

VectorXd rescaled_weights(const VectorXd& weights, const std::string& source) {
  if (weights.size() == 0) return weights;
  const double largest = weights.maxCoeff();
  if (!(largest > 0) || !std::isfinite(largest))
    throw Error(ErrorContext{.file = source, .parameter = "weight"}, "the largest weight is " +
                                                                        std::to_string(largest) +
                                                                        " (weights must be finite, >= 0, not all 0)");
  if (largest >= 1e-100 && largest <= 1e100) return weights;
  return weights / largest;
}

void check_training_data(const Samples& samples, const std::string& source, std::vector<std::string>* warnings) {
  const Index n = samples.values.rows(), d = samples.values.cols();
  if (n < 2)
    throw Error(ErrorContext{.file = source},
                std::to_string(n) + " sample(s): a flow needs at least 2 (and more samples than parameters)");
  if (n <= d)
    throw Error(ErrorContext{.file = source},
                std::to_string(n) + " samples for " + std::to_string(d) +
                    " parameters: a flow needs more samples than parameters (the sample covariance is singular)");
  for (Index j = 0; j < d; ++j) {
    const double first = samples.values(0, j);
    if ((samples.values.col(j).array() == first).all()) {
      const std::string name =
          static_cast<std::size_t>(j) < samples.names.size() ? samples.names[static_cast<std::size_t>(j)] : "";
      throw Error(ErrorContext{.file = source, .parameter = name},
                  "has the same value in every sample: a point mass has no density a flow could learn "
                  "(fix the parameter or remove it from the box)");
    }
  }
  if (!samples.has_weights()) return;
  const VectorXd w = rescaled_weights(samples.weights, source);
  const double sum = w.sum(), sum2 = w.squaredNorm();
  const double ess = sum * sum / sum2;
  if (!std::isfinite(ess))
    throw Error(ErrorContext{.file = source, .parameter = "weight"}, "the effective sample size is not finite");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", ess);
  if (ess <= static_cast<double>(d) + 1e-9)
    throw Error(ErrorContext{.file = source, .parameter = "weight"},
                std::string("effective sample size ") + buf + " for " + std::to_string(d) +
                    " parameters: the weights put (almost) everything on too few samples to train a flow");
  if (ess < 100) {
    const std::string message = "flow training: " + source + ": effective sample size of the weights is only " +
                                buf + " (of " + std::to_string(n) + " samples); the flow will mostly learn their noise";
    if (warnings) warnings->push_back(message);
    else warn(message);
  }
}

}  // namespace flowprior
