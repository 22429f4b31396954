// Tension between the first stage's datasets (A) and all the others (B): an extra uniform-prior run "b_alone" on B,
// with the first stage (A) and the joint run (A and B) -> log R and the suspiciousness p (workflow/tension.hpp).
// Rule: p < 0.01 fails (the datasets disagree, and no combination of them, sequential or joint, describes both).
// Config: [checks] tension = true | false.
#include <algorithm>
#include <cmath>

#include "flowprior/workflow/json_fields.hpp"
#include "flowprior/workflow/report_html.hpp"
#include "flowprior/workflow/tension.hpp"
#include "flowprior/workflow/stage_parameters.hpp"
#include "workflow/checks/builtin.hpp"

namespace flowprior {
namespace {

using nlohmann::json;

struct TensionResult final : CheckResult {
  std::optional<Tension> tension;
  std::vector<std::string> datasets_a, datasets_b;
  std::string skipped;
  json to_json() const override {
    if (!tension) return {{"log_r", nullptr}, {"suspiciousness_p", nullptr}, {"skipped", skipped}};
    json j = tension_to_json(*tension);
    j["datasets_a"] = datasets_a;
    j["datasets_b"] = datasets_b;
    return j;
  }
};

class TensionCheck final : public Check {
 public:
  std::string key() const override { return "tension"; }
  std::shared_ptr<const CheckResult> run(RunContext& ctx) const override {
    auto r = std::make_shared<TensionResult>();
    const AnalysisConfig& config = ctx.config();
    const std::vector<std::string>& a = config.stages[0].datasets;
    for (const auto& n : ctx.all_datasets())
      if (std::find(a.begin(), a.end(), n) == a.end()) r->datasets_b.push_back(n);
    const RunOutput& first = ctx.forward.runs[0];
    if (!config.checks.tension) r->skipped = "[checks] tension = false";
    else if (!config.stages[0].posterior_file.empty()) r->skipped = ctx.imported_before(1);
    else if (r->datasets_b.empty()) r->skipped = "every dataset is in the first stage";
    else if (!ctx.joint) r->skipped = "no joint run";
    else if (config.stages[0].prior != PriorKind::uniform || !std::isfinite(first.log_z))
      r->skipped = "the first stage has no evidence under the uniform prior (use sampler = \"smc\")";
    else if (!std::isfinite(ctx.joint->log_z)) r->skipped = "the joint run has no evidence (use sampler = \"smc\")";
    if (!r->skipped.empty()) return r;
    // On the parameters the later stages free, with their own priors: each evidence integrates a normalised prior,
    // so parameters a run does not have would only contribute factors of 1.
    const RunOutput b = ctx.run("b_alone", ctx.own_prior(parameters_of_datasets(config, r->datasets_b)), r->datasets_b,
                                config.joint_sampler,
                                ctx.seed(StreamPurpose::b_alone));
    auto evidence = [](const RunOutput& run) {
      return EvidenceRun{run.log_z, run.log_z_err, run.log_likelihood, run.particles.weights};
    };
    r->tension = dataset_tension(evidence(first), evidence(b), evidence(*ctx.joint));
    r->datasets_a = a;
    return r;
  }
  std::shared_ptr<const CheckResult> from_json(const json& j) const override {
    auto r = std::make_shared<TensionResult>();
    r->skipped = json_fields::text(j, "skipped");
    if (r->skipped.empty() && j.contains("suspiciousness_p") && j["suspiciousness_p"].is_number()) {
      r->tension = tension_from_json(j);
      r->datasets_a = json_fields::texts(j, "datasets_a");
      r->datasets_b = json_fields::texts(j, "datasets_b");
    }
    return r;
  }
  std::optional<TrustCheck> assess(const AnalysisResult& result) const override {
    TrustCheck c{"Tension between the datasets", CheckStatus::unknown, "no tension.suspiciousness_p in summary.json"};
    const auto* r = result.check<TensionResult>(key());
    if (!r) return c;
    if (!r->tension) {
      if (!r->skipped.empty()) return skipped_row(c.name, r->skipped);
      return c;
    }
    const Tension& t = *r->tension;
    if (!std::isfinite(t.suspiciousness_p)) return c;
    c.status = t.suspiciousness_p >= 0.01 ? CheckStatus::pass : CheckStatus::fail;
    c.detail = "datasets " + joined(r->datasets_a) + " vs " + joined(r->datasets_b) +
               ": suspiciousness p = " + report::number(t.suspiciousness_p, 3) + ", log R = " +
               report::number(t.log_r, 3) +
               " (rule: p < 0.01 means the datasets disagree, and no combination of them, sequential or joint, "
               "describes both)";
    return c;
  }
};

}  // namespace

std::shared_ptr<Check> make_tension_check() { return std::make_shared<TensionCheck>(); }

}  // namespace flowprior
