#include "flowprior/workflow/config_checks.hpp"

#include <cmath>
#include <filesystem>
#include <string>

#include "flowprior/core/error.hpp"
#include "flowprior/core/thread_pool.hpp"
#include "flowprior/io/csv.hpp"

namespace flowprior {
namespace {

void check_sampler(const SamplerConfig& s, int dim, const std::string& source, const std::string& key, long line) {
  auto bad = [&](const std::string& name, const std::string& what) {
    throw Error(ErrorContext{.file = source, .line = line, .parameter = key + name}, what);
  };
  if (s.kind == SamplerKind::smc) {
    if (!(s.n_effective > 0) || !std::isfinite(s.n_effective)) bad("n_effective", "must be a positive number");
    if (s.n_total < 1) bad("n_total", "must be at least 1");
    if (s.max_iterations < 1) bad("max_iterations", "must be at least 1");
  } else {
    if (s.walkers < 2 * dim)
      bad("walkers", "is " + std::to_string(s.walkers) + "; the ensemble moves need at least 2 x " +
                         std::to_string(dim) + " parameters = " + std::to_string(2 * dim) + " walkers");
    if (s.steps < 1) bad("steps", "must be at least 1");
  }
}

void check_flow(const TrainOptions& f, const std::string& source) {
  auto bad = [&](const std::string& name, const std::string& what) {
    throw Error(ErrorContext{.file = source, .parameter = "flow." + name}, what);
  };
  if (f.max_epochs < 1) bad("epochs", "must be at least 1");
  if (f.patience < 1) bad("patience", "must be at least 1");
  if (f.batch_size < 1) bad("batch_size", "must be at least 1");
  if (!(f.learning_rate > 0) || !std::isfinite(f.learning_rate)) bad("learning_rate", "must be a positive number");
  if (!(f.validation_fraction >= 0 && f.validation_fraction < 1)) bad("validation_fraction", "must be in [0, 1)");
  if (f.flow.layers < 1) bad("layers", "must be at least 1");
  if (f.flow.hidden < 1) bad("hidden", "must be at least 1");
  if (f.flow.hidden_layers < 1) bad("hidden_layers", "must be at least 1");
  if (f.flow.bins < 2) bad("bins", "must be at least 2");
}

// Every column a dataset names exists in its data file (read now: data files are small).
void check_columns(const DatasetConfig& d, const std::string& source) {
  // A configuration may be parsed without its data (tests, tools); a missing file is reported where it is loaded.
  std::error_code ec;
  if (!std::filesystem::exists(d.data_file, ec)) return;
  const Table t = read_csv_table(d.data_file, /*allow_non_finite=*/true);
  auto need = [&](const std::string& column, const std::string& key) {
    if (!column.empty() && t.column(column) < 0)
      throw Error(ErrorContext{.file = source, .line = d.line, .parameter = "datasets." + d.name + "." + key},
                  "column '" + column + "' is not in the data file " + d.data_file);
  };
  need(d.value_column, "value_column");
  if (d.error_columns.empty()) need(d.error_column, "error_column");
  for (const auto& c : d.error_columns) need(c, "errors");
  for (const auto& c : d.correlated_columns) need(c, "correlated");
  need(d.x_column, "x_column");
}

}  // namespace

void check_analysis_config(AnalysisConfig& c) {
  try {
    c.threads = ThreadPool::cap(c.threads, "threads");
  } catch (const Error& e) {
    throw Error(ErrorContext{.file = c.source, .parameter = "threads"}, e.what());
  }
  const int dim = c.box.dim();
  for (std::size_t i = 0; i < c.stages.size(); ++i)
    check_sampler(c.stages[i].sampler, dim, c.source, "stages[" + std::to_string(i) + "].", c.stages[i].line);
  if (c.joint) check_sampler(c.joint_sampler, dim, c.source, "joint.", -1);
  check_flow(c.flow, c.source);
  for (const auto& d : c.datasets) check_columns(d, c.source);
}

}  // namespace flowprior
