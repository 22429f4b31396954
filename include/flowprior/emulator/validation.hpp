#pragma once
// Is the emulator trustworthy? Held-out standardised residuals (y - mean) / sd with sd from the full emulator
// covariance (GP variance of the kept components + the dropped components), their 68% / 95% coverage, and exact
// leave-one-out residuals of every component GP (closed form from K^-1, Rasmussen & Williams 5.4.2).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flowprior/emulator/emulator.hpp"

namespace flowprior {

struct ValidationOptions {
  // Thresholds of the verdict on the pooled held-out residuals.
  double max_abs_mean = 0.3;
  double min_sd = 0.7, max_sd = 1.4;
  double min_coverage95 = 0.88, max_coverage95 = 0.995;
};

struct ResidualStats {
  std::string name;
  Index count = 0;
  double mean = 0.0;        // of standardised residuals
  double sd = 0.0;
  double coverage68 = 0.0;  // fraction with |residual| <= 1
  double coverage95 = 0.0;  // fraction with |residual| <= 1.959964
  double rmse = 0.0;        // of raw residuals (output units; PC units for LOO)
};

struct ValidationReport {
  ResidualStats pooled;                 // all held-out outputs together
  std::vector<ResidualStats> outputs;   // per output
  std::vector<ResidualStats> leave_one_out;  // per component, on the training design
  bool trustworthy = true;
  std::vector<std::string> problems;   // why it is not (empty when trustworthy)

  nlohmann::json to_json() const;
  std::string to_text() const;
};

// Error naming row / column if the held-out shapes or values are wrong.
ValidationReport validate_emulator(const Emulator& emulator, const MatrixXd& design, const MatrixXd& outputs,
                                   const ValidationOptions& options = {});

ResidualStats residual_stats(const std::string& name, const VectorXd& standardised, const VectorXd& raw);

}  // namespace flowprior
