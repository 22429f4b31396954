#include "flowprior/emulator/gaussian_likelihood.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "flowprior/core/error.hpp"

namespace flowprior {

namespace {

Error dataset_error(const std::string& dataset, const std::string& what, const std::string& parameter = "",
                    long row = -1) {
  return Error(ErrorContext{.parameter = parameter, .row = row}, "dataset '" + dataset + "': " + what);
}

}  // namespace

void GaussianLikelihood::set_data(GaussianDataset data, const std::vector<std::string>& model_outputs) {
  name_ = data.name.empty() ? std::string("unnamed") : data.name;
  scale_ = data.scale;
  const Index m = static_cast<Index>(data.observables.size());
  if (m == 0) throw dataset_error(name_, "no observables");
  if (data.values.size() != m || data.uncorrelated_sd.size() != m) {
    throw dataset_error(name_, "values and uncorrelated_sd must have one entry per observable (" +
                                   std::to_string(m) + ")");
  }
  for (const CorrelatedSource& c : data.correlated) {
    if (c.sd.size() != m) throw dataset_error(name_, "correlated source has the wrong length", c.name);
    if (!c.sd.allFinite()) throw dataset_error(name_, "correlated source is not finite", c.name);
  }
  for (Index i = 0; i < m; ++i) {
    const std::string& obs = data.observables[static_cast<std::size_t>(i)];
    if (!std::isfinite(data.values[i])) throw dataset_error(name_, "value is not finite", obs);
    if (!std::isfinite(data.uncorrelated_sd[i]) || data.uncorrelated_sd[i] < 0.0) {
      throw dataset_error(name_, "uncorrelated sd must be finite and >= 0", obs);
    }
    if (scale_ == ObservableScale::log && !(data.values[i] > 0.0)) {
      throw dataset_error(name_, "value must be positive on the log scale", obs);
    }
    const auto it = std::find(model_outputs.begin(), model_outputs.end(), obs);
    if (it == model_outputs.end()) throw dataset_error(name_, "observable is not an output of the model", obs);
    columns_.push_back(static_cast<int>(it - model_outputs.begin()));
  }
  // On the log scale, first-order propagation: sd(ln y) = sd(y) / y for every error source.
  VectorXd relative = VectorXd::Ones(m);
  observed_ = data.values;
  if (scale_ == ObservableScale::log) {
    relative = data.values.cwiseInverse();
    observed_ = data.values.array().log().matrix();
  }
  const VectorXd unc = data.uncorrelated_sd.cwiseProduct(relative);
  experimental_ = unc.cwiseAbs2().asDiagonal();
  for (const CorrelatedSource& c : data.correlated) {
    const VectorXd s = c.sd.cwiseProduct(relative);
    experimental_ += s * s.transpose();
  }
}

GaussianLikelihood::GaussianLikelihood(GaussianDataset data, std::shared_ptr<const Emulator> emulator)
    : emulator_(std::move(emulator)) {
  if (!emulator_) throw Error(ErrorContext{.parameter = "emulator"}, "no emulator given");
  set_data(std::move(data), emulator_->output_names());
  parameter_names_ = emulator_->parameter_names();
  const Index m = observed_.size();
  loadings_.resize(emulator_->components(), m);
  fixed_covariance_ = experimental_;
  for (Index i = 0; i < m; ++i) {
    loadings_.col(i) = emulator_->component_loadings().col(columns_[static_cast<std::size_t>(i)]);
    for (Index j = 0; j < m; ++j) {
      fixed_covariance_(i, j) +=
          emulator_->truncation_covariance()(columns_[static_cast<std::size_t>(i)], columns_[static_cast<std::size_t>(j)]);
    }
  }
}

GaussianLikelihood::GaussianLikelihood(GaussianDataset data, std::shared_ptr<const Emulator> emulator,
                                       std::vector<std::string> parameter_names)
    : GaussianLikelihood(std::move(data), std::move(emulator)) {
  const std::vector<std::string> own = parameter_names_;
  for (const std::string& p : own) {
    const auto it = std::find(parameter_names.begin(), parameter_names.end(), p);
    if (it == parameter_names.end())
      throw dataset_error(name_, "the emulator's parameter is not among the analysis parameters", p);
    inputs_.push_back(static_cast<int>(it - parameter_names.begin()));
  }
  parameter_names_ = std::move(parameter_names);
}

GaussianLikelihood::GaussianLikelihood(GaussianDataset data, DirectModel model,
                                       std::vector<std::string> parameter_names,
                                       std::vector<std::string> model_outputs)
    : parameter_names_(std::move(parameter_names)), model_(std::move(model)) {
  if (!model_) throw Error(ErrorContext{.parameter = "model"}, "no model callable given");
  if (parameter_names_.empty()) throw Error(ErrorContext{.parameter = "model"}, "the model has no parameters");
  set_data(std::move(data), model_outputs);
  fixed_covariance_ = experimental_;
  if (Eigen::LLT<MatrixXd>(experimental_).info() != Eigen::Success ||
      !(Eigen::LLT<MatrixXd>(experimental_).matrixLLT().diagonal().array() > 0.0).all()) {
    throw dataset_error(name_,
                        "experimental covariance is not positive definite (an observable with zero uncorrelated "
                        "error, or only fully correlated errors?)");
  }
  model_outputs_count_ = static_cast<int>(model_outputs.size());
}

void GaussianLikelihood::predict(const MatrixXd& x, MatrixXd& mean, MatrixXd& component_variance) const {
  if (x.cols() != dim()) {
    throw dataset_error(name_, "points have " + std::to_string(x.cols()) + " columns, the model " +
                                   std::to_string(dim()) + " parameters");
  }
  MatrixXd full;
  if (emulator_ && !inputs_.empty()) {
    MatrixXd picked(x.rows(), static_cast<Index>(inputs_.size()));
    for (std::size_t k = 0; k < inputs_.size(); ++k) picked.col(static_cast<Index>(k)) = x.col(inputs_[k]);
    emulator_->predict(picked, full, component_variance);
  } else if (emulator_) {
    emulator_->predict(x, full, component_variance);
  } else {
    model_(x, full);
    component_variance.resize(x.rows(), 0);
    if (full.rows() != x.rows() || full.cols() != model_outputs_count_) {
      throw dataset_error(name_, "the direct model returned a " + std::to_string(full.rows()) + " x " +
                                     std::to_string(full.cols()) + " matrix, expected " +
                                     std::to_string(x.rows()) + " x " + std::to_string(model_outputs_count_));
    }
  }
  const Index m = observed_.size();
  mean.resize(x.rows(), m);
  for (Index i = 0; i < m; ++i) mean.col(i) = full.col(columns_[static_cast<std::size_t>(i)]);
  if (!emulator_ && scale_ == ObservableScale::log) {
    // ln of a non-positive model value is -inf; such a row gets log-likelihood -inf in log_prob.
    mean = mean.array().max(0.0).log().matrix();
  }
  if (log_factor_ >= 0) mean.colwise() += x.col(log_factor_).array().max(0.0).log().matrix();
}

void GaussianLikelihood::set_log_factor(const std::string& parameter) {
  if (!emulator_ || inputs_.empty() || scale_ != ObservableScale::log)
    throw dataset_error(name_, "an exact log factor needs an emulator of some of the parameters on the log scale",
                        parameter);
  const auto it = std::find(parameter_names_.begin(), parameter_names_.end(), parameter);
  if (it == parameter_names_.end()) throw dataset_error(name_, "the log factor is not a parameter", parameter);
  const int column = static_cast<int>(it - parameter_names_.begin());
  if (std::find(inputs_.begin(), inputs_.end(), column) != inputs_.end())
    throw dataset_error(name_, "the log factor is also an input of the emulator", parameter);
  log_factor_ = column;
}

MatrixXd GaussianLikelihood::total_covariance(const Eigen::Ref<const RowVectorXd>& component_variance) const {
  if (component_variance.size() == 0) return fixed_covariance_;
  return fixed_covariance_ + loadings_.transpose() * component_variance.transpose().asDiagonal() * loadings_;
}

void GaussianLikelihood::log_prob(const MatrixXd& x, VectorXd& out) const {
  MatrixXd mean, component_variance;
  predict(x, mean, component_variance);
  const Index m = observed_.size();
  out.resize(x.rows());
  const double constant = -0.5 * static_cast<double>(m) * kLog2Pi;
  Eigen::LLT<MatrixXd> fixed_llt;
  if (!emulator_) fixed_llt.compute(fixed_covariance_);  // checked PD in the constructor
  for (Index row = 0; row < x.rows(); ++row) {
    const RowVectorXd mu = mean.row(row);
    if ((mu.array() == -std::numeric_limits<double>::infinity()).any()) {
      out[row] = -std::numeric_limits<double>::infinity();
      continue;
    }
    if (!mu.allFinite()) throw dataset_error(name_, "model prediction is not finite", "", static_cast<long>(row));
    const VectorXd r = observed_ - mu.transpose();
    Eigen::LLT<MatrixXd> llt_row;
    const Eigen::LLT<MatrixXd>* llt = &fixed_llt;
    if (emulator_) {
      llt_row.compute(total_covariance(component_variance.row(row)));
      llt = &llt_row;
    }
    const auto diag = llt->matrixLLT().diagonal();
    if (llt->info() != Eigen::Success || !(diag.array() > 0.0).all()) {
      throw dataset_error(name_, "total covariance (experimental + emulator) is not positive definite", "",
                          static_cast<long>(row));
    }
    const VectorXd w = llt->matrixL().solve(r);
    out[row] = -0.5 * w.squaredNorm() - diag.array().log().sum() + constant;
  }
}

SumOfLogDensities::SumOfLogDensities(std::vector<std::shared_ptr<const LogDensity>> parts)
    : parts_(std::move(parts)) {
  if (parts_.empty()) throw Error(ErrorContext{.parameter = "likelihoods"}, "no densities to sum");
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    if (!parts_[i]) throw Error(ErrorContext{.parameter = "likelihoods"}, "null density");
    if (parts_[i]->names() != parts_.front()->names()) {
      throw Error(ErrorContext{.parameter = "likelihoods"},
                  "density " + std::to_string(i) + " has parameters that differ from density 0");
    }
  }
}

void SumOfLogDensities::log_prob(const MatrixXd& x, VectorXd& out) const {
  out = VectorXd::Zero(x.rows());
  VectorXd part;
  for (const auto& p : parts_) {  // fixed order: bitwise reproducible sums
    p->log_prob(x, part);
    out += part;
  }
}

}  // namespace flowprior
