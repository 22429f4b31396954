#include "flowprior/workflow/check.hpp"

#include "workflow/checks/builtin.hpp"

namespace flowprior {

std::vector<std::shared_ptr<Check>> CheckRegistry::make_all() const {
  std::vector<std::shared_ptr<Check>> out;
  for (const auto& f : factories_) out.push_back(f());
  return out;
}

// Run order = the report's row order.
CheckRegistry builtin_checks() {
  CheckRegistry r;
  r.add(make_comparison_row);
  r.add(make_flow_prior_check);
  r.add(make_lost_modes_check);
  r.add(make_tension_check);
  r.add(make_fit_quality_check);
  r.add(make_convergence_row);
  r.add(make_emulator_row);
  r.add(make_predictive_check);
  r.add(make_reverse_order_check);
  r.add(make_hand_over_check);
  r.add(make_direct_reference_check);
  r.add(make_warnings_row);
  return r;
}

}  // namespace flowprior
