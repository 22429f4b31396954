#include "flowprior/sampler/flow_training_rows.hpp"

#include <algorithm>

#include "flowprior/sampler/persistent_weights.hpp"

namespace flowprior {

TrainingRows flow_training_rows(const VectorXd& w, Index max_rows, Rng& rng) {
  const Index n = w.size();
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return w[a] > w[b]; });
  const double ess = 1.0 / w.squaredNorm();
  double s = 0, q = 0;
  std::vector<Index> keep;
  bool enough = false;
  for (Index k = 0; k < n && static_cast<Index>(keep.size()) < max_rows; ++k) {
    const double v = w[order[static_cast<std::size_t>(k)]];
    if (v <= 0) {
      enough = true;
      break;
    }
    s += v;
    q += v * v;
    keep.push_back(order[static_cast<std::size_t>(k)]);
    if (s * s / q >= 0.99 * ess && s >= 0.999) {
      enough = true;
      break;
    }
  }
  TrainingRows out;
  if (enough || static_cast<Index>(keep.size()) == n) {
    std::sort(keep.begin(), keep.end());
    out.rows = std::move(keep);
    out.weights.resize(static_cast<Index>(out.rows.size()));
    for (std::size_t k = 0; k < out.rows.size(); ++k) out.weights[static_cast<Index>(k)] = w[out.rows[k]];
    return out;
  }
  const std::vector<Index> drawn = systematic_resample(w, max_rows, rng);  // sorted: systematic draws ascend
  std::vector<double> counts;
  for (Index j : drawn) {
    if (out.rows.empty() || out.rows.back() != j) {
      out.rows.push_back(j);
      counts.push_back(0);
    }
    counts.back() += 1;
  }
  out.weights = Eigen::Map<const VectorXd>(counts.data(), static_cast<Index>(counts.size()));
  return out;
}

}  // namespace flowprior
