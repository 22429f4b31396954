#include "study_datasets.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include <Eigen/Cholesky>

#include "flowprior/core/rng.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/io/params_toml.hpp"

namespace loss_study {
namespace {

using flowprior::Rng;
using flowprior::RowVectorXd;
using flowprior::stream_id;

// --- banana (docs/reference/paper.md §10): log p = -[(x1 - 1)^2 + 20 (x1^2 - x2)^2] on the demo box [-2, 3] x [-1, 8] ----------
// Exact draws: x1 ~ N(1, 1/2), x2 | x1 ~ N(x1^2, 1/40), rejected into the box (the paper used Metropolis draws).

Box banana_box() {
  VectorXd lo(2), hi(2);
  lo << -2.0, -1.0;
  hi << 3.0, 8.0;
  return Box({"x1", "x2"}, lo, hi);
}

MatrixXd banana_draws(Index n, const Box& box, Rng& rng) {
  MatrixXd x(n, 2);
  RowVectorXd row(2);
  for (Index i = 0; i < n;) {
    row(0) = 1.0 + std::sqrt(0.5) * rng.normal();
    row(1) = row(0) * row(0) + std::sqrt(1.0 / 40.0) * rng.normal();
    if (box.contains(row)) x.row(i++) = row;
  }
  return x;
}

// log of the integral of exp(log p) over the box: x2 analytically (a normal cdf difference), x1 by Simpson's rule.
double banana_log_normaliser(const Box& box) {
  const int m = 20000;
  const double a = box.lower()(0), b = box.upper()(0), h = (b - a) / m;
  const double c = std::sqrt(40.0);
  auto phi = [](double t) { return 0.5 * std::erfc(-t / std::sqrt(2.0)); };
  auto f = [&](double x1) {
    return std::exp(-(x1 - 1) * (x1 - 1)) * std::sqrt(M_PI / 20.0) *
           (phi(c * (box.upper()(1) - x1 * x1)) - phi(c * (box.lower()(1) - x1 * x1)));
  };
  double s = f(a) + f(b);
  for (int i = 1; i < m; ++i) s += f(a + i * h) * (i % 2 ? 4 : 2);
  return std::log(s * h / 3);
}

// --- 4-D Gaussian mixture, importance-weighted --------------------------------------------------------------------
// Two correlated components (weights 0.65 / 0.35). Box [-6, 6]^4: the target mass outside it is below 1e-9, so the
// mixture density is taken as normalised on the box. Proposal: one Gaussian with the mixture's mean and covariance
// inflated by 1.2^2 (Kish effective size ~27 % of the draws), truncated to the box; weights = target / proposal.

struct Gaussian4 {
  VectorXd mean;
  Eigen::MatrixXd chol;  // lower Cholesky factor of the covariance
  double log_norm = 0;   // -log((2 pi)^(d/2) |C|^(1/2))

  Gaussian4(VectorXd m, const Eigen::MatrixXd& cov) : mean(std::move(m)) {
    chol = Eigen::LLT<Eigen::MatrixXd>(cov).matrixL();
    log_norm = -0.5 * static_cast<double>(mean.size()) * std::log(2 * M_PI) - chol.diagonal().array().log().sum();
  }
  double log_pdf(const Eigen::Ref<const RowVectorXd>& x) const {
    const VectorXd r = chol.triangularView<Eigen::Lower>().solve((x.transpose() - mean).eval());
    return log_norm - 0.5 * r.squaredNorm();
  }
  RowVectorXd draw(Rng& rng) const {
    VectorXd z(mean.size());
    for (Index k = 0; k < z.size(); ++k) z(k) = rng.normal();
    return (mean + chol * z).transpose();
  }
};

Eigen::MatrixXd equicorrelated(double rho, std::initializer_list<double> sd) {
  const VectorXd s = Eigen::Map<const VectorXd>(sd.begin(), static_cast<Index>(sd.size()));
  Eigen::MatrixXd c = Eigen::MatrixXd::Constant(s.size(), s.size(), rho);
  c.diagonal().setOnes();
  return s.asDiagonal() * c * s.asDiagonal();
}

struct Mixture {
  double weight0 = 0.65;
  Gaussian4 c0{(VectorXd(4) << -1.5, -1.0, 0.5, 0.0).finished(), equicorrelated(0.6, {0.6, 0.8, 0.5, 0.7})};
  Gaussian4 c1{(VectorXd(4) << 1.5, 1.0, -0.5, 0.5).finished(), equicorrelated(-0.2, {0.7, 0.5, 0.8, 0.6})};

  double log_pdf(const Eigen::Ref<const RowVectorXd>& x) const {
    const double a = std::log(weight0) + c0.log_pdf(x), b = std::log(1 - weight0) + c1.log_pdf(x);
    const double hi = std::max(a, b);
    return hi + std::log(std::exp(a - hi) + std::exp(b - hi));
  }
  RowVectorXd draw(Rng& rng) const { return rng.uniform() < weight0 ? c0.draw(rng) : c1.draw(rng); }

  Gaussian4 proposal(double inflation) const {
    const double w1 = 1 - weight0;
    const VectorXd mu = weight0 * c0.mean + w1 * c1.mean;
    auto cov = [](const Gaussian4& g) { return (g.chol * g.chol.transpose()).eval(); };
    const VectorXd d0 = c0.mean - mu, d1 = c1.mean - mu;
    const Eigen::MatrixXd s =
        weight0 * (cov(c0) + d0 * d0.transpose()) + w1 * (cov(c1) + d1 * d1.transpose());
    return Gaussian4(mu, inflation * inflation * s);
  }
};

Box mixture_box() {
  return Box({"y1", "y2", "y3", "y4"}, VectorXd::Constant(4, -6.0), VectorXd::Constant(4, 6.0));
}

template <class Draw>
MatrixXd draws_in_box(Index n, const Box& box, Rng& rng, Draw draw) {
  MatrixXd x(n, box.dim());
  for (Index i = 0; i < n;) {
    const RowVectorXd row = draw(rng);
    if (box.contains(row)) x.row(i++) = row;
  }
  return x;
}

}  // namespace

Dataset make_banana(Index n_train, Index n_reference, std::uint64_t seed) {
  Dataset d;
  d.name = "banana";
  d.seed = seed;
  d.box = banana_box();
  Rng train_rng(seed, stream_id({0x62616e616e61ULL, 1})), reference_rng(seed, stream_id({0x62616e616e61ULL, 2}));
  const double log_z = banana_log_normaliser(d.box);
  d.exact_log_density = [log_z](const MatrixXd& x) {
    VectorXd out(x.rows());
    for (Index i = 0; i < x.rows(); ++i) {
      const double x1 = x(i, 0), x2 = x(i, 1);
      out(i) = -((x1 - 1) * (x1 - 1) + 20 * (x1 * x1 - x2) * (x1 * x1 - x2)) - log_z;
    }
    return out;
  };
  d.train.names = d.reference.names = d.box.names();
  d.train.values = banana_draws(n_train, d.box, train_rng);
  d.train.log_density = d.exact_log_density(d.train.values);
  d.reference.values = banana_draws(n_reference, d.box, reference_rng);
  d.description = "2-D banana of the paper, " + std::to_string(n_train) + " exact draws with log-density";
  return d;
}

Dataset make_ipglasma(const std::string& csv, const std::string& box_toml, std::uint64_t seed) {
  Dataset d;
  d.name = "ipglasma7d-" + std::to_string(seed);
  d.seed = seed;
  d.box = flowprior::read_box_toml(box_toml);
  const Samples all = flowprior::read_samples_csv(csv).with_columns(d.box.names(), csv);
  d.box.check_in_closed_box(all.values, csv);
  std::vector<Index> order(static_cast<std::size_t>(all.size()));
  std::iota(order.begin(), order.end(), Index{0});
  Rng rng(seed, stream_id({0x6970676c61736d61ULL}));
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.index(i)]);
  const auto half = order.begin() + static_cast<std::ptrdiff_t>(order.size() / 2);
  d.train = all.rows(std::vector<Index>(order.begin(), half));
  d.reference = all.rows(std::vector<Index>(half, order.end()));
  d.description = "7-D IP-Glasma 2022 posterior, " + std::to_string(d.train.size()) + " of its " +
                  std::to_string(all.size()) + " draws, split and training seed " + std::to_string(seed) +
                  " (no log-density: NLL only)";
  return d;
}

Dataset make_weighted_mixture(Index n_train, Index n_reference, std::uint64_t seed) {
  Dataset d;
  d.name = "mixture4d";
  d.seed = seed;
  d.box = mixture_box();
  const Mixture target;
  const Gaussian4 proposal = target.proposal(1.2);
  Rng train_rng(seed, stream_id({0x6d6978ULL, 1})), reference_rng(seed, stream_id({0x6d6978ULL, 2}));
  d.exact_log_density = [target](const MatrixXd& x) {
    VectorXd out(x.rows());
    for (Index i = 0; i < x.rows(); ++i) out(i) = target.log_pdf(x.row(i));
    return out;
  };
  d.train.names = d.reference.names = d.box.names();
  d.train.values = draws_in_box(n_train, d.box, train_rng, [&](Rng& r) { return proposal.draw(r); });
  d.train.log_density = d.exact_log_density(d.train.values);
  VectorXd log_w(n_train);
  for (Index i = 0; i < n_train; ++i) log_w(i) = d.train.log_density(i) - proposal.log_pdf(d.train.values.row(i));
  d.train.weights = (log_w.array() - log_w.maxCoeff()).exp();
  d.reference.values = draws_in_box(n_reference, d.box, reference_rng, [&](Rng& r) { return target.draw(r); });
  char ess[64];
  std::snprintf(ess, sizeof ess, "%.0f", d.train.effective_size());
  d.description = "4-D two-Gaussian mixture, " + std::to_string(n_train) +
                  " importance-weighted draws of a broad Gaussian proposal (Kish size " + ess + ") with log-density";
  return d;
}

}  // namespace loss_study
