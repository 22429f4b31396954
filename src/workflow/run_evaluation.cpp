#include "flowprior/workflow/run_evaluation.hpp"

#include "flowprior/core/named_density.hpp"

namespace flowprior {

std::unique_ptr<Evaluator> RunEvaluation::evaluator(int threads) const {
  if (distributed()) return make_evaluator(threads);
  return std::make_unique<ThreadEvaluator>(threads);
}

std::shared_ptr<const LogDensity> RunEvaluation::named(std::shared_ptr<const LogDensity> likelihood,
                                                       const nlohmann::json& settings,
                                                       const std::string& folder) const {
  if (!distributed()) return likelihood;
  return std::make_shared<NamedDensity>(std::move(likelihood), likelihood_key(settings, folder));
}

}  // namespace flowprior
