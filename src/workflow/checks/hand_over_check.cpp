// Hand-over coverage of every flow stage, forward and reverse (workflow/hand_over.hpp): how many of the earlier
// stage's samples the flow saw where the later posterior lives. Computed at each hand-over (RunContext::run_sequence
// calls hand_over_record); rule: the flow prior's resolution there, 1/sqrt(effective samples inside the later 95%
// region), must be within the verdict's mean margin, else a warning naming the stage that needs more particles.
#include <cmath>
#include <cstdio>

#include "flowprior/workflow/report_html.hpp"
#include "flowprior/workflow/stage_parameters.hpp"
#include "workflow/checks/builtin.hpp"

namespace flowprior {

HandOverRecord hand_over_record(const AnalysisConfig& config, const RunOutput& earlier, const RunOutput& later,
                                std::vector<std::string>& warnings) {
  HandOverRecord h;
  h.earlier_stage = earlier.name;
  try {
    if (earlier.particles.names == later.particles.names) {
      h.coverage = hand_over_coverage(earlier.particles, later.particles);
    } else {  // stages with other parameters: the flow covers the ones both free (workflow/stage_parameters.hpp)
      const std::vector<std::string> shared = shared_parameters(later.particles.names, earlier.particles.names);
      h.coverage = hand_over_coverage(earlier.particles.with_columns(shared, earlier.name),
                                      later.particles.with_columns(shared, later.name));
    }
  } catch (const Error& e) {
    h.error = e.what();
    return h;
  }
  const HandOverCoverage& c = h.coverage;
  if (c.resolution_sd > config.checks.mean_tolerance) {
    char line[640];
    std::snprintf(line, sizeof line,
                  "stage '%s': only %.0f effective samples of stage '%s' (%.2g%% of its mass) lie in this stage's "
                  "95%% posterior region; there the flow prior is resolved to ~%.2g posterior sd, more than the "
                  "verdict's margin %.2g: give stage '%s' more particles (n_total; for the reverse order [checks] "
                  "reverse_order_n_total), unless the datasets disagree (see the tension check)",
                  later.name.c_str(), c.effective_inside, earlier.name.c_str(), 100.0 * c.fraction, c.resolution_sd,
                  config.checks.mean_tolerance, earlier.name.c_str());
    warnings.push_back(line);
  }
  h.margin_sd = config.checks.mean_tolerance;
  h.within_margin = c.resolution_sd <= config.checks.mean_tolerance;
  return h;
}

namespace {

class HandOverCheck final : public Check {
 public:
  std::string key() const override { return ""; }
  std::optional<TrustCheck> assess(const AnalysisResult& result) const override {
    TrustCheck c{"Flow hand-over coverage (training samples where the next posterior lives)", CheckStatus::skipped,
                 "no flow-prior stage"};
    std::string detail;
    bool any = false, all_within = true;
    auto add = [&](const std::vector<StageResult>& stages) {
      for (const auto& s : stages) {
        if (!s.hand_over) continue;
        any = true;
        const HandOverRecord& h = *s.hand_over;
        if (!h.error.empty() || !std::isfinite(h.coverage.effective_inside)) {
          all_within = false;
          detail += (detail.empty() ? "" : "; ") + s.name + ": " + (h.error.empty() ? "no data" : h.error);
          continue;
        }
        all_within = all_within && h.within_margin;
        detail += (detail.empty() ? "" : "; ") + s.name + ": " + std::to_string(std::lround(h.coverage.effective_inside)) +
                  " effective samples of " + h.earlier_stage + " (" + report::number(100.0 * h.coverage.fraction, 2) +
                  "% of its mass), resolution " +
                  (std::isfinite(h.coverage.resolution_sd) ? report::number(h.coverage.resolution_sd, 2)
                                                           : std::string("inf")) +
                  " posterior sd";
      }
    };
    add(result.stages);
    if (const auto* reverse = result.check<ReverseOrderResult>("reverse_order")) add(reverse->stages);
    if (!any) return c;
    c.status = all_within ? CheckStatus::pass : CheckStatus::warn;
    c.detail = detail + " (rule: 1/sqrt(samples inside the later 95% region) within the mean margin, else warning)";
    return c;
  }
};

}  // namespace

std::shared_ptr<Check> make_hand_over_check() { return std::make_shared<HandOverCheck>(); }

}  // namespace flowprior
