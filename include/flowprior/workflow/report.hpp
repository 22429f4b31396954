#pragma once
// `flowprior report RUN_DIR`: one self-contained HTML page (RUN_DIR/report.html, images embedded as data URIs, no
// script, nothing fetched) that answers first whether the sequential result can be trusted and why, then shows
// the posterior predictive plots, corner plots, comparison, evidences, tension, flow-prior checks, per-stage
// diagnostics and the configuration. Every missing or corrupt file of the run folder becomes a visible
// "missing: FILE (reason)" note; the page is written whatever the folder holds.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flowprior/core/messages.hpp"

namespace flowprior {

enum class CheckStatus { pass, warn, fail, skipped, unknown };

struct TrustCheck {
  std::string name;
  CheckStatus status = CheckStatus::unknown;
  std::string detail;  // the numbers and the rule behind the status
};

// The answer at the top of the report. The rule (stated in the page):
//   "no"          if any check fails (sequential vs joint inconsistent, flow-prior ESS fraction < 0.5, lost mode
//                 detected, datasets in tension (suspiciousness p < 0.01), a run not converged, an emulator that
//                 failed validation, posterior predictive p < 0.01 for a dataset under the sequential result);
//   "cannot tell" else, if a check has no data (summary.json or predictive.json missing or incomplete);
//   "yes, with caveats" else, if a check warns (predictive p < 0.05, reverse order inconsistent, run warnings);
//   "yes"         otherwise. Checks switched off in the configuration are listed as skipped.
struct TrustAssessment {
  std::string answer;    // "yes", "yes, with caveats", "cannot tell", "no"
  std::string headline;  // one sentence for a reader who has not seen the code
  std::vector<TrustCheck> checks;
};

// summary / predictive: the parsed summary.json and predictive.json, or nullptr when missing or corrupt.
TrustAssessment assess_run(const nlohmann::json* summary, const nlohmann::json* predictive);

struct ReportResult {
  std::string path;                   // the report written
  std::string answer;                 // TrustAssessment::answer
  std::vector<std::string> missing;   // every "FILE (reason)" shown as missing in the page
};

// Error only when `folder` is not a folder or the page cannot be written.
ReportResult write_report(const std::string& folder, const std::string& out_file = "");

// End of `flowprior run`: copies the configuration file into the folder (config.toml, for the report) and writes
// the report. Never throws: a failure is a warning, the run's results are unaffected.
void write_run_report(const std::string& folder, const std::string& config_source, const Messages& messages = {});

std::string to_string(CheckStatus status);

}  // namespace flowprior
