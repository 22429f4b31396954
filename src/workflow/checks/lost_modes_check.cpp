// Lost modes of the last flow stage: the stage again under the defensive mixture (1 - epsilon) q + epsilon uniform
// (run "mixture_check", half the particles), reweighted to the exact target L_earlier L_stage pi, and the joint run
// as a second witness. Rule: a lost mode is detected when either puts more than LostModeRule::max_mass of its mass
// where the flow density is below its own LostModeRule::quantile quantile (far below its typical value).
// Config: [checks] lost_modes = true | false, lost_modes_epsilon.
#include <algorithm>
#include <limits>

#include "flowprior/density/defensive_mixture.hpp"
#include "flowprior/workflow/json_fields.hpp"
#include "flowprior/workflow/report_html.hpp"
#include "workflow/checks/builtin.hpp"

namespace flowprior {
namespace {

using nlohmann::json;

struct LostModesResult final : CheckResult {
  std::string skipped;
  bool detected = false;
  std::string stage, rule;
  double mass = 0, joint_mass = 0, mixture_mass = 0, threshold = 0, reweighting_ess = 0;
  json to_json() const override {
    if (!skipped.empty()) return {{"detected", nullptr}, {"skipped", skipped}};
    return {{"detected", detected},
            {"stage", stage},
            {"mass_where_flow_excludes", mass},
            {"joint_mass_where_flow_excludes", json_fields::nullable(joint_mass)},
            {"mixture_mass_where_flow_excludes", mixture_mass},
            {"log_q_threshold", threshold},
            {"reweighting_ess", reweighting_ess},
            {"rule", rule}};
  }
};

class LostModesCheck final : public Check {
 public:
  std::string key() const override { return "lost_modes"; }
  std::shared_ptr<const CheckResult> run(RunContext& ctx) const override {
    auto r = std::make_shared<LostModesResult>();
    const AnalysisConfig& config = ctx.config();
    const std::optional<std::size_t> k = ctx.last_flow_stage();
    if (!k) r->skipped = "no stage with a flow prior";
    else if (!config.checks.lost_modes) r->skipped = "[checks] lost_modes = false";
    else r->skipped = ctx.not_reweightable(*k);
    if (!r->skipped.empty()) return r;
    const StageConfig& sc = config.stages[*k];
    const std::shared_ptr<const FlowPrior>& flow = ctx.forward.flows[*k];
    const LostModeRule rule;
    const double epsilon = config.checks.lost_modes_epsilon;
    const RunPrior prior = stage_prior(config, sc.parameters, PriorKind::mixture, epsilon, flow);
    SamplerConfig sampler = sc.sampler;
    if (sampler.kind == SamplerKind::smc) sampler.n_total = std::max<Index>(sampler.n_total / 2, 64);
    const RunOutput m = ctx.run("mixture_check", prior, sc.datasets, sampler, ctx.seed(StreamPurpose::mixture_check),
                                {{"flow_file", "flow_" + sc.name + ".json"}});
    // Typical flow density: log q of the flow's own draws; "far below" = under their rule.quantile quantile.
    Rng rng(ctx.seed(StreamPurpose::lost_mode_draws));
    const Index draws = 4000;
    const VectorXd self = flow->log_prob(flow->sample(draws, rng));
    std::vector<double> sorted(self.data(), self.data() + self.size());
    std::sort(sorted.begin(), sorted.end());
    const double threshold = sorted[static_cast<std::size_t>(rule.quantile * static_cast<double>(draws))];
    VectorXd log_q;
    // The flow covers the parameters the stage shares with the one before (workflow/stage_parameters.hpp).
    ctx.evaluator().evaluate(*flow, m.particles.with_columns(flow->names(), "mixture_check").values, log_q);
    const VectorXd w = ctx.exact_weights(m, ctx.datasets_before(*k));
    double mass = 0, raw_mass = 0;
    const VectorXd raw = m.particles.normalized_weights();
    for (Index i = 0; i < w.size(); ++i)
      if (log_q[i] < threshold) {
        mass += w[i];
        raw_mass += raw[i];
      }
    // The joint run (uniform prior, all data) is the other witness: a sampler that kept every mode puts mass
    // where the flow is negligible exactly when the flow lost something. In many dimensions the defensive
    // mixture alone gives a lost mode too little prior mass for its run to visit it.
    double joint_mass = std::numeric_limits<double>::quiet_NaN();
    if (ctx.joint) {
      VectorXd log_q_joint;
      ctx.evaluator().evaluate(*flow, ctx.joint->particles.with_columns(flow->names(), "joint").values, log_q_joint);
      const VectorXd wj = ctx.joint->particles.normalized_weights();
      joint_mass = 0;
      for (Index i = 0; i < wj.size(); ++i)
        if (log_q_joint[i] < threshold) joint_mass += wj[i];
    }
    r->detected = mass > rule.max_mass || (std::isfinite(joint_mass) && joint_mass > rule.max_mass);
    r->stage = sc.name;
    r->mass = mass;
    r->joint_mass = joint_mass;
    r->mixture_mass = raw_mass;
    r->threshold = threshold;
    r->reweighting_ess = kish_size(w);
    r->rule = "run the stage under the defensive mixture (epsilon " + std::to_string(epsilon) +
              ") and reweight it to L_earlier L_stage pi, and take the joint run; detected if either puts more than " +
              std::to_string(rule.max_mass) + " of its mass where log q is below the " +
              std::to_string(rule.quantile) + " quantile of log q under q";
    return r;
  }
  std::shared_ptr<const CheckResult> from_json(const json& j) const override {
    using namespace json_fields;
    auto r = std::make_shared<LostModesResult>();
    r->skipped = text(j, "skipped");
    r->detected = flag(j, "detected");
    r->stage = text(j, "stage");
    r->mass = number(j, "mass_where_flow_excludes");
    r->joint_mass = number(j, "joint_mass_where_flow_excludes");
    r->mixture_mass = number(j, "mixture_mass_where_flow_excludes");
    r->threshold = number(j, "log_q_threshold");
    r->reweighting_ess = number(j, "reweighting_ess");
    r->rule = text(j, "rule");
    if (r->skipped.empty() && !(j.contains("detected") && j["detected"].is_boolean())) return nullptr;
    return r;
  }
  std::optional<TrustCheck> assess(const AnalysisResult& result) const override {
    TrustCheck c{"Lost modes (defensive-mixture re-run)", CheckStatus::unknown,
                 "no lost_modes.detected in summary.json"};
    const auto* r = result.check<LostModesResult>(key());
    if (!r) return c;
    if (!r->skipped.empty()) return skipped_row(c.name, r->skipped);
    c.status = r->detected ? CheckStatus::fail : CheckStatus::pass;
    c.detail = "mass " + report::number(r->mass, 3) +
               " of the reweighted mixture posterior lies where the flow prior is negligible (rule: " + r->rule + ")";
    return c;
  }
};

}  // namespace

std::shared_ptr<Check> make_lost_modes_check() { return std::make_shared<LostModesCheck>(); }

}  // namespace flowprior
