// chi^2 per dataset at each run's best particle (workflow/fit_quality.hpp); the sequential posterior after stage k
// covers the datasets of stages 0..k. A diagnostic for the report's tables, with no pass/fail row of its own: the
// posterior predictive check judges the fit. Its failure is a warning, never the run's.
#include "flowprior/workflow/fit_quality.hpp"
#include "flowprior/workflow/json_fields.hpp"
#include "workflow/checks/builtin.hpp"

namespace flowprior {
namespace {

using nlohmann::json;

struct FitQualityResult final : CheckResult {
  std::map<std::string, FitQuality> runs;
  std::string error;
  json to_json() const override {
    if (!error.empty()) return {{"error", error}};
    json j = json::object();
    for (const auto& [name, f] : runs) j[name] = f.to_json();
    return j;
  }
};

class FitQualityCheck final : public Check {
 public:
  std::string key() const override { return "fit_quality"; }
  std::shared_ptr<const CheckResult> run(RunContext& ctx) const override {
    auto r = std::make_shared<FitQualityResult>();
    try {
      for (std::size_t k = 0; k < ctx.forward.runs.size(); ++k) {
        const RunOutput& run = ctx.forward.runs[k];
        if (!ctx.config().stages[k].posterior_file.empty()) continue;  // not a run of this analysis
        r->runs[run.name] = fit_quality(ctx.config(), ctx.datasets_before(k + 1), run.particles.names,
                                        run.particles.values.row(best_particle(run.log_likelihood, run.log_prior)));
      }
      if (ctx.joint)
        r->runs["joint"] = fit_quality(
            ctx.config(), ctx.all_datasets(), ctx.joint->particles.names,
            ctx.joint->particles.values.row(best_particle(ctx.joint->log_likelihood, ctx.joint->log_prior)));
    } catch (const std::exception& e) {
      r->runs.clear();
      r->error = e.what();
      ctx.result.warnings.push_back(std::string("fit quality not computed: ") + e.what());
    }
    return r;
  }
  std::shared_ptr<const CheckResult> from_json(const json& j) const override {
    auto r = std::make_shared<FitQualityResult>();
    r->error = json_fields::text(j, "error");
    if (r->error.empty() && j.is_object())
      for (const auto& [name, f] : j.items()) r->runs[name] = FitQuality::from_json(f);
    return r;
  }
  std::optional<TrustCheck> assess(const AnalysisResult&) const override { return std::nullopt; }
};

}  // namespace

std::shared_ptr<Check> make_fit_quality_check() { return std::make_shared<FitQualityCheck>(); }

}  // namespace flowprior
