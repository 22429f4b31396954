// Flow-prior error of the last flow stage: its particles reweighted by L_earlier x uniform / q (the exact target over
// what was sampled), written as STAGE_corrected.csv, and the Kish ESS fraction of those weights. Rule: a fraction
// below 0.5 says the flow prior distorted the result. The corrected sample is also compared with the joint run: if it
// agrees where the raw stage does not, the difference came from the flow (or defensive-mixture) prior, and the
// corrected posterior is the one to use. Config: [checks] flow_prior = true | false.
#include <algorithm>

#include "flowprior/io/csv.hpp"
#include "flowprior/workflow/json_fields.hpp"
#include "flowprior/workflow/report_html.hpp"
#include "workflow/checks/builtin.hpp"
#include "workflow/file_helpers.hpp"

namespace flowprior {
namespace {

using nlohmann::json;

struct FlowPriorResult final : CheckResult {
  std::string skipped;
  std::string stage;
  std::vector<std::string> earlier_datasets;
  double ess = 0, ess_fraction = 0, ess_ratio = 0;
  std::optional<Comparison> comparison_with_joint;
  json to_json() const override {
    if (!skipped.empty()) return {{"ess_fraction", nullptr}, {"skipped", skipped}};
    json j = {{"stage", stage},
              {"earlier_datasets", earlier_datasets},
              {"ess", ess},
              {"ess_fraction", ess_fraction},
              {"ess_ratio", ess_ratio},
              {"corrected_samples", stage + "_corrected.csv"},
              {"rule", "importance weights L_earlier pi / q on the stage's particles; a small ess_fraction "
                       "(< 0.5) says the flow prior distorted the result"}};
    if (comparison_with_joint) j["comparison_with_joint"] = comparison_to_json(*comparison_with_joint);
    return j;
  }
};

class FlowPriorCheck final : public Check {
 public:
  std::string key() const override { return "flow_prior_check"; }
  std::shared_ptr<const CheckResult> run(RunContext& ctx) const override {
    auto r = std::make_shared<FlowPriorResult>();
    const std::optional<std::size_t> k = ctx.last_flow_stage();
    if (!k) r->skipped = "no stage with a flow prior";
    else if (!ctx.config().checks.flow_prior_check) r->skipped = "[checks] flow_prior = false";
    else r->skipped = ctx.not_reweightable(*k);
    if (!r->skipped.empty()) return r;
    const RunOutput& run = ctx.forward.runs[*k];
    r->stage = run.name;
    r->earlier_datasets = ctx.datasets_before(*k);
    const VectorXd w = ctx.exact_weights(run, r->earlier_datasets);
    const double ess_stage = run.particles.effective_size();
    r->ess = kish_size(w);
    r->ess_ratio = r->ess / ess_stage;
    r->ess_fraction = std::min(1.0, r->ess_ratio);  // the ratio can exceed 1 by noise
    const Samples corrected{run.particles.names, run.particles.values, w, {}};
    write_samples_csv(workflow_detail::path_in(ctx.folder(), run.name + "_corrected.csv"), corrected);
    if (ctx.joint && *k + 1 == ctx.forward.runs.size())
      r->comparison_with_joint = ctx.compare_to_joint(corrected, std::min(r->ess, ess_stage));
    return r;
  }
  std::shared_ptr<const CheckResult> from_json(const json& j) const override {
    using namespace json_fields;
    auto r = std::make_shared<FlowPriorResult>();
    r->skipped = text(j, "skipped");
    r->stage = text(j, "stage");
    r->earlier_datasets = texts(j, "earlier_datasets");
    r->ess = number(j, "ess");
    r->ess_fraction = number(j, "ess_fraction");
    r->ess_ratio = number(j, "ess_ratio");
    if (const auto it = j.find("comparison_with_joint"); it != j.end() && it->is_object())
      r->comparison_with_joint = comparison_from_json(*it);
    return r;
  }
  std::optional<TrustCheck> assess(const AnalysisResult& result) const override {
    TrustCheck c{"Flow-prior error (importance reweighting)", CheckStatus::unknown,
                 "no flow_prior_check.ess_fraction in summary.json"};
    const auto* r = result.check<FlowPriorResult>(key());
    if (!r) return c;
    if (std::isfinite(r->ess_fraction) && r->skipped.empty()) {
      c.status = r->ess_fraction >= 0.5 ? CheckStatus::pass : CheckStatus::fail;
      c.detail = "stage " + r->stage + ": effective sample size fraction " + report::number(r->ess_fraction, 3) +
                 " after reweighting its particles by L_earlier x prior / flow (rule: below 0.5 the flow prior "
                 "distorted the result)";
      return c;
    }
    if (!r->skipped.empty()) return skipped_row(c.name, r->skipped);
    return c;
  }
};

}  // namespace

std::shared_ptr<Check> make_flow_prior_check() { return std::make_shared<FlowPriorCheck>(); }

}  // namespace flowprior
