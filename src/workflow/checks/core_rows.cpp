// Report rows that assess the core result rather than a check of their own: the sequential-vs-joint verdict, the
// samplers' convergence, the emulators' validation, and the run's warnings.
#include "flowprior/workflow/report_html.hpp"
#include "workflow/checks/builtin.hpp"

namespace flowprior {
namespace {

// Rule: the comparison's verdict (workflow/comparison.hpp): consistent passes, inconsistent fails.
class ComparisonRow final : public Check {
 public:
  std::string key() const override { return ""; }
  std::optional<TrustCheck> assess(const AnalysisResult& result) const override {
    TrustCheck c{"Sequential result vs joint analysis", CheckStatus::unknown, "no comparison verdict in summary.json"};
    const ComparisonRecord& r = result.comparison;
    if (!r.comparison) {
      if (r.not_run.empty()) return c;
      return TrustCheck{c.name, CheckStatus::skipped, "not run: " + joined(r.not_run)};
    }
    const Comparison& cmp = *r.comparison;
    c.detail = "posterior of the last stage (" + r.model + ") against the joint run on all datasets: " +
               joined(cmp.reasons);
    if (cmp.verdict == "consistent") c.status = CheckStatus::pass;
    else if (cmp.verdict == "inconsistent") c.status = CheckStatus::fail;
    else return TrustCheck{c.name, CheckStatus::skipped, "not run: " + joined(cmp.reasons)};
    return c;
  }
};

// Rule: every stage reached the end of its sampler (SMC: beta = 1; ensemble: 50 autocorrelation times).
class ConvergenceRow final : public Check {
 public:
  std::string key() const override { return ""; }
  std::optional<TrustCheck> assess(const AnalysisResult& result) const override {
    TrustCheck c{"Samplers converged", CheckStatus::unknown, "no per-stage convergence flags in summary.json"};
    std::string failed, checked;
    for (const auto& s : result.stages) {
      checked += (checked.empty() ? "" : ", ") + s.name;
      if (!s.converged) failed += (failed.empty() ? "" : "; ") + s.name + " (" + s.stop_reason + ")";
    }
    if (!failed.empty()) {
      c.status = CheckStatus::fail;
      c.detail = "not converged: " + failed;
    } else if (!checked.empty()) {
      c.status = CheckStatus::pass;
      c.detail = "converged: " + checked;
    }
    return c;
  }
};

// Rule: every emulator the run built passed its held-out validation (emulator/validation.hpp).
class EmulatorRow final : public Check {
 public:
  std::string key() const override { return ""; }
  std::optional<TrustCheck> assess(const AnalysisResult& result) const override {
    TrustCheck c{"Emulators validated", CheckStatus::skipped, "no emulators built by the run"};
    if (result.emulators.empty()) return c;
    std::string bad, good, files;
    for (const auto& [system, e] : result.emulators) {
      (e.trustworthy ? good : bad) += ((e.trustworthy ? good : bad).empty() ? "" : ", ") + system;
      if (!e.trustworthy) files += (files.empty() ? "" : ", ") + e.validation;
    }
    c.status = bad.empty() ? CheckStatus::pass : CheckStatus::fail;
    c.detail = bad.empty() ? "held-out validation passed: " + good
                           : "failed held-out validation: " + bad + " (" + files + ")";
    // How much the emulator adds to the data errors at the posterior (emulator/error_ratio.hpp): above a third at
    // the median it widens the posterior noticeably, a warning (a second wave of design points helps).
    std::string ratios, wide;
    for (const auto& [system, e] : result.emulators) {
      if (e.error_ratio_count == 0) continue;
      ratios += (ratios.empty() ? "" : "; ") + system + " median " + report::number(e.error_ratio_median, 2) +
                ", max " + report::number(e.error_ratio_max, 2) +
                (e.second_wave_points > 0 ? " (second wave " + std::to_string(e.second_wave_points) + " points)" : "");
      if (e.error_ratio_median > 1.0 / 3.0) wide += (wide.empty() ? "" : ", ") + system;
    }
    if (!ratios.empty()) c.detail += "; emulator sd / data error at posterior points: " + ratios;
    if (!wide.empty() && c.status == CheckStatus::pass) {
      c.status = CheckStatus::warn;
      c.detail += " (above 1/3 for " + wide + ": the emulator widens the posterior; [model] second_wave_points)";
    }
    return c;
  }
};

// Rule: any warning of the run makes the answer "with caveats".
class WarningsRow final : public Check {
 public:
  std::string key() const override { return ""; }
  std::optional<TrustCheck> assess(const AnalysisResult& result) const override {
    if (result.warnings.empty()) return TrustCheck{"Run warnings", CheckStatus::pass, "none"};
    return TrustCheck{"Run warnings", CheckStatus::warn, joined(result.warnings)};
  }
};

}  // namespace

std::shared_ptr<Check> make_comparison_row() { return std::make_shared<ComparisonRow>(); }
std::shared_ptr<Check> make_convergence_row() { return std::make_shared<ConvergenceRow>(); }
std::shared_ptr<Check> make_emulator_row() { return std::make_shared<EmulatorRow>(); }
std::shared_ptr<Check> make_warnings_row() { return std::make_shared<WarningsRow>(); }

}  // namespace flowprior
