// `flowprior targets`: the built-in targets with their known answers. `flowprior chain FILE`: diagnostics of an
// ensemble chain file, ours or emcee's (the reading side of the emcee interop check).
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/cmd_sample_ensemble_json.hpp"
#include "cli/validators.hpp"
#include "flowprior/core/output_file.hpp"
#include "cli/sample_cli.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/density/targets.hpp"
#include "flowprior/sampler/hdf_backend.hpp"

namespace flowprior::cli {
namespace {

void print_vector(const char* label, const VectorXd& v) {
  std::printf("  %-11s [", label);
  for (Index i = 0; i < v.size(); ++i) std::printf("%s%.6g", i ? ", " : "", v(i));
  std::printf("]\n");
}

void print_targets(int dim) {
  for (const auto& name : target_names()) {
    const bool fixed_two = name == "rosenbrock" || name == "eggbox";
    const Target t = make_target(name, fixed_two ? 2 : dim);
    std::printf("%s (dim %d): %s\n", t.name.c_str(), t.dim, t.description.c_str());
    if (t.log_z) std::printf("  log_z       %.6f\n", *t.log_z);
    if (t.mean.size()) print_vector("mean", t.mean);
    if (t.covariance.size()) {
      std::printf("  covariance\n");
      for (Index i = 0; i < t.covariance.rows(); ++i) {
        std::printf("   ");
        for (Index j = 0; j < t.covariance.cols(); ++j) std::printf(" %9.5f", t.covariance(i, j));
        std::printf("\n");
      }
    }
  }
}

}  // namespace

void register_targets_command(CLI::App& app) {
  auto dim = std::make_shared<int>(2);
  CLI::App* targets = app.add_subcommand("targets", "List the built-in targets with their exact answers");
  targets->add_option("--dim", *dim, "Dimension for the targets that take any dimension")->check(int_range(1, 100000));
  targets->callback([dim] {
    if (*dim < 1) throw Error(ErrorContext{.parameter = "--dim"}, "must be at least 1");
    print_targets(*dim);
  });

  struct ChainArgs {
    std::string file, json, group = "mcmc";
    long discard = 0;
  };
  auto args = std::make_shared<ChainArgs>();
  CLI::App* chain = app.add_subcommand("chain", "Diagnostics of an ensemble chain file (flowprior's or emcee's)");
  chain->add_option("file", args->file, "HDF5 chain file")->required();
  chain->add_option("--group", args->group, "HDF5 group (emcee's default: mcmc)");
  chain->add_option("--discard", args->discard, "Steps to discard")->check(int_range(0, kMaxCount));
  chain->add_option("--json", args->json, "Write the summary here (default: stdout)");
  chain->callback([args] {
    require_distinct_output("--json", args->json, {{"file", args->file}});
    const ChainFile file = read_chain_file(args->file, args->group);
    nlohmann::json j = chain_summary_json(file.chain, args->discard);
    j["flowprior_file"] = file.metadata.flowprior;
    j["version"] = file.metadata.version;
    j["log_prob_sum"] = file.chain.log_prob.sum();
    j["chain_sum"] = file.chain.positions.sum();
    for (const auto& w : j["warnings"]) warn(w.get<std::string>());
    if (args->json.empty()) {
      std::cout << j.dump(2) << '\n';
    } else {
      write_output_file(args->json, j.dump(2) + "\n");
    }
  });
}

}  // namespace flowprior::cli
