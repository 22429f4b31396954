#include "flowprior/workflow/likelihood_builder.hpp"

#include <Eigen/Cholesky>

#include "flowprior/core/digest.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/emulator/gaussian_likelihood.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/core/stream_purpose.hpp"
#include "flowprior/density/embedded_density.hpp"
#include "flowprior/workflow/stage_parameters.hpp"

namespace flowprior {
namespace {

std::vector<std::string> linear_output_names(Index m) {
  std::vector<std::string> names;
  for (Index i = 0; i < m; ++i) names.push_back("y" + std::to_string(i));
  return names;
}

}  // namespace

void replace_by_pseudo_data(const DatasetConfig& config, const Box& box, GaussianDataset& data) {
  GaussianDataset real = load_dataset(config);
  real.observables = config.model->observables(config, real);
  const auto like = config.model->likelihood(std::move(real), box, /*direct=*/true);  // the model itself
  MatrixXd x(1, box.dim());
  for (int j = 0; j < box.dim(); ++j) x(0, j) = config.pseudo_point.at(box.names()[static_cast<std::size_t>(j)]);
  MatrixXd mean, unused;
  like->predict(x, mean, unused);
  VectorXd on_scale = mean.row(0).transpose();
  if (config.pseudo_seed > 0) {  // one draw of the experimental covariance, on the likelihood's scale
    const Eigen::LLT<MatrixXd> llt(like->experimental_covariance());
    Rng rng(config.pseudo_seed, stream_id({purpose_id(StreamPurpose::pseudo_data_noise), fnv1a(config.name)}));  // each dataset its own stream
    MatrixXd z(on_scale.size(), 1);
    rng.fill_normal(z);
    on_scale += llt.matrixL() * z.col(0);
  }
  const VectorXd truth = data.scale == ObservableScale::log ? VectorXd(mean.row(0).transpose().array().exp())
                                                            : VectorXd(mean.row(0).transpose());
  const VectorXd pseudo = data.scale == ObservableScale::log ? VectorXd(on_scale.array().exp()) : on_scale;
  if (!pseudo.allFinite())
    throw Error(ErrorContext{.file = config.data_file, .parameter = "pseudo_data"},
                "dataset '" + config.name + "': the model gives no finite value at the pseudo-data point");
  if (data.scale == ObservableScale::log) {  // relative errors kept
    const VectorXd ratio = truth.cwiseQuotient(data.values);
    data.uncorrelated_sd = data.uncorrelated_sd.cwiseProduct(ratio);
    for (auto& c : data.correlated) c.sd = c.sd.cwiseProduct(ratio);
  }
  data.values = pseudo;
}

GaussianDataset load_dataset(const DatasetConfig& config) {
  const Table table = read_csv_table(config.data_file);
  auto column = [&](const std::string& name) {
    const int j = table.column(name);
    if (j < 0)
      throw Error(ErrorContext{.file = config.data_file, .parameter = name},
                  "dataset '" + config.name + "': no such column");
    return table.values.col(j);
  };
  GaussianDataset d;
  d.name = config.name;
  d.values = column(config.value_column);
  if (config.error_columns.empty()) {
    d.uncorrelated_sd = column(config.error_column);
  } else {  // independent uncorrelated sources (stat, uncorrelated sys) add in quadrature
    d.uncorrelated_sd = VectorXd::Zero(d.values.size());
    for (const auto& c : config.error_columns) d.uncorrelated_sd += column(c).array().square().matrix();
    d.uncorrelated_sd = d.uncorrelated_sd.cwiseSqrt();
  }
  for (const auto& c : config.correlated_columns) d.correlated.push_back(CorrelatedSource{c, column(c)});
  d.scale = config.scale;
  const Index m = d.values.size();
  if (!config.observables.empty()) {
    if (static_cast<Index>(config.observables.size()) != m)
      throw Error(ErrorContext{.file = config.data_file, .parameter = "observables"},
                  "dataset '" + config.name + "': " + std::to_string(config.observables.size()) +
                      " observables for " + std::to_string(m) + " data rows");
    d.observables = config.observables;
  } else {
    d.observables = linear_output_names(m);
  }
  return d;
}

std::shared_ptr<const LogDensity> build_likelihood(const DatasetConfig& config, const Box& box) {
  return build_dataset_likelihood(config, box);
}

std::shared_ptr<const GaussianLikelihood> build_dataset_likelihood(const DatasetConfig& config, const Box& box) {
  if (!config.model) throw Error(ErrorContext{.file = config.data_file}, "dataset '" + config.name + "' has no model");
  GaussianDataset data = load_dataset(config);
  data.observables = config.model->observables(config, data);
  if (!config.pseudo_point.empty()) replace_by_pseudo_data(config, box, data);
  return config.model->likelihood(std::move(data), box, /*direct=*/false);
}

std::shared_ptr<const LogDensity> build_likelihood(const AnalysisConfig& config,
                                                   const std::vector<std::string>& datasets) {
  return build_likelihood(config, datasets, config.box.names());
}

std::shared_ptr<const LogDensity> build_likelihood(const AnalysisConfig& config,
                                                   const std::vector<std::string>& datasets,
                                                   const std::vector<std::string>& parameters, bool direct) {
  std::vector<std::shared_ptr<const LogDensity>> parts;
  for (const auto& name : datasets) {
    std::shared_ptr<const LogDensity> full;
    if (direct) {  // the model itself, even where the runs use an emulator of it
      const DatasetConfig& c = config.dataset(name);
      GaussianDataset data = load_dataset(c);
      data.observables = c.model->observables(c, data);
      if (!c.pseudo_point.empty()) replace_by_pseudo_data(c, config.box, data);
      full = c.model->likelihood(std::move(data), config.box, /*direct=*/true);
    } else {
      full = build_likelihood(config.dataset(name), config.box);
    }
    const StageConfig* stage = config.stage_of(name);
    const bool fixes = stage && !stage->fixed.empty();
    if (parameters != config.box.names() || fixes) {
      const VectorXd held = held_values(config, name);
      std::vector<std::string> overridden;  // free in this run (a joint run), fixed for this dataset
      for (const auto& p : parameters)
        if (stage && stage->fixed.count(p)) overridden.push_back(p);
      full = std::make_shared<EmbeddedDensity>(full, config.box.names(), parameters, held, overridden);
    }
    parts.push_back(full);
  }
  if (parts.size() == 1) return parts.front();
  return std::make_shared<SumOfLogDensities>(std::move(parts));
}

void validate_dataset(const DatasetConfig& config, const Box& box) {
  if (!config.model) throw Error(ErrorContext{.file = config.data_file}, "dataset '" + config.name + "' has no model");
  GaussianDataset data = load_dataset(config);
  data.observables = config.model->observables(config, data);
  config.model->validate(config, box);
}

}  // namespace flowprior
