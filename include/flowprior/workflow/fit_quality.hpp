#pragma once
// Fit quality at a run's best point: for each dataset, chi^2 = r^T C^-1 r with r = data - model (on the
// likelihood's scale, ln y for log datasets) and C the experimental covariance (plus, for an emulator, its own
// covariance at that point). The best point is the particle with the highest log L + log prior of the run.
// Datasets whose runs use an emulator of a model that can be evaluated itself are also evaluated with the model
// (DatasetModel::emulated), which is what physics fits report.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flowprior/core/types.hpp"
#include "flowprior/workflow/analysis_config.hpp"

namespace flowprior {

struct DatasetFit {
  Index n = 0;
  double chi2 = 0;
  std::optional<double> chi2_model;  // with the model itself (emulated datasets)
};

struct FitQuality {
  std::vector<std::pair<std::string, double>> point;  // parameter -> value
  std::map<std::string, DatasetFit> datasets;
  Index n = 0;
  double chi2 = 0;
  std::optional<double> chi2_model;  // when every dataset has a model chi^2 (not only an emulator file)
  // {"point": {name: value}, "datasets": {NAME: {"n", "chi2", "chi2_per_point", "chi2_model",
  //  "chi2_model_per_point"}}, "total": {"n", "chi2", "chi2_model"}}
  nlohmann::json to_json() const;
  static FitQuality from_json(const nlohmann::json& j);
};

FitQuality fit_quality(const AnalysisConfig& config, const std::vector<std::string>& datasets,
                       const std::vector<std::string>& names, const Eigen::Ref<const RowVectorXd>& point);

// Row of the highest log_likelihood + log_prior.
Index best_particle(const VectorXd& log_likelihood, const VectorXd& log_prior);

}  // namespace flowprior
