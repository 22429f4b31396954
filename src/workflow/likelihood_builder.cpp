#include "flowprior/workflow/likelihood_builder.hpp"

#include "flowprior/core/error.hpp"
#include "flowprior/emulator/emulator.hpp"
#include "flowprior/emulator/gaussian_likelihood.hpp"
#include "flowprior/io/csv.hpp"

namespace flowprior {
namespace {

std::vector<std::string> linear_output_names(Index m) {
  std::vector<std::string> names;
  for (Index i = 0; i < m; ++i) names.push_back("y" + std::to_string(i));
  return names;
}

}  // namespace

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
  d.uncorrelated_sd = column(config.error_column);
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
  GaussianDataset data = load_dataset(config);
  if (config.model == ModelKind::emulator) {
    auto emulator = std::make_shared<const Emulator>(Emulator::load(config.emulator_file));
    if (emulator->parameter_names() != box.names())
      throw Error(ErrorContext{.file = config.emulator_file},
                  "dataset '" + config.name + "': the emulator's parameters differ from [parameters]");
    if (config.observables.empty()) {
      if (static_cast<int>(data.values.size()) != emulator->outputs())
        throw Error(ErrorContext{.file = config.data_file, .parameter = "observables"},
                    "dataset '" + config.name + "': give `observables` (the emulator has " +
                        std::to_string(emulator->outputs()) + " outputs, the data " +
                        std::to_string(data.values.size()) + " rows)");
      data.observables = emulator->output_names();
    }
    return std::make_shared<GaussianLikelihood>(std::move(data), emulator);
  }
  if (config.matrix.rows() != data.values.size())
    throw Error(ErrorContext{.file = config.data_file},
                "dataset '" + config.name + "': the built-in model has " + std::to_string(config.matrix.rows()) +
                    " outputs, the data " + std::to_string(data.values.size()) + " rows");
  const MatrixXd a = config.matrix;
  const VectorXd b = config.offset;
  const bool square = config.model == ModelKind::quadratic;
  DirectModel model = [a, b, square](const MatrixXd& x, MatrixXd& y) {
    y = square ? MatrixXd(x.array().square().matrix() * a.transpose()) : MatrixXd(x * a.transpose());
    y.rowwise() += b.transpose();
  };
  return std::make_shared<GaussianLikelihood>(std::move(data), model, box.names(),
                                              linear_output_names(a.rows()));
}

std::shared_ptr<const LogDensity> build_likelihood(const AnalysisConfig& config,
                                                   const std::vector<std::string>& datasets) {
  std::vector<std::shared_ptr<const LogDensity>> parts;
  for (const auto& name : datasets) parts.push_back(build_likelihood(config.dataset(name), config.box));
  if (parts.size() == 1) return parts.front();
  return std::make_shared<SumOfLogDensities>(std::move(parts));
}

}  // namespace flowprior
