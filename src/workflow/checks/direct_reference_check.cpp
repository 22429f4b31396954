// Direct-model reference: where the runs use an emulator of a model that can be run itself (DatasetModel::emulated()
// and has_direct(), e.g. `[model] name = "hotspot"` with its emulators), the first stage and the joint run again with
// the model itself (runs "direct_STAGE" and "direct_joint", same sampler settings and the same seeds as the emulated
// runs, so the difference comes from the likelihood alone), and the emulated posteriors compared with them by the
// verdict's own rules (compare_samples: D_KL, C2ST, per-parameter mean and width shifts). Rule: consistent passes,
// anything else warns (the emulator error moves or widens the answer). The row also gives the largest mean shift in
// units of the direct posterior's sd, the range of the width ratios sd_emulated / sd_direct and the direct runs' cost.
// The direct runs are evaluated on this process's threads (under mpirun the worker ranks rebuild only the configured,
// emulated likelihoods). Config: [checks] direct_reference = true | false (default false: it costs as many model
// evaluations as two runs).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>

#include "flowprior/core/digest.hpp"
#include "flowprior/workflow/json_fields.hpp"
#include "flowprior/workflow/likelihood_builder.hpp"
#include "flowprior/workflow/report_html.hpp"
#include "flowprior/workflow/stage_parameters.hpp"
#include "workflow/checks/builtin.hpp"

namespace flowprior {
namespace {

using nlohmann::json;

// One emulated run against its direct-model twin.
struct DirectPair {
  ComparisonRecord comparison;
  double max_mean_shift_sd = 0;   // max over parameters |mean_emulated - mean_direct| / sd_direct
  double min_width_ratio = 0, max_width_ratio = 0;  // sd_emulated / sd_direct over the parameters
  double likelihood_calls = 0, wall_seconds = 0;    // of the direct run (0 when loaded from an earlier run)
  json to_json() const {
    return {{"comparison", comparison.to_json()},
            {"max_mean_shift_sd", max_mean_shift_sd},
            {"min_width_ratio", min_width_ratio},
            {"max_width_ratio", max_width_ratio},
            {"direct_likelihood_calls", likelihood_calls},
            {"direct_wall_seconds", wall_seconds}};
  }
  static DirectPair from_json(const json& j) {
    DirectPair p;
    if (const auto it = j.find("comparison"); it != j.end() && it->is_object())
      p.comparison = ComparisonRecord::from_json(*it);
    p.max_mean_shift_sd = json_fields::number(j, "max_mean_shift_sd");
    p.min_width_ratio = json_fields::number(j, "min_width_ratio");
    p.max_width_ratio = json_fields::number(j, "max_width_ratio");
    p.likelihood_calls = json_fields::number(j, "direct_likelihood_calls");
    p.wall_seconds = json_fields::number(j, "direct_wall_seconds");
    return p;
  }
};

struct DirectReferenceResult final : CheckResult {
  std::string skipped;
  std::vector<std::string> emulated_datasets;
  std::vector<DirectPair> pairs;  // first stage (when it has a uniform prior), then the joint run (when enabled)
  json to_json() const override {
    if (!skipped.empty()) return {{"skipped", skipped}};
    json p = json::array();
    for (const auto& pair : pairs) p.push_back(pair.to_json());
    return {{"emulated_datasets", emulated_datasets}, {"pairs", p}};
  }
};

// What determines a direct run (RunRequest::settings): the datasets (data digest and model identity), the
// sampler, the seed and the box; marked as the direct model so it never reuses an emulated run.
json direct_settings(const AnalysisConfig& config, const std::vector<std::string>& datasets,
                     const SamplerConfig& s, std::uint64_t seed, const Box& run_box) {
  json d = json::array();
  for (const auto& name : datasets) {
    const DatasetConfig& c = config.dataset(name);
    json entry = {{"name", c.name}, {"data_fnv1a", file_digest(c.data_file)}, {"model", c.model->identity()}};
    if (!c.pseudo_point.empty()) entry["pseudo_data"] = c.pseudo_point;
    if (const StageConfig* stage = config.stage_of(name); stage && !stage->fixed.empty()) entry["fixed"] = stage->fixed;
    d.push_back(entry);
  }
  json box = json::array();
  for (int j = 0; j < run_box.dim(); ++j)
    box.push_back({run_box.names()[static_cast<std::size_t>(j)], run_box.lower()[j], run_box.upper()[j]});
  json priors = json::array();
  for (const auto& p : priors_of(config, run_box.names())) priors.push_back(p.to_json());
  return {{"likelihood", "direct model (direct_reference check)"},
          {"parameter_priors", priors},
          {"datasets", d},
          {"sampler", {{"kind", to_string(s.kind)}, {"n_active", s.n_active}, {"n_effective", s.n_effective},
                       {"n_total", s.n_total}, {"precondition", s.precondition}, {"walkers", s.walkers},
                       {"steps", s.steps}, {"burn_in", s.burn_in}, {"thin", s.thin}}},
          {"seed", seed},
          {"box", box}};
}

DirectPair compare_with_direct(RunContext& ctx, const RunOutput& emulated, const std::string& name,
                               const std::vector<std::string>& datasets, const SamplerConfig& sampler,
                               std::uint64_t seed) {
  const AnalysisConfig& config = ctx.config();
  // On the emulated run's parameters, with their own priors and each dataset's fixed values
  // (workflow/stage_parameters.hpp).
  const std::vector<std::string>& names = emulated.particles.names;
  const Box box = sub_box(config.box, names);
  RunRequest q{name, ctx.folder(), ctx.own_prior(names), build_likelihood(config, datasets, names, /*direct=*/true),
               sampler, seed, ctx.threads(), direct_settings(config, datasets, sampler, seed, box), {}};
  const auto t0 = std::chrono::steady_clock::now();
  const RunOutput direct = run_or_load(q, box);
  DirectPair p;
  p.wall_seconds = direct.loaded ? 0.0 : std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  p.likelihood_calls = direct.diagnostics.is_object() && direct.diagnostics.contains("likelihood_calls") &&
                               direct.diagnostics["likelihood_calls"].is_number()
                           ? direct.diagnostics["likelihood_calls"].get<double>()
                           : std::numeric_limits<double>::quiet_NaN();
  p.comparison.comparison = compare_samples(emulated.particles, direct.particles, box,
                                            ctx.comparison_options(emulated.effective_size, direct.effective_size));
  p.comparison.model = emulated.name;
  p.comparison.reference = name;
  p.min_width_ratio = std::numeric_limits<double>::infinity();
  for (const ParameterShift& s : p.comparison.comparison->shifts) {
    p.max_mean_shift_sd = std::max(p.max_mean_shift_sd, std::abs(s.mean_model - s.mean_reference) / s.sd_reference);
    const double ratio = s.sd_model / s.sd_reference;
    p.min_width_ratio = std::min(p.min_width_ratio, ratio);
    p.max_width_ratio = std::max(p.max_width_ratio, ratio);
  }
  return p;
}

class DirectReferenceCheck final : public Check {
 public:
  std::string key() const override { return "direct_reference"; }
  void read_config(ConfigTable& checks) override { checks.get_bool("direct_reference", enabled_); }
  std::shared_ptr<const CheckResult> run(RunContext& ctx) const override {
    auto r = std::make_shared<DirectReferenceResult>();
    const AnalysisConfig& config = ctx.config();
    if (!enabled_) {
      r->skipped = "not asked for ([checks] direct_reference = false)";
      return r;
    }
    bool all_direct = true;
    for (const auto& name : ctx.all_datasets()) {
      const DatasetConfig& c = config.dataset(name);
      if (c.model && c.model->emulated() && c.model->has_direct()) r->emulated_datasets.push_back(name);
      if (!c.model || !c.model->has_direct()) all_direct = false;
    }
    if (r->emulated_datasets.empty()) r->skipped = "no dataset uses an emulator of a model that can be run directly";
    else if (!all_direct) r->skipped = "some dataset's model cannot be run directly (an emulator or table file alone)";
    if (!r->skipped.empty()) return r;
    const StageConfig& first = config.stages.front();
    if (first.prior == PriorKind::uniform && first.posterior_file.empty() && !ctx.forward.runs.empty())
      r->pairs.push_back(compare_with_direct(ctx, ctx.forward.runs.front(), "direct_" + first.name, first.datasets,
                                             first.sampler, ctx.seed(StreamPurpose::stage, 0)));
    if (ctx.joint)
      r->pairs.push_back(compare_with_direct(ctx, *ctx.joint, "direct_joint", ctx.all_datasets(),
                                             config.joint_sampler, ctx.seed(StreamPurpose::joint)));
    if (r->pairs.empty()) r->skipped = "neither a first stage with a uniform prior nor a joint run to compare";
    return r;
  }
  std::shared_ptr<const CheckResult> from_json(const json& j) const override {
    auto r = std::make_shared<DirectReferenceResult>();
    r->skipped = json_fields::text(j, "skipped");
    r->emulated_datasets = json_fields::texts(j, "emulated_datasets");
    if (const auto it = j.find("pairs"); it != j.end() && it->is_array())
      for (const auto& p : *it) r->pairs.push_back(DirectPair::from_json(p));
    return r;
  }
  std::optional<TrustCheck> assess(const AnalysisResult& result) const override {
    const std::string name = "Emulated vs direct-model posteriors";
    const auto* r = result.check<DirectReferenceResult>(key());
    if (!r) return skipped_row(name, "not run ([checks] direct_reference = false)");
    if (!r->skipped.empty()) return skipped_row(name, r->skipped);
    TrustCheck c{name, CheckStatus::pass, ""};
    for (const auto& p : r->pairs) {
      if (!p.comparison.comparison) continue;
      const Comparison& cmp = *p.comparison.comparison;
      if (cmp.verdict != "consistent") c.status = CheckStatus::warn;
      c.detail += (c.detail.empty() ? "" : "; ") + p.comparison.model + " vs " + p.comparison.reference + ": " +
                  cmp.verdict + " (" + joined(cmp.reasons) + "), largest mean shift " +
                  report::number(p.max_mean_shift_sd, 2) + " sd, width ratio emulated / direct " +
                  report::number(p.min_width_ratio, 3) + "-" + report::number(p.max_width_ratio, 3) +
                  ", direct run " + report::number(p.likelihood_calls, 6) + " model evaluations in " +
                  report::number(p.wall_seconds, 3) + " s";
    }
    c.detail += " (emulated datasets: " + joined(r->emulated_datasets) + ")";
    return c;
  }

 private:
  bool enabled_ = false;
};

}  // namespace

std::shared_ptr<Check> make_direct_reference_check() { return std::make_shared<DirectReferenceCheck>(); }

}  // namespace flowprior
