// The stages again with the datasets in reverse order (a uniform stage on the last stage's datasets, then flow
// stages; reversed_stages), compared with the same joint run: does the answer depend on the order in which the data
// arrived? Also the flow-prior error of the reversed hand-over (its particles reweighted to the exact target through
// the run's evaluation, so under mpirun on the worker ranks). Rule: consistent passes, anything else warns.
// Config: [checks] reverse_order = true | false, reverse_order_n_total.
#include <algorithm>

#include "flowprior/workflow/json_fields.hpp"
#include "flowprior/workflow/stage_parameters.hpp"
#include "workflow/checks/builtin.hpp"

namespace flowprior {
namespace {

using nlohmann::json;

class ReverseOrderCheck final : public Check {
 public:
  std::string key() const override { return "reverse_order"; }
  std::shared_ptr<const CheckResult> run(RunContext& ctx) const override {
    if (!ctx.config().checks.reverse_order) return nullptr;
    auto r = std::make_shared<ReverseOrderResult>();
    ctx.reverse = ctx.run_sequence(reversed_stages(ctx.config()), StreamPurpose::reverse_stage,
                                   StreamPurpose::reverse_flow);
    const Sequence& reverse = *ctx.reverse;
    r->stages = reverse.results;
    const RunOutput& last = reverse.runs.back();
    bool reweightable = true;  // every earlier (reverse) stage's parameters are free in the last one
    for (std::size_t k = 0; k + 1 < reverse.configs.size(); ++k)
      reweightable = reweightable && new_parameters(reverse.configs[k].parameters, reverse.configs.back().parameters).empty();
    if (ctx.config().checks.flow_prior_check && reverse.flows.back() && reweightable) {
      std::vector<std::vector<std::string>> earlier_lists;
      for (std::size_t k = 0; k + 1 < reverse.configs.size(); ++k) earlier_lists.push_back(reverse.configs[k].datasets);
      ReverseOrderResult::FlowPrior f;
      f.stage = last.name;
      f.earlier_datasets = union_of(earlier_lists);
      f.ess_fraction = std::min(1.0, kish_size(ctx.exact_weights(last, f.earlier_datasets)) /
                                         last.particles.effective_size());
      r->flow_prior = f;
    }
    if (ctx.joint) {
      r->comparison.comparison = ctx.compare_to_joint(last.particles, last.effective_size);
      r->comparison.model = last.name;
      r->comparison.reference = "joint";
    }
    return r;
  }
  std::shared_ptr<const CheckResult> from_json(const json& j) const override {
    auto r = std::make_shared<ReverseOrderResult>();
    if (const auto it = j.find("stages"); it != j.end() && it->is_object()) {
      std::vector<std::string> order = json_fields::texts(j, "stage_order");
      if (order.empty())
        for (const auto& [name, s] : it->items()) order.push_back(name);
      for (const auto& name : order)
        if (it->contains(name)) r->stages.push_back(stage_result_from_json(name, (*it)[name]));
    }
    if (const auto it = j.find("flow_prior_check"); it != j.end() && it->is_object())
      r->flow_prior = ReverseOrderResult::FlowPrior{json_fields::text(*it, "stage"),
                                                    json_fields::texts(*it, "earlier_datasets"),
                                                    json_fields::number(*it, "ess_fraction")};
    if (const auto it = j.find("comparison"); it != j.end() && it->is_object())
      r->comparison = ComparisonRecord::from_json(*it);
    return r;
  }
  std::optional<TrustCheck> assess(const AnalysisResult& result) const override {
    TrustCheck c{"Same answer when the data arrive in reverse order", CheckStatus::skipped,
                 "not run ([checks] reverse_order = false)"};
    const auto* r = result.check<ReverseOrderResult>(key());
    if (!r || !r->comparison.comparison) return c;
    const Comparison& cmp = *r->comparison.comparison;
    c.status = cmp.verdict == "consistent" ? CheckStatus::pass : CheckStatus::warn;
    c.detail = "reverse-order sequential result vs joint: " + cmp.verdict + " (" + joined(cmp.reasons) + ")";
    return c;
  }
};

}  // namespace

json ReverseOrderResult::to_json() const {
  json j;
  json s = json::object();
  json order = json::array();
  for (const auto& stage : stages) {
    s[stage.name] = flowprior::to_json(stage);
    order.push_back(stage.name);
  }
  j["stages"] = s;
  j["stage_order"] = order;
  if (flow_prior)
    j["flow_prior_check"] = {{"stage", flow_prior->stage},
                             {"earlier_datasets", flow_prior->earlier_datasets},
                             {"ess_fraction", flow_prior->ess_fraction}};
  if (comparison.comparison) j["comparison"] = comparison.to_json();
  return j;
}

std::shared_ptr<Check> make_reverse_order_check() { return std::make_shared<ReverseOrderCheck>(); }

}  // namespace flowprior
