#include "flowprior/workflow/second_wave.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "flowprior/core/digest.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/core/stream_purpose.hpp"
#include "flowprior/emulator/error_ratio.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/workflow/likelihood_builder.hpp"
#include "flowprior/workflow/report_html.hpp"
#include "flowprior/workflow/run_context.hpp"
#include "workflow/dataset_x.hpp"
#include "workflow/file_helpers.hpp"

namespace flowprior {
namespace {

bool has_columns(const Samples& s, const std::vector<std::string>& names) {
  for (const auto& n : names)
    if (std::find(s.names.begin(), s.names.end(), n) == s.names.end()) return false;
  return true;
}

// Up to `n` rows of `s` (columns `names`), without replacement, probability proportional to weight: the n largest
// keys ln(u) / w (the log of Efraimidis & Spirakis's u^(1/w)); rows of zero weight never. Rows equal to one already
// taken are skipped (a persistent sampler's particles can repeat), so every returned row is distinct.
std::vector<RowVectorXd> weighted_distinct_rows(const Samples& s, Index n, const std::vector<std::string>& names,
                                                Rng& rng, std::set<std::vector<double>>& taken) {
  const Samples cols = s.names == names ? s : s.with_columns(names, "posterior");
  const VectorXd w = cols.normalized_weights();
  std::vector<std::pair<double, Index>> keys;
  keys.reserve(static_cast<std::size_t>(cols.size()));
  for (Index i = 0; i < cols.size(); ++i) {
    const double u = rng.uniform_open();  // one draw per row whatever its weight: the stream does not depend on w
    if (w[i] > 0.0) keys.emplace_back(std::log(u) / w[i], i);
  }
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<RowVectorXd> rows;
  for (const auto& [key, i] : keys) {
    if (static_cast<Index>(rows.size()) == n) break;
    const RowVectorXd r = cols.values.row(i);
    if (!taken.insert(std::vector<double>(r.data(), r.data() + r.size())).second) continue;
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

MatrixXd draw_posterior_points(const std::vector<const Samples*>& runs, Index n, const std::vector<std::string>& names,
                               std::uint64_t seed) {
  std::vector<const Samples*> usable;
  for (const Samples* s : runs)
    if (s && s->size() > 0 && has_columns(*s, names)) usable.push_back(s);
  if (usable.empty())
    throw Error(ErrorContext{.parameter = "second_wave_points"},
                "no posterior of the pilot run has every parameter of the box to draw the second wave from");
  std::set<std::vector<double>> taken;
  std::vector<RowVectorXd> rows;
  const Index k = static_cast<Index>(usable.size());
  for (Index r = 0; r < k; ++r) {
    const Index share = n / k + (r < n % k ? 1 : 0);
    Rng rng(stream_id({seed, static_cast<std::uint64_t>(r)}));
    const auto part = weighted_distinct_rows(*usable[static_cast<std::size_t>(r)], share, names, rng, taken);
    if (static_cast<Index>(part.size()) < share)
      throw Error(ErrorContext{.parameter = "second_wave_points"},
                  "asks for " + std::to_string(n) + " points, but a pilot posterior holds only " +
                      std::to_string(part.size()) + " distinct weighted particles for its share of " +
                      std::to_string(share) + "; ask for fewer");
    rows.insert(rows.end(), part.begin(), part.end());
  }
  MatrixXd out(static_cast<Index>(rows.size()), static_cast<Index>(names.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Index>(i)) = rows[i];
  return out;
}

void refine_emulators(AnalysisConfig& config, const RunOptions& options, const PrepareContext& context,
                      std::map<std::string, EmulatorRecord>& records) {
  bool wanted = false;
  for (const auto& [name, family] : config.models) wanted = wanted || family->second_wave_points() > 0;
  if (!wanted || context.load_only) return;
  // The pilot: every stage as configured, on this process's threads (worker ranks only know the final emulators).
  RunOptions pilot_options = options;
  pilot_options.evaluation.make_evaluator = nullptr;
  pilot_options.evaluation.likelihood_key = nullptr;
  RunContext pilot(config, pilot_options);
  std::vector<StageConfig> stages = config.stages;
  for (auto& s : stages) s.name = "wave1_" + s.name;
  context.messages.status("second wave: pilot run of every stage with the first-wave emulators");
  const Sequence seq = pilot.run_sequence(stages, StreamPurpose::stage, StreamPurpose::stage_flow);
  std::vector<const Samples*> posteriors;
  for (const auto& r : seq.runs) posteriors.push_back(&r.particles);
  for (const auto& [name, family] : config.models) {
    const long n = family->second_wave_points();
    if (n <= 0) continue;
    std::vector<DatasetConfig*> users;
    for (auto& d : config.datasets)
      if (d.model_name == name) users.push_back(&d);
    if (users.empty()) continue;
    const MatrixXd points = draw_posterior_points(
        posteriors, n, config.box.names(), stream_id({context.seed, purpose_id(StreamPurpose::second_wave), fnv1a(name)}));
    for (auto& [key, record] : family->refine(users, config.box, context, points)) records[key] = record;
  }
}

namespace {

// "DATASET X_COLUMN=VALUE" for data row i (the x_column of the data file), else "DATASET row i".
std::vector<std::string> data_point_names(const DatasetConfig& c, Index m) {
  std::vector<std::string> names;
  const VectorXd x = workflow_detail::dataset_x(c, m).values;
  for (Index i = 0; i < m; ++i)
    names.push_back(c.name + " " + (x.size() == m ? c.x_column + "=" + report::number(x[i], 3) : "row " + std::to_string(i)));
  return names;
}

}  // namespace

void measure_emulator_errors(RunContext& ctx, std::map<std::string, EmulatorRecord>& records, Index points) {
  const AnalysisConfig& config = ctx.config();
  const std::vector<std::string>& names = config.box.names();
  for (auto& [system, record] : records) {
    // The same points for all of the system's datasets, so that "some data point above the target" is per point:
    // draws from the joint run and from every forward stage that holds one of the datasets.
    std::vector<const DatasetConfig*> used;
    for (const auto& dataset : record.datasets) {
      const DatasetConfig& c = config.dataset(dataset);
      if (c.model) used.push_back(&c);
    }
    if (used.empty()) continue;
    std::vector<const Samples*> runs;
    if (ctx.joint) runs.push_back(&ctx.joint->particles);
    for (std::size_t k = 0; k < ctx.forward.configs.size() && k < ctx.forward.runs.size(); ++k) {
      const auto& ds = ctx.forward.configs[k].datasets;
      for (const DatasetConfig* c : used)
        if (std::find(ds.begin(), ds.end(), c->name) != ds.end()) {
          runs.push_back(&ctx.forward.runs[k].particles);
          break;
        }
    }
    MatrixXd x;
    try {
      x = draw_posterior_points(runs, points * static_cast<Index>(runs.size()), names,
                                stream_id({ctx.seed(StreamPurpose::error_ratio_points), fnv1a(system)}));
    } catch (const Error&) {
      continue;  // no posterior on the whole box (stages that free or fix parameters): not measured
    }
    std::vector<MatrixXd> blocks;
    std::vector<std::string> labels;
    std::vector<double> data_sd;
    Index m = 0;
    for (const DatasetConfig* c : used) {
      const auto like = build_dataset_likelihood(*c, config.box);
      try {
        blocks.push_back(emulator_to_data_error_ratios(*like, x));
      } catch (const Error&) {
        continue;  // the likelihood runs the model itself: nothing to measure
      }
      m += blocks.back().cols();
      for (const auto& n : data_point_names(*c, blocks.back().cols())) labels.push_back(n);
      const VectorXd sd = like->experimental_covariance().diagonal().array().sqrt();
      data_sd.insert(data_sd.end(), sd.data(), sd.data() + sd.size());
    }
    if (blocks.empty()) continue;
    MatrixXd all(x.rows(), m);
    Index at = 0;
    for (const auto& b : blocks) {
      all.middleCols(at, b.cols()) = b;
      at += b.cols();
    }
    const ErrorRatioSummary s = summarize_error_ratios(all);
    record.error_ratio_count = static_cast<long>(s.count);
    record.error_ratio_median = s.median;
    record.error_ratio_p95 = s.p95;
    record.error_ratio_max = s.max;
    record.error_ratio_points = static_cast<long>(s.points);
    record.error_ratio_fraction_above = s.fraction_points_above;
    // Per data point, in the run folder; the row names the data point with the largest 95th percentile.
    const std::vector<DataPointRatios> per = per_data_point_ratios(all);
    std::string csv = "data_point,data_sd,median,p90,p95,p99,max,fraction_above_third\n";
    std::size_t worst = 0;
    for (std::size_t i = 0; i < per.size(); ++i) {
      const DataPointRatios& d = per[i];
      csv += quote_csv_field(labels[i]) + "," + std::to_string(data_sd[i]) + "," + std::to_string(d.median) + "," +
             std::to_string(d.p90) + "," + std::to_string(d.p95) + "," + std::to_string(d.p99) + "," +
             std::to_string(d.max) + "," + std::to_string(d.fraction_above) + "\n";
      if (d.p95 > per[worst].p95) worst = i;
    }
    record.error_ratio_worst = labels[worst];
    record.error_ratio_worst_median = per[worst].median;
    record.error_ratio_worst_p95 = per[worst].p95;
    record.error_ratio_file = "emulator_" + system + "_error_ratio.csv";
    write_file_atomically(workflow_detail::path_in(ctx.folder(), record.error_ratio_file), csv);
  }
}

}  // namespace flowprior
