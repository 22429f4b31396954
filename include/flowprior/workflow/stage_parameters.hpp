#pragma once
// Parameters that come and go between stages (issue 17). Each stage frees some parameters of [parameters] and may
// fix others (`parameters = [...]`, `fixed = {K = 1}` in [[stages]]). Its datasets are evaluated at the fixed
// values; parameters it neither frees nor fixes are ones its datasets' models do not use.
//
// What the stages then mean: the joint posterior of all datasets, each dataset evaluated with its own stage's fixed
// values, over every parameter some stage frees. The sequential answer is exact for it when a later stage's prior
// is the earlier posterior's MARGINAL on the parameters both stages free (a flow trained on those columns), times
// the parameters' own priors on the new ones: the parameters the later stage drops are integrated out, which is
// right because its datasets do not depend on them (free, they would stay in its prior). Their information is
// then gone from later stages, so a parameter's free stages must be consecutive (checked).
#include <string>
#include <vector>

#include "flowprior/core/box.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/config_table.hpp"

namespace flowprior {

// [[stages]] `parameters` and `fixed`: names checked against the box, values inside it; StageConfig::parameters set
// in box order (default: every parameter not fixed).
void read_stage_parameters(ConfigTable& table, const Box& box, StageConfig& stage);
// Across stages and datasets, before any run (Errors name the file, the stage's line and key): every parameter a
// dataset's model uses is free or fixed in its stage, free stages are consecutive, a flow stage shares
// parameters with the stage before.
void check_stage_parameters(const AnalysisConfig& config);

// The box of `names` (in box order, each in `box`).
Box sub_box(const Box& box, const std::vector<std::string>& names);
// The parameters' own priors, in the order of `names`.
std::vector<ParameterPrior> priors_of(const AnalysisConfig& config, const std::vector<std::string>& names);
// The parameters of `a` also in `b`, in box order; and those of `a` not in `b`.
std::vector<std::string> shared_parameters(const std::vector<std::string>& a, const std::vector<std::string>& b);
std::vector<std::string> new_parameters(const std::vector<std::string>& a, const std::vector<std::string>& b);
// Every parameter some stage frees, in box order: the joint run's parameters.
std::vector<std::string> joint_parameters(const AnalysisConfig& config);
// The values `dataset` sees for the parameters a run does not vary: its stage's fixed values, the middle of the
// bounds for the others (which its model does not use: check_stage_parameters). One per [parameters] entry.
VectorXd held_values(const AnalysisConfig& config, const std::string& dataset);
// Points of a run (columns `names`) as points of all [parameters] for `dataset`: its stage's fixed values, the middle
// of the bounds for parameters its model does not use. Error naming the parameter if the dataset uses one that the
// run does not have (a stage that dropped it).
MatrixXd dataset_points(const AnalysisConfig& config, const std::string& dataset, const std::vector<std::string>& names,
                        const MatrixXd& values);
// Every parameter some of `datasets`' stages frees, in box order.
std::vector<std::string> parameters_of_datasets(const AnalysisConfig& config, const std::vector<std::string>& datasets);

}  // namespace flowprior
