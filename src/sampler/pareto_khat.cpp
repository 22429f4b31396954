// Pareto k-hat of importance weights (Vehtari et al. 2015, arXiv:1507.02646, Sec. 3 and their reference code, which
// arviz's psislw/_gpdfit follow): the generalised Pareto fit of Zhang & Stephens (2009, Technometrics 51:316) to the
// weights above a threshold, with a weakly informative prior pulling k towards 0.5 (prior weight 10 draws).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "flowprior/sampler/importance_evidence.hpp"

namespace flowprior {
namespace {

struct GpdFit {
  double k = 0, sigma = 0;
};

// Zhang & Stephens' posterior-mean estimate of the GPD shape k (with the prior) and scale sigma from exceedances x
// (sorted ascending, positive).
GpdFit gpd_fit_zhang_stephens(const std::vector<double>& x) {
  const auto n = static_cast<double>(x.size());
  const int m = 30 + static_cast<int>(std::sqrt(n));
  const double prior_bs = 3, prior_k = 10;
  const double x_quarter = x[static_cast<std::size_t>(std::max(0, static_cast<int>(n / 4 + 0.5) - 1))];
  std::vector<double> b(static_cast<std::size_t>(m)), len(static_cast<std::size_t>(m));
  for (int j = 0; j < m; ++j) {
    double bj = 1 - std::sqrt(m / (j + 1 - 0.5));
    bj = bj / (prior_bs * x_quarter) + 1 / x.back();
    double k = 0;
    for (double v : x) k += std::log1p(-bj * v);
    k /= n;
    b[static_cast<std::size_t>(j)] = bj;
    len[static_cast<std::size_t>(j)] = n * (std::log(-bj / k) - k - 1);  // profile log-likelihood of b
  }
  // Posterior weights of the grid of b (normalised likelihoods), negligible ones dropped.
  std::vector<double> w(static_cast<std::size_t>(m));
  double total = 0;
  for (int j = 0; j < m; ++j) {
    double s = 0;
    for (int l = 0; l < m; ++l) s += std::exp(len[static_cast<std::size_t>(l)] - len[static_cast<std::size_t>(j)]);
    const double v = 1 / s;
    w[static_cast<std::size_t>(j)] = v >= 10 * std::numeric_limits<double>::epsilon() && std::isfinite(v) ? v : 0.0;
    total += w[static_cast<std::size_t>(j)];
  }
  double b_post = 0;
  for (int j = 0; j < m; ++j) b_post += b[static_cast<std::size_t>(j)] * w[static_cast<std::size_t>(j)] / total;
  double k = 0;
  for (double v : x) k += std::log1p(-b_post * v);
  k /= n;
  return {(n * k + prior_k * 0.5) / (n + prior_k), -k / b_post};
}

}  // namespace

double pareto_smooth(VectorXd& log_weights) {
  const Index n = log_weights.size();
  if (n == 0) return NAN;
  const double lmax = log_weights.maxCoeff();
  if (!std::isfinite(lmax)) return INFINITY;
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return log_weights[a] < log_weights[b]; });
  const auto tail = static_cast<Index>(std::ceil(std::min(0.2 * static_cast<double>(n), 3 * std::sqrt(static_cast<double>(n)))));
  if (tail + 1 > n) return INFINITY;
  const double cutoff = std::max(log_weights[order[static_cast<std::size_t>(n - tail - 1)]] - lmax,
                                 std::log(std::numeric_limits<double>::min()));
  std::vector<double> exceed;
  std::vector<Index> rows;
  for (Index j = 0; j < n; ++j) {
    const Index i = order[static_cast<std::size_t>(j)];
    const double v = log_weights[i] - lmax;
    if (v > cutoff) {
      exceed.push_back(std::exp(v) - std::exp(cutoff));
      rows.push_back(i);
    }
  }
  if (exceed.size() <= 4) {
    // Too few distinct tail values to fit: a tail of ties (bounded weights, k-hat 0) unless the finite weights are
    // fewer than the tail itself (nothing to vouch for, +inf).
    Index finite = 0;
    for (Index i = 0; i < n; ++i) finite += std::isfinite(log_weights[i]) ? 1 : 0;
    return finite > tail ? 0.0 : INFINITY;
  }
  const GpdFit fit = gpd_fit_zhang_stephens(exceed);
  if (!std::isfinite(fit.k) || !(fit.sigma > 0)) return fit.k;
  // The tail weights replaced by the fitted GPD's quantiles at (j - 0.5) / M, capped at the largest raw weight.
  const auto m = static_cast<double>(exceed.size());
  for (std::size_t j = 0; j < exceed.size(); ++j) {
    const double p = (static_cast<double>(j) + 0.5) / m;
    const double q = std::abs(fit.k) < std::numeric_limits<double>::epsilon()
                         ? -std::log1p(-p) * fit.sigma
                         : std::expm1(-fit.k * std::log1p(-p)) / fit.k * fit.sigma;
    log_weights[rows[j]] = std::min(0.0, std::log(q + std::exp(cutoff))) + lmax;
  }
  return fit.k;
}

double pareto_khat(const VectorXd& log_weights) {
  VectorXd copy = log_weights;
  return pareto_smooth(copy);
}

}  // namespace flowprior
