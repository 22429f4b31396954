#pragma once
// The likelihood of one configured dataset: its CSV data (values, uncorrelated errors, fully correlated error
// columns) and its model (the built-in linear model y = A x + b, or an emulator file), as a GaussianLikelihood.
#include <memory>
#include <string>
#include <vector>

#include "flowprior/core/box.hpp"
#include "flowprior/core/log_density.hpp"
#include "flowprior/emulator/gaussian_likelihood.hpp"
#include "flowprior/workflow/analysis_config.hpp"

namespace flowprior {

GaussianDataset load_dataset(const DatasetConfig& config);
// With `pseudo_data`: the values replaced by the model at that point (see DatasetConfig::pseudo_point); the
// likelihood builders apply it, so every run sees the same pseudo-data.
void replace_by_pseudo_data(const DatasetConfig& config, const Box& box, GaussianDataset& data);
// The dataset's likelihood with its model; `predict` gives the model's predictions for posterior predictive checks.
std::shared_ptr<const GaussianLikelihood> build_dataset_likelihood(const DatasetConfig& config, const Box& box);
std::shared_ptr<const LogDensity> build_likelihood(const DatasetConfig& config, const Box& box);
// What can be checked before any run: the data file's columns and rows, the model's observables for them and the
// model's own checks (DatasetModel::validate). An Error naming the file, row or key.
void validate_dataset(const DatasetConfig& config, const Box& box);
// Sum of the named datasets' log-likelihoods (independent datasets).
std::shared_ptr<const LogDensity> build_likelihood(const AnalysisConfig& config,
                                                   const std::vector<std::string>& datasets);
// The same on the points of `parameters` (box order): each dataset evaluated at its stage's fixed values
// (workflow/stage_parameters.hpp). With every parameter and nothing fixed, exactly the sum above. `direct`: each
// dataset's model itself (DatasetModel::likelihood with direct = true) where the runs use an emulator of it.
std::shared_ptr<const LogDensity> build_likelihood(const AnalysisConfig& config,
                                                   const std::vector<std::string>& datasets,
                                                   const std::vector<std::string>& parameters, bool direct = false);

}  // namespace flowprior
