#include "flowprior/workflow/predictive.hpp"
#include "flowprior/workflow/stage_parameters.hpp"
#include "flowprior/core/stream_purpose.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "flowprior/core/error.hpp"
#include "flowprior/core/quantile.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/workflow/likelihood_builder.hpp"
#include "workflow/dataset_x.hpp"
#include "workflow/file_helpers.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;


// Median of column j (filled element by element: a vector built from an Eigen column's pointer range set off GCC 12's
// -Wfree-nonheap-object false positive in the unity build).
double median_of_column(const MatrixXd& m, Index j) {
  std::vector<double> v(static_cast<std::size_t>(m.rows()));
  for (Index i = 0; i < m.rows(); ++i) v[static_cast<std::size_t>(i)] = m(i, j);
  std::sort(v.begin(), v.end());
  return quantile_of_sorted(v, 0.5);
}

// min(k, n) distinct rows out of n: the first k of a seeded partial Fisher-Yates shuffle, then in file order.
std::vector<Index> choose_rows(Index n, Index k, Rng& rng) {
  std::vector<Index> all(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) all[static_cast<std::size_t>(i)] = i;
  if (k >= n) return all;
  for (Index i = 0; i < k; ++i) {
    const auto j = i + static_cast<Index>(rng.index(static_cast<std::uint64_t>(n - i)));
    std::swap(all[static_cast<std::size_t>(i)], all[static_cast<std::size_t>(j)]);
  }
  all.resize(static_cast<std::size_t>(k));
  std::sort(all.begin(), all.end());
  return all;
}

// A square root of the emulator's covariance Sigma_total - Sigma_exp. The difference of two PSD matrices can have
// eigenvalues of -1e-17 by rounding: those are set to zero.
MatrixXd emulator_root(const MatrixXd& total, const MatrixXd& experimental) {
  Eigen::SelfAdjointEigenSolver<MatrixXd> eig(total - experimental);
  const VectorXd root = eig.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return eig.eigenvectors() * root.asDiagonal();
}

double chi2_with(const Eigen::LLT<MatrixXd>& llt, const VectorXd& r) { return llt.matrixL().solve(r).squaredNorm(); }

Eigen::LLT<MatrixXd> checked_llt(const MatrixXd& c, const std::string& dataset) {
  Eigen::LLT<MatrixXd> llt(c);
  if (llt.info() != Eigen::Success)
    throw Error(ErrorContext{.parameter = dataset}, "total covariance (experimental + emulator) is not positive "
                                                    "definite at a posterior draw");
  return llt;
}

std::string csv_field(std::string s) {
  std::replace(s.begin(), s.end(), ',', ';');
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

using workflow_detail::DatasetX;
using workflow_detail::dataset_x;
using workflow_detail::finite_or_null;

// Kinematic variable of each data row: the x_column of the data file, else the observable index.
VectorXd kinematic_x(const DatasetConfig& d, Index m, json& record) {
  const DatasetX x = dataset_x(d, m);
  if (x.values.size() == m) return x.values;
  if (!x.note.empty()) {
    record["x_note"] = x.note + ": plotted by index";
    record["x_column"] = "";
  }
  return VectorXd::LinSpaced(m, 0.0, static_cast<double>(m - 1));
}

}  // namespace

DatasetPredictive posterior_predictive(const GaussianLikelihood& likelihood, ObservableScale scale,
                                       const MatrixXd& posterior, Index draws, Rng& rng) {
  const std::string& name = likelihood.dataset();
  if (posterior.rows() == 0) throw Error(ErrorContext{.parameter = name}, "posterior predictive: no posterior draws");
  if (posterior.cols() != likelihood.dim())
    throw Error(ErrorContext{.parameter = name}, "posterior predictive: draws have " +
                                                     std::to_string(posterior.cols()) + " columns, the model " +
                                                     std::to_string(likelihood.dim()) + " parameters");
  DatasetPredictive out;
  const Index d = posterior.cols();
  out.parameter_median.resize(d);
  for (Index j = 0; j < d; ++j) out.parameter_median[j] = median_of_column(posterior, j);

  const std::vector<Index> rows = choose_rows(posterior.rows(), std::max<Index>(draws, 1), rng);
  MatrixXd x(static_cast<Index>(rows.size()), d);
  for (std::size_t i = 0; i < rows.size(); ++i) x.row(static_cast<Index>(i)) = posterior.row(rows[i]);
  MatrixXd mean, component_variance;
  likelihood.predict(x, mean, component_variance);
  const Index m = mean.cols();
  const VectorXd& observed = likelihood.observed();
  const MatrixXd& experimental = likelihood.experimental_covariance();
  const bool emulated = component_variance.cols() > 0;

  std::vector<std::vector<double>> per_observable(static_cast<std::size_t>(m));
  Index replicated_at_least = 0;
  VectorXd z(m);
  for (Index s = 0; s < x.rows(); ++s) {
    // Both normal vectors are drawn for every draw, used or not, so one dropped draw does not shift the others.
    VectorXd band_noise(m);
    for (Index i = 0; i < m; ++i) band_noise[i] = rng.normal();
    for (Index i = 0; i < m; ++i) z[i] = rng.normal();
    const VectorXd mu = mean.row(s).transpose();
    if (!mu.allFinite()) {
      ++out.non_finite;
      continue;
    }
    const MatrixXd total = likelihood.total_covariance(component_variance.row(s));
    VectorXd y = mu;
    if (emulated) y += emulator_root(total, experimental) * band_noise;
    if (scale == ObservableScale::log) y = y.array().exp().matrix();
    for (Index i = 0; i < m; ++i) per_observable[static_cast<std::size_t>(i)].push_back(y[i]);
    // chi2(y_rep) with y_rep = mu + L z is exactly |z|^2 for the Cholesky factor L of C.
    const double chi2_obs = chi2_with(checked_llt(total, name), observed - mu);
    if (z.squaredNorm() >= chi2_obs) ++replicated_at_least;
    ++out.draws;
  }
  if (out.draws == 0)
    throw Error(ErrorContext{.parameter = name}, "posterior predictive: the model's prediction is not finite at "
                                                 "any of " + std::to_string(x.rows()) + " posterior draws");
  out.p_value = static_cast<double>(replicated_at_least) / static_cast<double>(out.draws);

  out.median.resize(m);
  out.lower68.resize(m);
  out.upper68.resize(m);
  out.lower95.resize(m);
  out.upper95.resize(m);
  for (Index i = 0; i < m; ++i) {
    std::vector<double>& v = per_observable[static_cast<std::size_t>(i)];
    std::sort(v.begin(), v.end());
    out.median[i] = quantile_of_sorted(v, 0.5);
    out.lower68[i] = quantile_of_sorted(v, 0.16);
    out.upper68[i] = quantile_of_sorted(v, 0.84);
    out.lower95[i] = quantile_of_sorted(v, 0.025);
    out.upper95[i] = quantile_of_sorted(v, 0.975);
  }

  MatrixXd mean_at_median, cv_at_median;
  likelihood.predict(out.parameter_median.transpose(), mean_at_median, cv_at_median);
  const VectorXd mu_med = mean_at_median.row(0).transpose();
  out.chi2_at_median = std::numeric_limits<double>::infinity();
  if (mu_med.allFinite()) {
    const MatrixXd total = likelihood.total_covariance(cv_at_median.row(0));
    out.chi2_at_median = chi2_with(checked_llt(total, name), observed - mu_med);
  }
  return out;
}

json write_posterior_predictive(const AnalysisConfig& config, const std::string& folder,
                                const PredictiveOptions& options) {
  // Run name and the datasets its posterior is conditioned on: a stage with a flow (or mixture) prior carries
  // everything the stages before it saw; a uniform-prior stage only its own datasets.
  std::vector<std::pair<std::string, std::vector<std::string>>> runs;
  std::vector<std::string> all;
  for (const auto& s : config.stages) {
    std::vector<std::string> seen = s.prior == PriorKind::uniform || runs.empty() ? std::vector<std::string>{}
                                                                                 : runs.back().second;
    for (const auto& n : s.datasets) {
      if (std::find(seen.begin(), seen.end(), n) == seen.end()) seen.push_back(n);
      if (std::find(all.begin(), all.end(), n) == all.end()) all.push_back(n);
    }
    runs.emplace_back(s.name, seen);
  }
  if (config.joint) runs.emplace_back("joint", all);

  json result;
  result["format"] = "flowprior-predictive";
  result["version"] = 1;
  result["draws"] = options.draws;
  result["seed"] = options.seed;
  result["definitions"] = {
      {"band", "median and central 68%/95% intervals over posterior draws of the model prediction, with the "
               "emulator's own uncertainty drawn where there is an emulator (a direct model: the credible band of "
               "the model curve); data units; experimental errors not included"},
      {"chi2_at_median", "r^T C^-1 r on the likelihood's scale, r = data - model at the per-parameter posterior "
                         "median, C = experimental + emulator covariance there"},
      {"p_value", "posterior predictive p = P(chi2(y_rep) >= chi2(y_obs)) over posterior draws, y_rep ~ N(mu, C) "
                  "at each draw, chi2 with that draw's mu and C; one replicate per draw"}};
  json order = json::array();
  for (const auto& run : runs) order.push_back(run.first);
  result["run_order"] = order;  // configuration order (json objects are sorted by key)
  json runs_json = json::object();
  std::vector<std::pair<std::string, Samples>> posteriors;  // each run on its own parameters
  for (const auto& [name, fitted] : runs) {
    const std::string file = name + "_posterior.csv";
    const std::string path = (fs::path(folder) / file).string();
    json r = {{"posterior", file}, {"conditioned_on", fitted}};
    if (!fs::exists(path)) {
      r["missing"] = file + " (not in the run folder)";
    } else {
      try {
        const Samples all = read_samples_csv(path);
        std::vector<std::string> names;  // the run's parameters (a stage may free only some), in box order
        for (const auto& n : config.box.names())
          if (std::find(all.names.begin(), all.names.end(), n) != all.names.end()) names.push_back(n);
        posteriors.emplace_back(name, all.with_columns(names, path));
        r["rows"] = posteriors.back().second.size();
      } catch (const std::exception& e) {
        r["missing"] = file + " (" + e.what() + ")";
      }
    }
    runs_json[name] = r;
  }
  result["runs"] = runs_json;

  json datasets = json::object();
  for (std::size_t k = 0; k < config.datasets.size(); ++k) {
    const DatasetConfig& dc = config.datasets[k];
    const std::string x_label = !dc.x_label.empty()  ? dc.x_label
                                : !dc.x_column.empty() ? dc.x_column
                                                       : "observable index";
    json rec = {{"csv", "predictive_" + dc.name + ".csv"},
                {"scale", dc.scale == ObservableScale::log ? "log" : "linear"},
                {"x_column", dc.x_column},
                {"x_label", x_label},
                {"y_label", dc.y_label.empty() ? dc.name : dc.y_label},
                {"x_log", dc.x_log},
                {"y_log", dc.y_log}};
    try {
      const auto likelihood = build_dataset_likelihood(dc, config.box);
      GaussianDataset data = load_dataset(dc);
      if (!dc.pseudo_point.empty()) {  // the values the likelihood saw, not the file's
        replace_by_pseudo_data(dc, config.box, data);
        rec["pseudo_data"] = true;
      }
      const Index m = likelihood->observed().size();
      rec["observables"] = m;
      const VectorXd x = kinematic_x(dc, m, rec);
      VectorXd total_sd = data.uncorrelated_sd.array().square().matrix();
      for (const auto& c : data.correlated) total_sd += c.sd.array().square().matrix();
      total_sd = total_sd.cwiseSqrt();
      std::vector<std::string> observable_names = data.observables;
      observable_names.resize(static_cast<std::size_t>(m));

      std::ostringstream csv;
      csv.precision(10);
      csv << "stage,index,observable,x,value,error,median,lower68,upper68,lower95,upper95\n";
      json stages = json::object();
      for (std::size_t r = 0; r < posteriors.size(); ++r) {
        const auto& [run, draws] = posteriors[r];
        json s;
        const auto& fitted = runs_json[run]["conditioned_on"];
        s["fitted"] = std::find(fitted.begin(), fitted.end(), dc.name) != fitted.end();
        try {
          Rng rng(options.seed, stream_id({purpose_id(StreamPurpose::predictive), k, r}));
          const MatrixXd points = dataset_points(config, dc.name, draws.names, draws.values);
          const DatasetPredictive p = posterior_predictive(*likelihood, dc.scale, points, options.draws, rng);
          s["chi2_at_median"] = finite_or_null(p.chi2_at_median);
          s["observables"] = m;
          s["p_value"] = p.p_value;
          s["draws"] = p.draws;
          s["non_finite_draws"] = p.non_finite;
          json med = json::object();
          for (int j = 0; j < config.box.dim(); ++j)
            med[config.box.names()[static_cast<std::size_t>(j)]] = p.parameter_median[j];
          s["parameter_median"] = med;
          for (Index i = 0; i < m; ++i)
            csv << csv_field(run) << ',' << i << ',' << csv_field(observable_names[static_cast<std::size_t>(i)])
                << ',' << x[i] << ',' << data.values[i] << ',' << total_sd[i] << ',' << p.median[i] << ','
                << p.lower68[i] << ',' << p.upper68[i] << ',' << p.lower95[i] << ',' << p.upper95[i] << '\n';
        } catch (const std::exception& e) {
          s["error"] = e.what();
        }
        stages[run] = s;
      }
      rec["stages"] = stages;
      write_file_atomically((fs::path(folder) / rec["csv"].get<std::string>()).string(), csv.str());
    } catch (const std::exception& e) {
      rec["error"] = e.what();
    }
    datasets[dc.name] = rec;
  }
  result["datasets"] = datasets;
  write_file_atomically((fs::path(folder) / "predictive.json").string(), result.dump(2) + "\n");
  return result;
}

json run_posterior_predictive(const AnalysisConfig& config, const std::string& folder, const Messages& messages) {
  try {
    PredictiveOptions options;
    options.seed = stream_id({config.seed, purpose_id(StreamPurpose::predictive)});
    const json full = write_posterior_predictive(config, folder, options);
    json compact = {{"file", "predictive.json"}};
    for (const auto& [name, rec] : full["datasets"].items()) {
      if (rec.contains("error")) {
        compact["datasets"][name] = {{"error", rec["error"]}};
        continue;
      }
      for (const auto& [run, s] : rec["stages"].items()) {
        json c;
        for (const char* key : {"chi2_at_median", "observables", "p_value", "error"})
          if (s.contains(key)) c[key] = s[key];
        compact["datasets"][name][run] = c;
      }
    }
    return compact;
  } catch (const std::exception& e) {
    messages.warn(std::string("posterior predictive not computed: ") + e.what() + "; the results are unaffected");
    return json{{"error", e.what()}};
  }
}

}  // namespace flowprior
