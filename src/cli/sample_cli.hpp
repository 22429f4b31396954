#pragma once
// `flowprior sample`: the options every sampler shares live here; each sampler adds its own options to the
// same subcommand and returns the function that runs it with the parsed values (no global option storage).
#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>

namespace flowprior::cli {

struct SampleCommon {
  std::string target;            // built-in target name (see `flowprior targets`)
  int dim = 2;
  std::string sampler = "ensemble";
  std::uint64_t seed = 1;
  std::string out;               // chain/run file (.h5) or equal-weight posterior (.csv)
  std::string json;              // optional JSON summary
  int threads = 1;
  double likelihood_cost_ms = 0;  // > 0: CPU busy wait per point (scaling benchmarks, see cli/slow_density.hpp)
};

using SampleRunner = std::function<void(const SampleCommon&)>;

SampleRunner add_ensemble_options(CLI::App& sample);  // cmd_sample_ensemble.cpp
SampleRunner add_smc_options(CLI::App& sample);       // cmd_sample_smc.cpp
void register_targets_command(CLI::App& app);         // cmd_targets.cpp

}  // namespace flowprior::cli
