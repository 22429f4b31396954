#pragma once
// Factories of the built-in checks (one file each in this folder), registered in src/workflow/check_registry.cpp,
// and the results that another check reads.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flowprior/workflow/check.hpp"
#include "flowprior/workflow/run_context.hpp"

namespace flowprior {

std::shared_ptr<Check> make_comparison_row();     // core_rows.cpp
std::shared_ptr<Check> make_flow_prior_check();   // flow_prior_check.cpp
std::shared_ptr<Check> make_lost_modes_check();   // lost_modes_check.cpp
std::shared_ptr<Check> make_tension_check();      // tension_check.cpp
std::shared_ptr<Check> make_fit_quality_check();  // fit_quality_check.cpp
std::shared_ptr<Check> make_convergence_row();    // core_rows.cpp
std::shared_ptr<Check> make_emulator_row();       // core_rows.cpp
std::shared_ptr<Check> make_predictive_check();   // predictive_check.cpp
std::shared_ptr<Check> make_reverse_order_check();  // reverse_order_check.cpp
std::shared_ptr<Check> make_hand_over_check();    // hand_over_check.cpp
std::shared_ptr<Check> make_direct_reference_check();  // direct_reference_check.cpp
std::shared_ptr<Check> make_warnings_row();       // core_rows.cpp

// The reverse order's result (reverse_order_check.cpp); the hand-over check also reads its stages.
struct ReverseOrderResult final : CheckResult {
  std::vector<StageResult> stages;
  struct FlowPrior {
    std::string stage;
    std::vector<std::string> earlier_datasets;
    double ess_fraction = 0;
  };
  std::optional<FlowPrior> flow_prior;
  ComparisonRecord comparison;  // not_run empty and no comparison: no joint run
  nlohmann::json to_json() const override;
};

// The predictive check's result from predictive.json (the report's source for it).
std::shared_ptr<const CheckResult> predictive_result_from_file(const nlohmann::json& predictive_file);

// The text of a skipped check's reason, shared by the rows.
inline std::optional<TrustCheck> skipped_row(const std::string& name, const std::string& reason) {
  return TrustCheck{name, CheckStatus::skipped, reason};
}

// "a, b, c".
inline std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace flowprior
