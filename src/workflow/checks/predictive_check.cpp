// Posterior predictive check (workflow/predictive.hpp): for every dataset, chi^2 of the data at the posterior
// median prediction and its predictive p-value under the sequential result (the last stage). Rule: p < 0.01
// fails, p < 0.05 warns. Recomputed on every run, also when the runs were loaded (cheap); its failure is a warning
// on the terminal and {"error": ...}, never the run's.
#include "flowprior/workflow/json_fields.hpp"
#include "flowprior/workflow/predictive.hpp"
#include "flowprior/workflow/report_html.hpp"
#include "workflow/checks/builtin.hpp"

namespace flowprior {
namespace {

using nlohmann::json;

struct RunPredictive {
  double chi2_at_median = 0;
  long observables = 0;
  double p_value = 0;
  std::string error;
};

struct PredictiveResult final : CheckResult {
  std::string error;
  std::map<std::string, std::string> dataset_errors;
  std::map<std::string, std::map<std::string, RunPredictive>> datasets;  // dataset -> run -> result
  json to_json() const override {
    if (!error.empty()) return {{"error", error}};
    json j = {{"file", "predictive.json"}};
    for (const auto& [name, e] : dataset_errors) j["datasets"][name] = {{"error", e}};
    for (const auto& [name, runs] : datasets)
      for (const auto& [run, r] : runs) {
        json c;
        if (r.error.empty()) c = {{"chi2_at_median", r.chi2_at_median}, {"observables", r.observables},
                                  {"p_value", r.p_value}};
        else c = {{"error", r.error}};
        j["datasets"][name][run] = c;
      }
    return j;
  }
};

RunPredictive run_predictive_from_json(const json& s) {
  RunPredictive r;
  r.chi2_at_median = json_fields::number(s, "chi2_at_median");
  r.observables = s.value("observables", 0L);
  r.p_value = json_fields::number(s, "p_value");
  r.error = json_fields::text(s, "error");
  return r;
}

class PredictiveCheck final : public Check {
 public:
  std::string key() const override { return "predictive"; }
  std::shared_ptr<const CheckResult> run(RunContext& ctx) const override {
    return from_json(run_posterior_predictive(ctx.config(), ctx.folder(), ctx.messages()));
  }
  std::shared_ptr<const CheckResult> from_json(const json& j) const override {
    auto r = std::make_shared<PredictiveResult>();
    r->error = json_fields::text(j, "error");
    if (const auto it = j.find("datasets"); it != j.end() && it->is_object())
      for (const auto& [name, runs] : it->items()) {
        if (runs.contains("error") && runs["error"].is_string()) {
          r->dataset_errors[name] = runs["error"].get<std::string>();
          continue;
        }
        for (const auto& [run, s] : runs.items()) r->datasets[name][run] = run_predictive_from_json(s);
      }
    return r;
  }
  std::optional<TrustCheck> assess(const AnalysisResult& result) const override {
    TrustCheck c{"Model reproduces every dataset (posterior predictive)", CheckStatus::unknown,
                 "no posterior predictive results (predictive.json)"};
    const auto* r = result.check<PredictiveResult>(key());
    // The sequential result: the comparison's model, else the last configured stage.
    std::string last = result.comparison.model;
    if (last.empty() && !result.stages.empty()) last = result.stages.back().name;
    if (!r || !r->error.empty() || (r->datasets.empty() && r->dataset_errors.empty()) || last.empty()) return c;
    std::string all;
    CheckStatus status = CheckStatus::pass;
    auto add = [&all](const std::string& line) { all += (all.empty() ? "" : "; ") + line; };
    for (const auto& [name, e] : r->dataset_errors) {
      status = status == CheckStatus::fail ? status : CheckStatus::unknown;
      add(name + ": no result");
    }
    for (const auto& [name, runs] : r->datasets) {
      const auto it = runs.find(last);
      if (it == runs.end() || !std::isfinite(it->second.p_value)) {
        status = status == CheckStatus::fail ? status : CheckStatus::unknown;
        add(name + ": no result");
        continue;
      }
      const RunPredictive& p = it->second;
      add(name + ": p = " + report::number(p.p_value, 3) + ", chi2 = " + report::number(p.chi2_at_median, 3) +
          " for " + std::to_string(p.observables) + " points");
      if (p.p_value < 0.01) status = CheckStatus::fail;
      else if (p.p_value < 0.05 && status == CheckStatus::pass) status = CheckStatus::warn;
    }
    c.status = status;
    c.detail = "at the posterior of the sequential result (" + last + "): " + all +
               " (rule: p < 0.01 fails, p < 0.05 warns)";
    return c;
  }
};

}  // namespace

std::shared_ptr<Check> make_predictive_check() { return std::make_shared<PredictiveCheck>(); }

// predictive.json: {"datasets": {NAME: {"stages": {RUN: {...}}} or {"error": ...}}}.
std::shared_ptr<const CheckResult> predictive_result_from_file(const json& file) {
  json compact = {{"file", "predictive.json"}, {"datasets", json::object()}};
  if (const auto it = file.find("datasets"); it != file.end() && it->is_object())
    for (const auto& [name, rec] : it->items()) {
      if (!rec.is_object() || !rec.contains("stages") || !rec["stages"].is_object()) {
        compact["datasets"][name] = {{"error", rec.is_object() ? json_fields::text(rec, "error") : "no result"}};
        continue;
      }
      compact["datasets"][name] = rec["stages"];
    }
  return PredictiveCheck().from_json(compact);
}

}  // namespace flowprior
