#pragma once
// Posterior predictive checks: the model's predictions of every dataset at posterior draws of every stage.
//   Band: at each of S posterior draws x_s (a seeded subsample of the stage's equal-weight posterior), one draw of
//     the model's prediction y_s ~ N(mu(x_s), Sigma_emu(x_s)) on the likelihood's scale (Sigma_emu = 0 for a direct
//     model: then the band is the credible band of the model curve mu(x)), back in data units (exp on the log
//     scale); per observable the median and the central 68% / 95% intervals of the y_s (linear interpolation
//     between order statistics). The band does NOT include the experimental errors: it is where the model puts
//     the observable, to be compared with the data and their error bars.
//   chi^2 at the posterior median: r^T C^-1 r, r = y_obs - mu(x_med), C = Sigma_exp + Sigma_emu(x_med) on the
//     likelihood's scale, x_med the per-parameter (marginal) median of all the stage's posterior draws.
//   Posterior predictive p-value: p = P(chi2(y_rep; x) >= chi2(y_obs; x)) over x ~ posterior and
//     y_rep ~ N(mu(x), C(x)), with chi2(y; x) = (y - mu(x))^T C(x)^-1 (y - mu(x)); estimated with one y_rep per
//     draw (Monte Carlo error about sqrt(p (1 - p) / S)). Posterior predictive p-values are conservative (they pile
//     up near 0.5 for a good model); a p-value below 0.01 says the model cannot reproduce the dataset.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "flowprior/core/messages.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/emulator/gaussian_likelihood.hpp"
#include "flowprior/workflow/analysis_config.hpp"

namespace flowprior {

struct DatasetPredictive {
  // Data units, per observable.
  VectorXd median, lower68, upper68, lower95, upper95;
  VectorXd parameter_median;  // per parameter, over all the posterior's rows
  double chi2_at_median = 0;
  double p_value = 0;
  Index draws = 0;       // posterior draws used
  Index non_finite = 0;  // draws dropped because their prediction was not finite
};

// posterior: equal-weight draws, one per row, columns in the likelihood's parameter order. Uses min(draws, rows)
// rows chosen by `rng` without replacement. Error if no draw gives a finite prediction.
DatasetPredictive posterior_predictive(const GaussianLikelihood& likelihood, ObservableScale scale,
                                       const MatrixXd& posterior, Index draws, Rng& rng);

struct PredictiveOptions {
  Index draws = 300;
  std::uint64_t seed = 1;
};

// For every dataset of the configuration and every run among the configured stages and "joint" whose
// RUN_posterior.csv is in `folder`: writes predictive_DATASET.csv (per stage and observable: kinematic x, data,
// total experimental sd, median and bands) and predictive.json (chi^2, p-values, plot labels, what is missing),
// and returns the json. A dataset or run that cannot be computed is recorded with its reason, never thrown.
nlohmann::json write_posterior_predictive(const AnalysisConfig& config, const std::string& folder,
                                          const PredictiveOptions& options = {});

// End of `flowprior run`: write_posterior_predictive with its own seed stream of config.seed and 300 draws,
// returning for summary.json per dataset and run {chi2_at_median, observables, p_value}. Never throws: a failure
// is a warning and {"error": ...}; the run's results are unaffected.
nlohmann::json run_posterior_predictive(const AnalysisConfig& config, const std::string& folder,
                                        const Messages& messages = {});

}  // namespace flowprior
