#include "cli/parallel.hpp"

#include <filesystem>

#include "cli/slow_density.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/named_density.hpp"
#include "flowprior/density/targets.hpp"
#include "flowprior/workflow/likelihood_builder.hpp"
#include "flowprior/workflow/run_analysis.hpp"
#ifdef FLOWPRIOR_HAVE_MPI
#include "flowprior/mpi/mpi_evaluator.hpp"
#include "flowprior/mpi/mpi_session.hpp"
#endif

namespace flowprior::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::shared_ptr<const LogDensity> build_target_likelihood(const std::string& target, int dim, double cost_ms) {
  std::shared_ptr<const LogDensity> likelihood = make_target(target, dim).likelihood;
  if (cost_ms > 0) likelihood = std::make_shared<SlowDensity>(likelihood, cost_ms);
  return likelihood;
}

json parse_key(const std::string& key) {
  try {
    return json::parse(key);
  } catch (const std::exception& e) {
    throw Error("not a density key: " + key);
  }
}

}  // namespace

bool distributed() {
#ifdef FLOWPRIOR_HAVE_MPI
  return mpi::distributed();
#else
  return false;
#endif
}

int evaluation_ranks() {
#ifdef FLOWPRIOR_HAVE_MPI
  return mpi::distributed() ? mpi::world_size() : 1;
#else
  return 1;
#endif
}

std::unique_ptr<Evaluator> make_evaluator(int threads) {
#ifdef FLOWPRIOR_HAVE_MPI
  if (mpi::distributed()) return std::make_unique<mpi::MpiEvaluator>(threads);
#endif
  return std::make_unique<ThreadEvaluator>(threads);
}

std::shared_ptr<const LogDensity> target_likelihood(const std::string& target, int dim, double cost_ms) {
  const json key{{"kind", "target"}, {"target", target}, {"dim", dim}, {"cost_ms", cost_ms}};
  return std::make_shared<NamedDensity>(build_target_likelihood(target, dim, cost_ms), key.dump());
}

RunEvaluation run_evaluation(const std::string& config_path) {
  if (!distributed()) return {};
  const std::string config = fs::absolute(config_path).lexically_normal().string();
  RunEvaluation e;
  e.make_evaluator = [](int threads) { return make_evaluator(threads); };
  e.likelihood_key = [config](const json& settings, const std::string& folder) {
    if (!settings.contains("datasets") || !settings["datasets"].is_array())
      throw Error("MPI: the run's settings record has no dataset list to name its likelihood by");
    json key{{"kind", "analysis"},
             {"config", config},
             {"folder", fs::absolute(folder).lexically_normal().string()},
             {"datasets", settings["datasets"]}};
    if (settings.contains("parameters")) key["parameters"] = settings["parameters"];  // a stage's own parameters
    return key.dump();
  };
  return e;
}

std::shared_ptr<const LogDensity> DensityKeyResolver::operator()(const std::string& text) {
  const json key = parse_key(text);
  const std::string kind = key.value("kind", "");
  if (kind == "target")
    return build_target_likelihood(key.at("target").get<std::string>(), key.at("dim").get<int>(),
                                   key.at("cost_ms").get<double>());
  if (kind != "analysis") throw Error("unknown density key kind '" + kind + "'");
  const std::string path = key.at("config").get<std::string>();
  auto it = configs_.find(path);
  if (it == configs_.end()) it = configs_.emplace(path, read_analysis_config(path)).first;
  AnalysisConfig config = it->second;
  std::vector<std::string> names;
  for (const auto& d : key.at("datasets")) names.push_back(d.at("name").get<std::string>());
  // What rank 0 built in the run folder before sending any likelihood (the models' emulators), attached through
  // the same registry.
  prepare_models(config, PrepareContext{key.at("folder").get<std::string>(), 1, 0, /*load_only=*/true});
  if (key.contains("parameters"))
    return build_likelihood(config, names, key.at("parameters").get<std::vector<std::string>>());
  return build_likelihood(config, names);
}

}  // namespace flowprior::cli
