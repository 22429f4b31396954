// The trust assessment at the top of the run report (rule in workflow/report.hpp): the rows of the checks.
#include <cmath>
#include <string>

#include "flowprior/workflow/analysis_result.hpp"
#include "flowprior/workflow/check.hpp"
#include "flowprior/workflow/report.hpp"
#include "workflow/checks/builtin.hpp"

namespace flowprior {
std::string to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::pass: return "pass";
    case CheckStatus::warn: return "warning";
    case CheckStatus::fail: return "FAIL";
    case CheckStatus::skipped: return "skipped";
    case CheckStatus::unknown: return "no data";
  }
  return "?";
}

TrustAssessment assess_run(const nlohmann::json* summary, const nlohmann::json* predictive) {
  TrustAssessment a;
  if (!summary) {
    a.answer = "cannot tell";
    a.headline = "summary.json, the file with the run's verdict and checks, is missing or corrupt: the run did not "
                 "finish or the folder was damaged.";
    a.checks.push_back({"Run summary", CheckStatus::unknown, "summary.json missing or corrupt"});
    return a;
  }
  // Every check's rule sits in its own file (src/workflow/checks/); the report shows their rows in order. The
  // posterior predictive row reads predictive.json, the file the report's predictive section shows.
  const CheckRegistry registry = builtin_checks();
  AnalysisResult result = AnalysisResult::from_json(*summary, registry);
  if (predictive) result.checks["predictive"] = predictive_result_from_file(*predictive);
  else result.checks.erase("predictive");
  for (const auto& check : registry.make_all())
    if (const std::optional<TrustCheck> row = check->assess(result)) a.checks.push_back(*row);
  std::string failed, unknown, warned;
  auto add = [](std::string& list, const std::string& name) { list += (list.empty() ? "" : "; ") + name; };
  for (const auto& c : a.checks) {
    if (c.status == CheckStatus::fail) add(failed, c.name);
    else if (c.status == CheckStatus::unknown) add(unknown, c.name);
    else if (c.status == CheckStatus::warn) add(warned, c.name);
  }
  if (!failed.empty()) {
    a.answer = "no";
    a.headline = "The sequential result should not be trusted: " + failed + ".";
  } else if (!unknown.empty()) {
    a.answer = "cannot tell";
    a.headline = "Some checks have no data (" + unknown + "); the others pass.";
  } else if (!warned.empty()) {
    a.answer = "yes, with caveats";
    a.headline = "The sequential result agrees with the joint analysis and passes the checks, with warnings: " +
                 warned + ".";
  } else {
    a.answer = "yes";
    a.headline = "The sequential result agrees with the joint analysis of all datasets, and every check passes.";
  }
  return a;
}

}  // namespace flowprior
