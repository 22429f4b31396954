#pragma once
// MCMC moves of the persistent sampler. Both kernels run in a working space theta (the box-bijected u, or the flow
// latent z of u) on the tempered target  beta l(x) + log pi(x) + log|dx/dtheta|, for a whole population at once.
//   rwm  : theta' = theta + s L xi,                       L L^T = covariance of the particles
//   tpcn : theta' = mu + sqrt(1 - s^2) (theta - mu) + s sqrt(W) L xi,  W ~ InvGamma((D+nu)/2, (nu + d^T S^-1 d)/2),
//          reversible w.r.t. the Student-t(mu, S, nu) fitted to the particles (exact t-pCN acceptance term).
// Step size: Robbins-Monro on log s toward the target acceptance, starting from the previous iteration's s.
// Number of steps (stated rule): stop once the chains have forgotten their start, i.e. the mean over whitened
// coordinates of corr(theta_0, theta_i) across particles AND corr(l_0, l_i) are both below `max_correlation`
// (the lag-i autocorrelation of a population of chains, estimated across chains) and at most max_unmoved of the
// particles are still exact copies of their start, within [min_steps, max_steps].
#include <cstdint>
#include <functional>
#include <string>

#include "flowprior/core/rng.hpp"
#include "flowprior/core/types.hpp"

namespace flowprior {

enum class MutationKernel { rwm, tpcn };
std::string to_string(MutationKernel kernel);
MutationKernel mutation_kernel_from_string(const std::string& name);  // Error on unknown

// A population in working space with everything the tempered target needs.
struct ParticleState {
  MatrixXd theta;      // working coordinates
  MatrixXd u;          // box-bijected coordinates u = box.to_unbounded(x)
  MatrixXd x;          // box coordinates
  VectorXd log_like;   // log L(x); -inf allowed
  VectorXd log_prior;  // log pi(x)
  VectorXd log_jac;    // log|dx/dtheta|
  Index size() const { return theta.rows(); }
};

// Fills x, log_prior, log_jac and log_like of `state` from state.theta (likelihood only where the rest is finite).
using StateEvaluator = std::function<void(ParticleState& state)>;

struct StudentT {
  VectorXd mean;
  MatrixXd covariance;
  MatrixXd chol;   // lower Cholesky factor of covariance
  double nu = 1e6; // 1e6 stands for "Gaussian"
};
// Maximum-likelihood multivariate t by EM (nu by bisection on its score equation), capped at nu = 1e6.
StudentT fit_student_t(const MatrixXd& theta, int max_iterations = 100);
// Gaussian moments (nu = 1e6), used by rwm.
StudentT fit_gaussian(const MatrixXd& theta);

struct MutationOptions {
  MutationKernel kernel = MutationKernel::rwm;
  double target_acceptance = 0.234;
  int min_steps = 2;
  int max_steps = 100;
  double max_correlation = 0.3;
  double max_unmoved = 0.02;  // and at most this fraction of particles never accepted a move
  bool adapt = true;
};

struct MutationSummary {
  int steps = 0;
  double acceptance = 0;      // mean over steps
  double scale = 0;           // step size at the end (input for the next iteration)
  double correlation = 0;     // last value of the stopping statistic
};

// `rng_for_step(i)` gives the generator of step i (the caller derives it from seed, iteration and step so runs are
// reproducible and resumable). `scale` is the initial step size.
MutationSummary mutate(ParticleState& state, double beta, const StudentT& fit, double scale,
                       const MutationOptions& options, const StateEvaluator& evaluate,
                       const std::function<Rng(int)>& rng_for_step);

// One draw from Gamma(shape, 1) (Marsaglia-Tsang), own transform for reproducibility.
double gamma_draw(double shape, Rng& rng);

}  // namespace flowprior
