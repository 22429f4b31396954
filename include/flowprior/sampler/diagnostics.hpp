#pragma once
// Convergence diagnostics of an ensemble chain, following emcee's integrated_time: per-walker normalised
// autocorrelation function by FFT, averaged over walkers (not the taus), tau(M) = 2 sum_{t<=M} rho(t) - 1 with
// Sokal's window (smallest M >= c tau(M)), and the "chain shorter than tol * tau" warning.
#include <string>
#include <vector>

#include "flowprior/sampler/ensemble.hpp"

namespace flowprior {

// Normalised autocorrelation function rho(0..n-1) of one series (rho(0) = 1; a constant series gives all zeros
// after lag 0).
VectorXd autocorr_function(const VectorXd& x);

struct AutocorrOptions {
  double c = 5.0;     // Sokal window constant
  double tol = 50.0;  // warn when steps < tol * tau
  int threads = 1;    // parameters computed in parallel (results do not depend on it); <= 0: all hardware threads
};

struct AutocorrResult {
  VectorXd tau;         // per parameter, in steps
  bool too_short = false;
  std::string warning;  // empty unless too_short
};

// series: steps x walkers values of one parameter. Returns tau of that parameter.
double integrated_autocorr_time(const MatrixXd& series, double c = 5.0);
AutocorrResult integrated_autocorr_time(const Chain& chain, Index discard = 0, const AutocorrOptions& options = {});

// Split R-hat (Gelman et al.) of one parameter: the walkers are cut into `groups` contiguous groups, each group's
// draws split into first and second half of the steps, giving 2 * groups sequences.
double split_r_hat(const MatrixXd& series, int groups = 4);

struct ChainDiagnostics {
  Index discard = 0;
  VectorXd acceptance_fraction;  // per walker
  VectorXd autocorr_time;        // per parameter
  VectorXd ess;                  // per parameter: kept draws / tau
  VectorXd r_hat;                // per parameter
  VectorXd mean;                 // per parameter
  MatrixXd covariance;
  VectorXd mean_error;           // Monte Carlo standard error of the mean: sd / sqrt(ess)
  std::vector<std::string> warnings;
};

ChainDiagnostics diagnose(const Chain& chain, Index discard = 0, const AutocorrOptions& options = {});

}  // namespace flowprior
