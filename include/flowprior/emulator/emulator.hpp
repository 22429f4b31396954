#pragma once
// PCA + GP emulator of a vector-valued model (Bernhard's pipeline, see docs/reference/emulators.md):
//   outputs standardised per column -> PCA by SVD -> q whitened components, one GP each (ARD kernel + noise);
//   prediction: mean and full output covariance
//     Sigma_emu(x) = sum_{k<q} var_k(x) A_k^T A_k + Sigma_trunc,   A_k = sqrt(lambda_k) v_k^T .* scale,
//   where Sigma_trunc = sum_{k>=q} A_k^T A_k is the dropped components' variance: a fixed per-point term that never
//   depends on how many points are predicted together.
// Noise term: by default the fitted white noise is a numerical nugget and is NOT included in predictions (the
// simulator is deterministic); set noise_in_prediction for a noisy (e.g. finite-statistics) simulator.
#include <string>
#include <vector>

#include "flowprior/core/messages.hpp"
#include "flowprior/emulator/gaussian_process.hpp"

namespace flowprior {

struct EmulatorOptions {
  KernelType kernel = KernelType::matern52;
  int components = 0;               // > 0: keep exactly this many components
  double variance_fraction = 0.99;  // used when components == 0: smallest q explaining this fraction
  bool noise_in_prediction = false;
  GpFitOptions gp;                  // gp.kernel is overwritten by `kernel`
  // > 0: the GP hyper-parameters are fitted on the first `hyper_rows` design rows only, then every GP is
  // conditioned on all rows. For a refined design (a space-filling first wave, then points clustered where a
  // posterior lies): hyper-parameters fitted on the clustered points describe that region and leave the emulator
  // overconfident elsewhere; fitted on the space-filling wave they stay calibrated over the box, and the added
  // points only shrink the variance where they lie. 0: all rows.
  Index hyper_rows = 0;
  int threads = 1;                  // fits of (component, restart) pairs run as fixed tasks on this many threads
  Messages messages;                // warnings (a constant output); empty sink: stderr
};

struct EmulatorSummary {
  int components = 0;
  double explained_variance = 0.0;  // fraction of the standardised output variance kept
  std::vector<GpFitSummary> fits;   // one per component
};

class Emulator {
 public:
  Emulator() = default;

  // design: n x d model inputs; outputs: n x m model outputs. Errors (naming row / column) for: row counts that
  // differ, non-finite values, duplicated design points, a parameter constant over the design, names of the
  // wrong length, fewer than 3 points.
  static Emulator train(const MatrixXd& design, const MatrixXd& outputs, std::vector<std::string> parameter_names,
                        std::vector<std::string> output_names, const EmulatorOptions& options = {},
                        EmulatorSummary* summary = nullptr);

  int dim() const { return static_cast<int>(parameter_names_.size()); }
  int outputs() const { return static_cast<int>(output_names_.size()); }
  int components() const { return static_cast<int>(gps_.size()); }
  const std::vector<std::string>& parameter_names() const { return parameter_names_; }
  const std::vector<std::string>& output_names() const { return output_names_; }
  int output_index(const std::string& name) const;  // Error if absent
  KernelType kernel() const { return kernel_; }
  bool noise_in_prediction() const { return noise_in_prediction_; }
  void set_noise_in_prediction(bool on) { noise_in_prediction_ = on; }
  double explained_variance() const { return explained_variance_; }

  // x: B x d. mean: B x m; component_variance: B x q (the GP variances in whitened PC space). Row i depends only
  // on row i of x, bitwise (the same for any batch size or position in the batch).
  void predict(const MatrixXd& x, MatrixXd& mean, MatrixXd& component_variance) const;
  // Mean and marginal standard deviation (sqrt of the diagonal of Sigma_emu), both B x m.
  void predict_marginal(const MatrixXd& x, MatrixXd& mean, MatrixXd& sd) const;
  // Sigma_emu of one point (m x m) from its component variances.
  MatrixXd covariance(const Eigen::Ref<const RowVectorXd>& component_variance) const;

  // Rows A_k (q x m), and the fixed truncation covariance (m x m).
  const MatrixXd& component_loadings() const { return loadings_; }
  const MatrixXd& truncation_covariance() const { return truncation_; }
  const GaussianProcess& component(int k) const { return gps_[static_cast<std::size_t>(k)]; }
  // Inputs scaled as the GPs see them ([0, 1] over the training design).
  MatrixXd to_unit(const MatrixXd& x) const;

  // {"format": "flowprior.emulator", "version": 1, ...}; doubles written with round-trip precision so that a
  // loaded emulator predicts bitwise the same values.
  std::string to_json() const;
  static Emulator from_json(const std::string& text, const std::string& source);
  void save(const std::string& path) const;
  static Emulator load(const std::string& path);

 private:
  std::vector<std::string> parameter_names_;
  std::vector<std::string> output_names_;
  KernelType kernel_ = KernelType::matern52;
  bool noise_in_prediction_ = false;
  double explained_variance_ = 0.0;
  RowVectorXd input_lower_, input_width_;
  RowVectorXd output_mean_;
  MatrixXd loadings_;    // q x m
  MatrixXd truncation_;  // m x m
  std::vector<GaussianProcess> gps_;
};

}  // namespace flowprior
