#include "flowprior/density/metrics/moment_z_scores.hpp"
#include "flowprior/core/stream_purpose.hpp"

#include <cmath>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/core/thread_pool.hpp"

namespace flowprior {
namespace {

std::vector<std::pair<int, int>> lower_pairs(int d) {
  std::vector<std::pair<int, int>> pairs;
  for (int i = 1; i < d; ++i)
    for (int j = 0; j < i; ++j) pairs.emplace_back(i, j);
  return pairs;
}

// All statistics stacked in one vector (d*4 per-parameter entries, column-major, then the pair covariances), so
// the bootstrap handles them uniformly.
VectorXd stacked(const SampleMoments& m) {
  VectorXd v(m.per_parameter.size() + m.covariance.size());
  v << Eigen::Map<const VectorXd>(m.per_parameter.data(), m.per_parameter.size()), m.covariance;
  return v;
}

// Standard deviation of the stacked statistics over bootstrap resamples of x.
VectorXd bootstrap_sigma(const MatrixXd& x, const MomentOptions& options, std::uint64_t which) {
  const Index n = x.rows();
  std::vector<VectorXd> stats(static_cast<std::size_t>(options.bootstrap));
  ThreadPool pool(options.threads);
  pool.parallel_for(stats.size(), [&](std::size_t b) {
    Rng rng(options.seed, stream_id({purpose_id(StreamPurpose::moments), which, b}));
    MatrixXd resample(n, x.cols());
    for (Index i = 0; i < n; ++i) resample.row(i) = x.row(static_cast<Index>(rng.index(static_cast<std::uint64_t>(n))));
    stats[b] = stacked(sample_moments(resample));
  });
  VectorXd mean = VectorXd::Zero(stats[0].size());
  for (const auto& s : stats) mean += s;
  mean /= static_cast<double>(stats.size());
  VectorXd var = VectorXd::Zero(mean.size());
  for (const auto& s : stats) var += (s - mean).array().square().matrix();
  return (var / static_cast<double>(stats.size() - 1)).array().sqrt().matrix();
}

}  // namespace

SampleMoments sample_moments(const MatrixXd& x) {
  const Index n = x.rows();
  const int d = static_cast<int>(x.cols());
  if (n < 2) throw Error("sample_moments: need at least 2 samples");
  const double nd = static_cast<double>(n);
  SampleMoments m;
  m.per_parameter.resize(d, 4);
  const RowVectorXd mean = x.colwise().mean();
  const MatrixXd c = x.rowwise() - mean;
  for (int j = 0; j < d; ++j) {
    const auto cj = c.col(j).array();
    const double m2 = cj.square().sum() / nd;
    const double m3 = cj.cube().sum() / nd;
    const double m4 = cj.square().square().sum() / nd;
    m.per_parameter(j, kMean) = mean[j];
    m.per_parameter(j, kVariance) = m2;
    // A constant column has no defined shape: report 0 rather than NaN (its z-score is then 0 or inf, visible).
    m.per_parameter(j, kSkewness) = m2 > 0 ? m3 / std::pow(m2, 1.5) : 0.0;
    m.per_parameter(j, kExcessKurtosis) = m2 > 0 ? m4 / (m2 * m2) - 3.0 : 0.0;
  }
  const auto pairs = lower_pairs(d);
  m.covariance.resize(static_cast<Index>(pairs.size()));
  for (std::size_t k = 0; k < pairs.size(); ++k)
    m.covariance[static_cast<Index>(k)] = c.col(pairs[k].first).dot(c.col(pairs[k].second)) / nd;
  return m;
}

MomentZScores moment_z_scores(const MatrixXd& reference, const MatrixXd& model, const MomentOptions& options) {
  if (reference.cols() != model.cols())
    throw Error("moment_z_scores: reference has " + std::to_string(reference.cols()) + " columns, model " +
                std::to_string(model.cols()));
  if (options.bootstrap < 2) throw Error(ErrorContext{.parameter = "bootstrap"}, "moment_z_scores: need >= 2");
  const int d = static_cast<int>(reference.cols());
  const VectorXd delta = stacked(sample_moments(model)) - stacked(sample_moments(reference));
  const VectorXd sp = bootstrap_sigma(reference, options, 0);
  const VectorXd sq = bootstrap_sigma(model, options, 1);
  VectorXd z(delta.size());
  for (Index k = 0; k < z.size(); ++k) {
    const double sigma = std::sqrt(sp[k] * sp[k] + sq[k] * sq[k]);
    z[k] = sigma > 0 ? delta[k] / sigma : (delta[k] == 0 ? 0.0 : INFINITY);
  }
  MomentZScores out;
  out.z = Eigen::Map<const MatrixXd>(z.data(), d, 4);
  out.pairs = lower_pairs(d);
  out.covariance_z = z.tail(static_cast<Index>(out.pairs.size()));
  out.max_abs = z.cwiseAbs().maxCoeff();
  out.rms = std::sqrt(z.squaredNorm() / static_cast<double>(z.size()));
  return out;
}

}  // namespace flowprior
