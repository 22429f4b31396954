// `flowprior emulator design|train|validate|predict`: the PCA + GP emulator workflow on CSV files.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/validators.hpp"
#include "flowprior/core/output_file.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/core/thread_pool.hpp"
#include "flowprior/emulator/design.hpp"
#include "flowprior/emulator/emulator.hpp"
#include "flowprior/emulator/validation.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/io/params_toml.hpp"

namespace flowprior::cli {

namespace {

struct DesignArgs {
  std::string params, out;
  long n = 0;
  std::uint64_t seed = 1;
  int candidates = 10;
  int swaps = 500;
};

struct EmulatorTrainArgs {
  std::string design, outputs, out, kernel = "matern52";
  int components = 0;
  double variance = 0.99;
  int restarts = 5;
  std::uint64_t seed = 1;
  int threads = 1;
  bool noise_in_prediction = false;
};

struct ValidateArgs {
  std::string emulator, design, outputs, json;
};

struct PredictArgs {
  std::string emulator, points, out, covariance;
  double outside = 0.1;  // allowed distance outside the design box, in design widths
};

// A GP far outside its design box returns its prior mean with a confident-looking sd: extrapolation. Points a
// little outside (`allowed` design widths) are warned about; farther ones are an error naming the row.
void check_design_box(const Emulator& e, const MatrixXd& x, const std::string& path, double allowed) {
  const MatrixXd u = e.to_unit(x);  // [0, 1] over the training design
  long outside = 0;
  for (Index i = 0; i < u.rows(); ++i)
    for (Index j = 0; j < u.cols(); ++j) {
      const double d = std::max(-u(i, j), u(i, j) - 1.0);
      if (!(d <= allowed))
        throw Error(ErrorContext{.file = path, .line = -1, .parameter = e.parameter_names()[static_cast<std::size_t>(j)],
                                 .row = static_cast<long>(i)},
                    "lies " + std::to_string(d) + " design widths outside the emulator's design box (allowed: " +
                        std::to_string(allowed) + ", --outside); the emulator would extrapolate");
      if (d > 0) ++outside;
    }
  if (outside > 0)
    warn("emulator predict: " + std::to_string(outside) + " coordinate(s) of " + path +
         " lie outside the design box (within --outside); those predictions extrapolate");
}

// The columns of `table` named `wanted`, in that order; Error naming the file and the missing column.
MatrixXd columns_by_name(const Table& table, const std::vector<std::string>& wanted, const std::string& path) {
  MatrixXd out(table.values.rows(), static_cast<Index>(wanted.size()));
  for (std::size_t j = 0; j < wanted.size(); ++j) {
    const int c = table.column(wanted[j]);
    if (c < 0) throw Error(ErrorContext{.file = path, .parameter = wanted[j]}, "column missing");
    out.col(static_cast<Index>(j)) = table.values.col(c);
  }
  return out;
}

void run_design(const DesignArgs& a) {
  if (a.n < 2) throw Error(ErrorContext{.parameter = "-n"}, "a design needs at least 2 points");
  require_distinct_output("--out", a.out, {{"--params", a.params}});
  const Box box = read_box_toml(a.params);
  DesignSummary summary;
  const MatrixXd x = maximin_latin_hypercube(
      box, a.n, {.seed = a.seed, .candidates = a.candidates, .swap_iterations = a.swaps}, &summary);
  write_csv_table(a.out, box.names(), x);
  status("emulator design: " + std::to_string(a.n) + " points in " + std::to_string(box.dim()) +
         " parameters, smallest distance " + std::to_string(summary.min_distance) + " (unit cube) -> " + a.out);
}

void run_emulator_train(const EmulatorTrainArgs& a) {
  require_distinct_output("--out", a.out, {{"--design", a.design}, {"--outputs", a.outputs}});
  const Table design = read_csv_table(a.design);
  const Table outputs = read_csv_table(a.outputs);
  if (design.values.rows() != outputs.values.rows()) {
    throw Error(ErrorContext{.file = a.outputs},
                std::to_string(outputs.values.rows()) + " output rows but the design " + a.design + " has " +
                    std::to_string(design.values.rows()) + " (one output row per design point, same order)");
  }
  EmulatorOptions o;
  o.kernel = kernel_from_string(a.kernel);
  o.components = a.components;
  o.variance_fraction = a.variance;
  o.noise_in_prediction = a.noise_in_prediction;
  o.gp.restarts = a.restarts;
  o.gp.seed = a.seed;
  o.threads = ThreadPool::resolve(a.threads);
  EmulatorSummary summary;
  const Emulator e = Emulator::train(design.values, outputs.values, design.names, outputs.names, o, &summary);
  e.save(a.out);
  status("emulator train: " + std::to_string(summary.components) + " components explain " +
         std::to_string(100.0 * summary.explained_variance) + "% of the standardised output variance");
  for (std::size_t k = 0; k < summary.fits.size(); ++k) {
    const GpFitSummary& f = summary.fits[k];
    status("  component " + std::to_string(k) + ": log marginal likelihood " +
           std::to_string(f.log_marginal_likelihood) + ", best restart " + std::to_string(f.best_restart) + "/" +
           std::to_string(f.restarts) + " (" + std::to_string(f.failed_restarts) + " failed), " + f.stop_reason);
  }
  status("emulator written to " + a.out);
}

void run_validate(const ValidateArgs& a) {
  require_distinct_output("--json", a.json, {{"--emulator", a.emulator}, {"--design", a.design}, {"--outputs", a.outputs}});
  const Emulator e = Emulator::load(a.emulator);
  const Table design = read_csv_table(a.design);
  const Table outputs = read_csv_table(a.outputs);
  const MatrixXd x = columns_by_name(design, e.parameter_names(), a.design);
  const MatrixXd y = columns_by_name(outputs, e.output_names(), a.outputs);
  if (x.rows() != y.rows()) {
    throw Error(ErrorContext{.file = a.outputs}, std::to_string(y.rows()) + " output rows but the design has " +
                                                     std::to_string(x.rows()));
  }
  const ValidationReport report = validate_emulator(e, x, y);
  std::printf("%s", report.to_text().c_str());
  if (!a.json.empty()) write_file_atomically(a.json, report.to_json().dump(2) + "\n");
}

void run_predict(const PredictArgs& a) {
  require_distinct_output("--out", a.out, {{"--emulator", a.emulator}, {"--points", a.points}, {"--covariance", a.covariance}});
  require_distinct_output("--covariance", a.covariance, {{"--emulator", a.emulator}, {"--points", a.points}});
  const Emulator e = Emulator::load(a.emulator);
  const Table points = read_csv_table(a.points);
  const MatrixXd x = columns_by_name(points, e.parameter_names(), a.points);
  check_design_box(e, x, a.points, a.outside);
  MatrixXd mean, var;
  e.predict(x, mean, var);
  const Index m = e.outputs();
  std::vector<std::string> names;
  MatrixXd table(x.rows(), 2 * m);
  for (Index j = 0; j < m; ++j) {
    names.push_back(e.output_names()[static_cast<std::size_t>(j)] + "_mean");
    names.push_back(e.output_names()[static_cast<std::size_t>(j)] + "_sd");
  }
  std::vector<MatrixXd> covariances;
  for (Index i = 0; i < x.rows(); ++i) {
    const MatrixXd cov = e.covariance(var.row(i));
    for (Index j = 0; j < m; ++j) {
      table(i, 2 * j) = mean(i, j);
      table(i, 2 * j + 1) = std::sqrt(std::max(0.0, cov(j, j)));
    }
    if (!a.covariance.empty()) covariances.push_back(cov);
  }
  write_csv_table(a.out, names, table);
  if (!a.covariance.empty()) {
    // One row per point: the full m x m covariance flattened row-major, columns cov_A_B.
    std::vector<std::string> cov_names;
    for (const auto& r : e.output_names()) {
      for (const auto& c : e.output_names()) cov_names.push_back("cov_" + r + "_" + c);
    }
    MatrixXd flat(x.rows(), m * m);
    for (Index i = 0; i < x.rows(); ++i) {
      for (Index r = 0; r < m; ++r) flat.block(i, r * m, 1, m) = covariances[static_cast<std::size_t>(i)].row(r);
    }
    write_csv_table(a.covariance, cov_names, flat);
  }
}

}  // namespace

void register_emulator_commands(CLI::App& app) {
  CLI::App* emu = app.add_subcommand("emulator", "Gaussian-process emulators of expensive models");
  emu->require_subcommand(1);

  auto d = std::make_shared<DesignArgs>();
  CLI::App* design = emu->add_subcommand("design", "Maximin Latin hypercube design in a parameter box");
  design->add_option("--params", d->params, "Parameter box (TOML)")->required();
  design->add_option("-n", d->n, "Number of design points")->required()->check(int_range(2, kMaxCount));
  design->add_option("--out", d->out, "Design CSV")->required();
  design->add_option("--seed", d->seed, "Random seed")->check(seed_value());
  design->add_option("--candidates", d->candidates, "Random Latin hypercubes tried")->check(int_range(1, 1000000));
  design->add_option("--swaps", d->swaps, "Maximin swap iterations")->check(int_range(0, kMaxInt));
  design->callback([d] { run_design(*d); });

  auto t = std::make_shared<EmulatorTrainArgs>();
  CLI::App* train = emu->add_subcommand("train", "Fit a PCA + GP emulator to model runs");
  train->add_option("--design", t->design, "Design CSV (one column per parameter)")->required();
  train->add_option("--outputs", t->outputs, "Model outputs CSV (one row per design point)")->required();
  train->add_option("--out", t->out, "Emulator JSON")->required();
  auto* comps = train->add_option("--components", t->components, "Number of principal components kept")
                    ->check(int_range(1, 100000));
  auto* var = train->add_option("--variance", t->variance, "Keep components explaining this fraction (default 0.99)")
                  ->check(real_range_open_low(0, 1));
  comps->excludes(var);
  train->add_option("--kernel", t->kernel, "se | matern52")->check(CLI::IsMember({"se", "matern52"}));
  train->add_option("--restarts", t->restarts, "Hyper-parameter optimiser restarts per component")->check(int_range(1, 10000));
  train->add_option("--seed", t->seed, "Seed of the restarts")->check(seed_value());
  train->add_option("--threads", t->threads, "Threads (results do not depend on it)")->transform(thread_count());
  train->add_flag("--noise-in-prediction", t->noise_in_prediction,
                  "Include the fitted white noise in predictions (noisy simulator); default: nugget only");
  train->callback([t] { run_emulator_train(*t); });

  auto v = std::make_shared<ValidateArgs>();
  CLI::App* validate = emu->add_subcommand("validate", "Check an emulator on a held-out design");
  validate->add_option("--emulator", v->emulator, "Emulator JSON")->required();
  validate->add_option("--design", v->design, "Held-out design CSV")->required();
  validate->add_option("--outputs", v->outputs, "Held-out model outputs CSV")->required();
  validate->add_option("--json", v->json, "Report as JSON");
  validate->callback([v] { run_validate(*v); });

  auto p = std::make_shared<PredictArgs>();
  CLI::App* predict = emu->add_subcommand("predict", "Emulator mean and standard deviation at points");
  predict->add_option("--emulator", p->emulator, "Emulator JSON")->required();
  predict->add_option("--points", p->points, "Points CSV")->required();
  predict->add_option("--out", p->out, "Predictions CSV (NAME_mean, NAME_sd)")->required();
  predict->add_option("--covariance", p->covariance, "Also write the full output covariance per point (CSV)");
  predict->add_option("--outside", p->outside,
                      "Allowed distance outside the design box in design widths (default 0.1; farther: error)")
      ->check(real_range(0, 1e6));
  predict->callback([p] { run_predict(*p); });
}

}  // namespace flowprior::cli
