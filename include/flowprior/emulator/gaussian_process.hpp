#pragma once
// One Gaussian process with zero mean on inputs scaled to the unit cube: hyper-parameters by maximum marginal
// likelihood (LBFGS-B in log space, seeded restarts), then exact conditioning and batch prediction.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "flowprior/emulator/kernel.hpp"

namespace flowprior {

class ThreadPool;

struct GpFitOptions {
  KernelType kernel = KernelType::matern52;
  int restarts = 5;                 // restart 0 starts at a fixed point, the others log-uniformly in the bounds
  std::uint64_t seed = 1;
  double min_length = 0.01, max_length = 100.0;    // in units of the design range (inputs are in [0, 1])
  double min_amplitude = 1e-2, max_amplitude = 1e2;
  double min_noise = 1e-6, max_noise = 1.0;        // outputs are whitened PCs, so unit scale
  int max_iterations = 200;
  double gradient_tolerance = 1e-5;
};

struct GpRestartResult {
  VectorXd eta;                  // packed log hyper-parameters of the best point this restart visited
  double log_marginal_likelihood = -std::numeric_limits<double>::infinity();
  double gradient_norm = 0.0;    // projected on the bounds
  int iterations = 0;
  bool ok = false;               // at least one point with a positive definite covariance was visited
  std::string stop_reason;
};

struct GpFitSummary {
  double log_marginal_likelihood = 0.0;
  double gradient_norm = 0.0;
  int restarts = 0;
  int failed_restarts = 0;
  int best_restart = -1;
  int iterations = 0;
  std::string stop_reason;
};

// log p(z | x, eta) with the 2 pi term; gradient wrt eta if requested. Returns false (value untouched) when the
// covariance is not positive definite.
bool gp_log_marginal_likelihood(KernelType kernel, const MatrixXd& x, const VectorXd& z, const VectorXd& eta,
                                double& value, VectorXd* gradient);
// The same with the n x n scratch matrices kept in `workspace` between calls (the optimiser's loop).
struct GpLmlWorkspace;
bool gp_log_marginal_likelihood(KernelType kernel, const MatrixXd& x, const VectorXd& z, const VectorXd& eta,
                                double& value, VectorXd* gradient, GpLmlWorkspace& workspace);

// One restart; `stream` names its random start (the restart index for a lone GP, (component, restart) in an
// emulator) so the result does not depend on which thread runs it.
GpRestartResult run_gp_restart(const MatrixXd& x, const VectorXd& z, const GpFitOptions& options, int restart,
                               std::uint64_t stream);
// Best of several restarts in fixed order (first one wins ties). Error if none succeeded.
GpRestartResult best_gp_restart(const std::vector<GpRestartResult>& results, GpFitSummary& summary,
                                const std::string& what);

class GaussianProcess {
 public:
  GaussianProcess() = default;
  // Conditions on (x, z) with fixed hyper-parameters. Error naming `what` if the covariance is not PD.
  GaussianProcess(KernelType kernel, GpHyper hyper, MatrixXd x, VectorXd z, const std::string& what = "GP");

  // Fits the hyper-parameters then conditions. Restarts run on `pool` if given.
  static GaussianProcess fit(const MatrixXd& x, const VectorXd& z, const GpFitOptions& options,
                             GpFitSummary* summary = nullptr, ThreadPool* pool = nullptr);

  // Per row of x: mean and variance of the latent function (plus the noise variance if include_noise).
  // Each row depends only on that row, bitwise: the result of a row does not depend on the batch size or on the
  // row's position in the batch (every row goes through the same sequence of floating-point operations).
  void predict(const MatrixXd& x, VectorXd& mean, VectorXd& variance, bool include_noise) const;
  // Exact leave-one-out predictive mean and variance (noise included: it predicts the observed z_i).
  void leave_one_out(VectorXd& mean, VectorXd& variance) const;

  KernelType kernel() const { return kernel_; }
  const GpHyper& hyper() const { return hyper_; }
  const MatrixXd& inputs() const { return x_; }
  const VectorXd& targets() const { return z_; }
  double noise_variance() const { return std::exp(hyper_.log_noise); }

 private:
  KernelType kernel_ = KernelType::matern52;
  GpHyper hyper_;
  MatrixXd x_;
  VectorXd z_;
  // Prediction tables built once when conditioning (see gaussian_process.cpp for the layout and why).
  VectorXd alpha_;                    // K^-1 z
  VectorXd kinv_diag_;                // diag(K^-1), for leave-one-out
  std::vector<double> scaled_inputs_; // x_ / length, column-major, rows padded to a multiple of 8 with zeros
  std::vector<double> inv_chol_panels_;  // L^-1 in panels of 16 rows, each stored column after column
  Index padded_rows_ = 0;

  void build_prediction_tables(const MatrixXd& inv_chol);
  // `scaled` points at the first point's first coordinate of a column-major matrix of points divided by the
  // length scales, `stride` apart between coordinates. A block is 8 consecutive points.
  void predict_block(const double* scaled, Index stride, double* kt, double* v, double* mean, double* variance,
                     double prior) const;
  void predict_one(const double* scaled, Index stride, double* kt, double* v, double& mean, double& variance,
                   double prior) const;
};

}  // namespace flowprior
