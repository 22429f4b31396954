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
#include "flowprior/workflow/likelihood_builder.hpp"
#include "flowprior/workflow/run_context.hpp"

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

void measure_emulator_errors(RunContext& ctx, std::map<std::string, EmulatorRecord>& records, Index points) {
  const AnalysisConfig& config = ctx.config();
  const std::vector<std::string>& names = config.box.names();
  for (auto& [system, record] : records) {
    std::vector<MatrixXd> blocks;
    for (const auto& dataset : record.datasets) {
      const DatasetConfig& c = config.dataset(dataset);
      if (!c.model || !c.model->emulated()) continue;
      std::vector<const Samples*> runs;
      if (ctx.joint) runs.push_back(&ctx.joint->particles);
      for (std::size_t k = 0; k < ctx.forward.configs.size() && k < ctx.forward.runs.size(); ++k) {
        const auto& ds = ctx.forward.configs[k].datasets;
        if (std::find(ds.begin(), ds.end(), dataset) != ds.end()) runs.push_back(&ctx.forward.runs[k].particles);
      }
      MatrixXd x;
      try {
        x = draw_posterior_points(runs, points * static_cast<Index>(runs.size()), names,
                                  stream_id({ctx.seed(StreamPurpose::error_ratio_points), fnv1a(dataset)}));
      } catch (const Error&) {
        continue;  // no posterior on the whole box (stages that free or fix parameters): not measured
      }
      const auto like = build_dataset_likelihood(c, config.box);
      blocks.push_back(emulator_to_data_error_ratios(*like, x));
    }
    if (blocks.empty()) continue;
    Index size = 0;
    for (const auto& b : blocks) size += b.size();
    MatrixXd all(size, 1);
    Index at = 0;
    for (const auto& b : blocks) {
      all.middleRows(at, b.size()) = b.reshaped();
      at += b.size();
    }
    const ErrorRatioSummary s = summarize_error_ratios(all);
    record.error_ratio_count = static_cast<long>(s.count);
    record.error_ratio_median = s.median;
    record.error_ratio_max = s.max;
  }
}

}  // namespace flowprior
