#include "flowprior/workflow/hand_over.hpp"
#include "flowprior/workflow/json_fields.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <boost/math/distributions/chi_squared.hpp>

#include "flowprior/core/error.hpp"

namespace flowprior {

HandOverCoverage hand_over_coverage(const Samples& earlier, const Samples& later, double level) {
  const int d = later.dim();
  if (earlier.dim() != d)
    throw Error("hand_over_coverage: the earlier samples have " + std::to_string(earlier.dim()) +
                " columns, the later " + std::to_string(d));
  if (!(level > 0.0 && level < 1.0)) throw Error(ErrorContext{.parameter = "level"}, "must lie in (0, 1)");
  if (later.size() < d + 1 || earlier.size() < 1) throw Error("hand_over_coverage: too few samples");
  const VectorXd w = later.normalized_weights();
  const VectorXd mean = later.values.transpose() * w;
  const MatrixXd centred = later.values.rowwise() - mean.transpose();
  const MatrixXd cov = centred.transpose() * w.asDiagonal() * centred;
  for (int j = 0; j < d; ++j)
    if (!(std::sqrt(cov(j, j)) > 1e-12 * std::max(1.0, std::abs(mean[j]))))
      throw Error("hand_over_coverage: parameter " + std::to_string(j + 1) +
                  " does not vary in the later posterior (no region to measure)");
  const Eigen::LLT<MatrixXd> llt(cov);
  if (llt.info() != Eigen::Success)
    throw Error("hand_over_coverage: the later posterior's covariance is singular (a parameter does not vary)");
  const double radius2 = boost::math::quantile(boost::math::chi_squared(d), level);

  const VectorXd v = earlier.normalized_weights();
  const MatrixXd z = llt.matrixL().solve((earlier.values.rowwise() - mean.transpose()).transpose());
  double inside = 0.0, inside2 = 0.0;
  for (Index i = 0; i < earlier.size(); ++i)
    if (z.col(i).squaredNorm() <= radius2) {
      inside += v[i];
      inside2 += v[i] * v[i];
    }
  HandOverCoverage c;
  c.level = level;
  c.fraction = inside;
  c.effective_inside = inside2 > 0.0 ? inside * inside / inside2 : 0.0;
  c.resolution_sd = c.effective_inside > 0.0 ? 1.0 / std::sqrt(c.effective_inside)
                                             : std::numeric_limits<double>::infinity();
  return c;
}

nlohmann::json to_json(const HandOverCoverage& c) {
  nlohmann::json j = {{"level", c.level}, {"fraction_inside", c.fraction},
                      {"effective_samples_inside", c.effective_inside}};
  j["resolution_sd"] = std::isfinite(c.resolution_sd) ? nlohmann::json(c.resolution_sd) : nlohmann::json(nullptr);
  j["definition"] =
      "earlier stage's samples (the flow's training data) inside the later posterior's `level` ellipsoid (its "
      "weighted mean and covariance, chi2_d quantile as radius); resolution_sd = 1/sqrt(effective_samples_inside): the flow's shape there is "
      "known to about this fraction of the later posterior's width";
  return j;
}

HandOverCoverage hand_over_coverage_from_json(const nlohmann::json& j) {
  using namespace json_fields;
  HandOverCoverage c;
  c.level = number(j, "level");
  c.fraction = number(j, "fraction_inside");
  c.effective_inside = number(j, "effective_samples_inside");
  c.resolution_sd = j.contains("resolution_sd") && j["resolution_sd"].is_number() ? j["resolution_sd"].get<double>()
                                                                                     : INFINITY;
  return c;
}

}  // namespace flowprior
