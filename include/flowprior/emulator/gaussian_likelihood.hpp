#pragma once
// Gaussian likelihood of one dataset given model parameters:
//   ln L(x) = -1/2 r^T C^-1 r - 1/2 ln|C| - (m/2) ln 2 pi,  r = y_exp - mu(x),  C = Sigma_exp + Sigma_emu(x),
//   Sigma_exp = diag(uncorrelated_sd^2) + sum_j c_j c_j^T  (each c_j one fully correlated error source).
// The log-determinant and 2 pi are kept (C depends on x; absolute evidences need them). Each row depends only on
// its own parameters: nothing depends on the batch size (no truncation covariance divided by batch size).
// On the log scale the data become ln y with relative errors (sd / y) and the model must give ln y: an emulator
// is taken to emulate ln y already; a direct model returns y and its logarithm is taken (y <= 0 gives -inf).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "flowprior/core/log_density.hpp"
#include "flowprior/emulator/emulator.hpp"

namespace flowprior {

enum class ObservableScale { linear, log };

struct CorrelatedSource {
  std::string name;
  VectorXd sd;  // per observable, same units as the values; covariance sd sd^T
};

struct GaussianDataset {
  std::string name;
  std::vector<std::string> observables;  // names of model outputs, in the order of `values`
  VectorXd values;
  VectorXd uncorrelated_sd;
  std::vector<CorrelatedSource> correlated;
  ObservableScale scale = ObservableScale::linear;
};

// x (B x d) -> y (B x m): model outputs on the linear scale, for the columns `output_names` of the model.
using DirectModel = std::function<void(const MatrixXd& x, MatrixXd& y)>;

class GaussianLikelihood : public LogDensity {
 public:
  // Errors name the dataset: sizes that differ, non-finite values, negative sd, non-positive values on the log
  // scale, observables the model does not produce, an experimental covariance that is not positive definite
  // (checked here only for a direct model: with an emulator the emulator covariance may make C PD, and a C that
  // is not PD at some x is an Error naming dataset and row at evaluation).
  GaussianLikelihood(GaussianDataset data, std::shared_ptr<const Emulator> emulator);
  // An emulator of some of the parameters: points have the columns `parameter_names` (e.g. the analysis box) and
  // the emulator's parameters are picked from them by name, in any order; the others do not affect this dataset.
  // Error naming the emulator parameter that is not among `parameter_names`.
  GaussianLikelihood(GaussianDataset data, std::shared_ptr<const Emulator> emulator,
                     std::vector<std::string> parameter_names);
  GaussianLikelihood(GaussianDataset data, DirectModel model, std::vector<std::string> parameter_names,
                     std::vector<std::string> model_outputs);

  int dim() const override { return static_cast<int>(parameter_names_.size()); }
  std::vector<std::string> names() const override { return parameter_names_; }
  using LogDensity::log_prob;
  void log_prob(const MatrixXd& x, VectorXd& out) const override;

  const std::string& dataset() const { return name_; }
  // On the likelihood's scale (ln y and relative errors on the log scale).
  const VectorXd& observed() const { return observed_; }
  const MatrixXd& experimental_covariance() const { return experimental_; }
  // Model prediction on the likelihood's scale for the dataset's observables: mean (B x m) and, with an
  // emulator, the full covariance Sigma_exp + Sigma_emu of one row.
  void predict(const MatrixXd& x, MatrixXd& mean, MatrixXd& component_variance) const;
  MatrixXd total_covariance(const Eigen::Ref<const RowVectorXd>& component_variance) const;
  // An exact overall factor of the model outputs that the emulator leaves out: on the log scale the emulator
  // predicts ln y - ln x_p, with x_p the column `parameter` of the points, and ln x_p is added to every mean (the
  // HotSpot model's K multiplies every cross section). Error unless this is an emulator's likelihood on the log scale,
  // built with parameter names, and `parameter` is one of them but not an input of the emulator.
  void set_log_factor(const std::string& parameter);

 private:
  void set_data(GaussianDataset data, const std::vector<std::string>& model_outputs);

  std::string name_;
  ObservableScale scale_ = ObservableScale::linear;
  std::vector<std::string> parameter_names_;
  std::vector<int> columns_;  // dataset observable i = model output columns_[i]
  std::vector<int> inputs_;   // emulator parameter k = column inputs_[k] of the points (empty: all, in order)
  int log_factor_ = -1;       // column of the points whose ln is added to the mean (set_log_factor); -1: none
  VectorXd observed_;
  MatrixXd experimental_;
  std::shared_ptr<const Emulator> emulator_;
  DirectModel model_;
  int model_outputs_count_ = 0;
  MatrixXd loadings_;               // emulator loadings restricted to the dataset's observables (q x m)
  MatrixXd fixed_covariance_;       // Sigma_exp + the emulator's truncation covariance (m x m)
};

// Independent datasets: the sum of their log-likelihoods. All parts must have the same parameters.
class SumOfLogDensities : public LogDensity {
 public:
  explicit SumOfLogDensities(std::vector<std::shared_ptr<const LogDensity>> parts);
  int dim() const override { return parts_.front()->dim(); }
  std::vector<std::string> names() const override { return parts_.front()->names(); }
  using LogDensity::log_prob;
  void log_prob(const MatrixXd& x, VectorXd& out) const override;

 private:
  std::vector<std::shared_ptr<const LogDensity>> parts_;
};

}  // namespace flowprior
