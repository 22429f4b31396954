#include "flowprior/emulator/emulator.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/core/thread_pool.hpp"

namespace flowprior {

namespace {

void check_finite(const MatrixXd& m, const std::string& what, const std::vector<std::string>& names) {
  for (Index i = 0; i < m.rows(); ++i) {
    for (Index j = 0; j < m.cols(); ++j) {
      if (!std::isfinite(m(i, j))) {
        throw Error(ErrorContext{.parameter = names[static_cast<std::size_t>(j)], .row = static_cast<long>(i)},
                    what + " value is not finite (" + std::to_string(m(i, j)) + ")");
      }
    }
  }
}

void check_no_duplicate_rows(const MatrixXd& x) {
  std::vector<Index> order(static_cast<std::size_t>(x.rows()));
  std::iota(order.begin(), order.end(), Index{0});
  auto less = [&](Index a, Index b) {
    for (Index c = 0; c < x.cols(); ++c) {
      if (x(a, c) != x(b, c)) return x(a, c) < x(b, c);
    }
    return a < b;
  };
  std::sort(order.begin(), order.end(), less);
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (x.row(order[i - 1]) == x.row(order[i])) {
      const Index a = std::min(order[i - 1], order[i]), b = std::max(order[i - 1], order[i]);
      throw Error(ErrorContext{.row = static_cast<long>(b)},
                  "design point duplicates row " + std::to_string(a) +
                      " (a GP cannot be conditioned on two outputs at one input; drop or merge the repeated runs)");
    }
  }
}

// a * b with each entry one fused multiply-add chain over the inner index in increasing order: unlike a blocked
// matrix product, row i of the result is bitwise independent of how many rows a has.
MatrixXd rowwise_product(const MatrixXd& a, const MatrixXd& b) {
  MatrixXd out = MatrixXd::Zero(a.rows(), b.cols());
  for (Index j = 0; j < b.cols(); ++j) {
    for (Index k = 0; k < a.cols(); ++k) {
      const double bkj = b(k, j);
      for (Index i = 0; i < a.rows(); ++i) out(i, j) = std::fma(a(i, k), bkj, out(i, j));
    }
  }
  return out;
}

}  // namespace

Emulator Emulator::train(const MatrixXd& design, const MatrixXd& outputs, std::vector<std::string> parameter_names,
                         std::vector<std::string> output_names, const EmulatorOptions& options,
                         EmulatorSummary* summary) {
  const Index n = design.rows();
  const int d = static_cast<int>(design.cols());
  const int m = static_cast<int>(outputs.cols());
  if (outputs.rows() != n) {
    throw Error(ErrorContext{.parameter = "outputs"},
                "the design has " + std::to_string(n) + " rows but the outputs have " +
                    std::to_string(outputs.rows()) + " (one output row per design point)");
  }
  if (static_cast<int>(parameter_names.size()) != d || static_cast<int>(output_names.size()) != m) {
    throw Error(ErrorContext{.parameter = "names"}, "parameter or output names do not match the column counts");
  }
  if (n < 3) throw Error(ErrorContext{.parameter = "design"}, "an emulator needs at least 3 design points");
  if (d < 1 || m < 1) throw Error(ErrorContext{.parameter = "design"}, "no parameters or no outputs");
  check_finite(design, "design", parameter_names);
  check_finite(outputs, "output", output_names);
  check_no_duplicate_rows(design);
  if (options.components < 0 || !(options.variance_fraction > 0.0 && options.variance_fraction <= 1.0)) {
    throw Error(ErrorContext{.parameter = "components"},
                "components must be >= 0 and the variance fraction in (0, 1]");
  }

  Emulator e;
  e.parameter_names_ = std::move(parameter_names);
  e.output_names_ = std::move(output_names);
  e.kernel_ = options.kernel;
  e.noise_in_prediction_ = options.noise_in_prediction;
  e.input_lower_ = design.colwise().minCoeff();
  e.input_width_ = design.colwise().maxCoeff() - e.input_lower_;
  for (int c = 0; c < d; ++c) {
    if (!(e.input_width_[c] > 0.0)) {
      throw Error(ErrorContext{.parameter = e.parameter_names_[static_cast<std::size_t>(c)]},
                  "parameter is constant over the design");
    }
  }
  const MatrixXd x_unit = e.to_unit(design);

  e.output_mean_ = outputs.colwise().mean();
  const MatrixXd centred = outputs.rowwise() - e.output_mean_;
  RowVectorXd scale = (centred.colwise().squaredNorm() / static_cast<double>(n - 1)).cwiseSqrt();
  for (int j = 0; j < m; ++j) {
    if (!(scale[j] > 0.0)) {
      options.messages.warn("emulator: output '" + e.output_names_[static_cast<std::size_t>(j)] +
           "' is constant over the design; it is predicted as that constant with zero emulator variance");
      scale[j] = 1.0;
    }
  }
  const MatrixXd standardised = centred.array().rowwise() / scale.array();
  Eigen::BDCSVD<MatrixXd> svd(standardised, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const VectorXd& s = svd.singularValues();
  MatrixXd u = svd.matrixU();
  MatrixXd v = svd.matrixV();
  Index rank = 0;
  while (rank < s.size() && s[rank] > 1e-12 * s[0]) ++rank;
  if (rank == 0) throw Error(ErrorContext{.parameter = "outputs"}, "every output is constant over the design");
  const VectorXd lambda = s.head(rank).cwiseAbs2() / static_cast<double>(n - 1);
  const double total = lambda.sum();
  Index q = 0;
  if (options.components > 0) {
    if (options.components > rank) {
      throw Error(ErrorContext{.parameter = "components"},
                  std::to_string(options.components) + " components requested but the standardised outputs have rank " +
                      std::to_string(rank));
    }
    q = options.components;
  } else {
    double kept = 0.0;
    while (q < rank && kept < options.variance_fraction * total * (1.0 - 1e-12)) kept += lambda[q++];
  }
  e.explained_variance_ = lambda.head(q).sum() / total;
  for (Index k = 0; k < rank; ++k) {  // a sign convention so the same data give the same file
    Index arg = 0;
    v.col(k).cwiseAbs().maxCoeff(&arg);
    if (v(arg, k) < 0.0) {
      v.col(k) *= -1.0;
      u.col(k) *= -1.0;
    }
  }
  MatrixXd all_loadings(rank, m);
  for (Index k = 0; k < rank; ++k) {
    all_loadings.row(k) = std::sqrt(lambda[k]) * v.col(k).transpose().cwiseProduct(scale);
  }
  e.loadings_ = all_loadings.topRows(q);
  e.truncation_ = all_loadings.bottomRows(rank - q).transpose() * all_loadings.bottomRows(rank - q);
  const MatrixXd z = u.leftCols(q) * std::sqrt(static_cast<double>(n - 1));  // whitened: unit sample variance

  GpFitOptions gp = options.gp;
  gp.kernel = options.kernel;
  if (options.hyper_rows < 0 || options.hyper_rows > n || (options.hyper_rows > 0 && options.hyper_rows < 3))
    throw Error(ErrorContext{.parameter = "hyper_rows"},
                "must be 0 (all rows) or between 3 and the " + std::to_string(n) + " design rows");
  const Index fit_rows = options.hyper_rows > 0 ? options.hyper_rows : n;
  const MatrixXd x_fit = x_unit.topRows(fit_rows);
  const int restarts = std::max(1, gp.restarts);
  std::vector<GpRestartResult> results(static_cast<std::size_t>(q * restarts));
  ThreadPool pool(std::max(1, options.threads));
  pool.parallel_for(results.size(), [&](std::size_t t) {
    const std::size_t k = t / static_cast<std::size_t>(restarts), r = t % static_cast<std::size_t>(restarts);
    const VectorXd zk = z.col(static_cast<Index>(k)).head(fit_rows);
    results[t] = run_gp_restart(x_fit, zk, gp, static_cast<int>(r), stream_id({k, r}));
  });
  EmulatorSummary local;
  local.components = static_cast<int>(q);
  local.explained_variance = e.explained_variance_;
  for (Index k = 0; k < q; ++k) {
    const std::vector<GpRestartResult> mine(results.begin() + k * restarts, results.begin() + (k + 1) * restarts);
    GpFitSummary fit;
    const std::string what = "component " + std::to_string(k);
    const GpRestartResult best = best_gp_restart(mine, fit, what);
    local.fits.push_back(fit);
    e.gps_.emplace_back(gp.kernel, GpHyper::unpack(best.eta), x_unit, z.col(k), what);
  }
  if (summary != nullptr) *summary = local;
  return e;
}

int Emulator::output_index(const std::string& name) const {
  const auto it = std::find(output_names_.begin(), output_names_.end(), name);
  if (it == output_names_.end()) {
    throw Error(ErrorContext{.parameter = name}, "not an output of the emulator");
  }
  return static_cast<int>(it - output_names_.begin());
}

MatrixXd Emulator::to_unit(const MatrixXd& x) const {
  if (x.cols() != dim()) {
    throw Error(ErrorContext{.parameter = "x"}, "points have " + std::to_string(x.cols()) +
                                                    " columns but the emulator has " + std::to_string(dim()) +
                                                    " parameters");
  }
  return (x.rowwise() - input_lower_).array().rowwise() / input_width_.array();
}

void Emulator::predict(const MatrixXd& x, MatrixXd& mean, MatrixXd& component_variance) const {
  const MatrixXd x_unit = to_unit(x);
  check_finite(x, "input", parameter_names_);
  const int q = components();
  MatrixXd z_mean(x.rows(), q);
  component_variance.resize(x.rows(), q);
  VectorXd mk, vk;
  for (int k = 0; k < q; ++k) {
    gps_[static_cast<std::size_t>(k)].predict(x_unit, mk, vk, noise_in_prediction_);
    z_mean.col(k) = mk;
    component_variance.col(k) = vk;
  }
  mean = rowwise_product(z_mean, loadings_);
  mean.rowwise() += output_mean_;
}

void Emulator::predict_marginal(const MatrixXd& x, MatrixXd& mean, MatrixXd& sd) const {
  MatrixXd var;
  predict(x, mean, var);
  sd = rowwise_product(var, loadings_.cwiseAbs2());
  sd = (sd.rowwise() + truncation_.diagonal().transpose()).cwiseMax(0.0).cwiseSqrt();
}

MatrixXd Emulator::covariance(const Eigen::Ref<const RowVectorXd>& component_variance) const {
  return loadings_.transpose() * component_variance.transpose().asDiagonal() * loadings_ + truncation_;
}

}  // namespace flowprior
