#pragma once
// Fit quality at a run's best point: for each dataset, chi^2 = r^T C^-1 r with r = data - model (on the
// likelihood's scale, ln y for log datasets) and C the experimental covariance (plus, for an emulator, its own
// covariance at that point). The best point is the particle with the highest log L + log prior of the run.
// Datasets of the built-in model are also evaluated with the model itself (not only its emulator), which is what
// physics fits report.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flowprior/core/types.hpp"
#include "flowprior/workflow/analysis_config.hpp"

namespace flowprior {

// {"point": {name: value}, "datasets": {NAME: {"n", "chi2", "chi2_per_point", "chi2_model" (built-in model only)}},
//  "total": {"n", "chi2", "chi2_model"}}
nlohmann::json fit_quality(const AnalysisConfig& config, const std::vector<std::string>& datasets,
                           const Eigen::Ref<const RowVectorXd>& point);

// Row of the highest log_likelihood + log_prior.
Index best_particle(const VectorXd& log_likelihood, const VectorXd& log_prior);

}  // namespace flowprior
