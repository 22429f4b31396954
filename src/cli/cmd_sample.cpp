#include "cli/commands.hpp"
#include "cli/validators.hpp"
#include "flowprior/core/output_file.hpp"
#include "cli/sample_cli.hpp"
#include "flowprior/core/error.hpp"

namespace flowprior::cli {

void register_sample_commands(CLI::App& app) {
  auto common = std::make_shared<SampleCommon>();
  CLI::App* sample = app.add_subcommand("sample", "Sample a built-in target with a chosen sampler");
  sample->add_option("--target", common->target, "Built-in target (see `flowprior targets`)")->required();
  sample->add_option("--dim", common->dim, "Dimension of the target")->check(int_range(1, 100000));
  sample->add_option("--sampler", common->sampler, "ensemble | smc")->check(CLI::IsMember({"ensemble", "smc"}));
  sample->add_option("--seed", common->seed, "Random seed")->check(seed_value());
  sample->add_option("--out", common->out, "Output file")->required();
  sample->add_option("--json", common->json, "JSON summary file");
  sample->add_option("--threads", common->threads, "Threads for likelihood evaluation (per MPI rank under mpirun) and the ensemble's diagnostics")
      ->transform(thread_count());
  sample->add_option("--likelihood-cost-ms", common->likelihood_cost_ms,
                     "Add this much CPU time per likelihood point (benchmarks of an expensive model)")
      ->check(real_range(0, 1e6));
  SampleRunner ensemble = add_ensemble_options(*sample);
  SampleRunner smc = add_smc_options(*sample);
  sample->callback([common, ensemble, smc] {
    if (common->dim < 1) throw Error(ErrorContext{.parameter = "--dim"}, "must be at least 1");
    require_distinct_output("--out", common->out, {{"--json", common->json}});
    (common->sampler == "smc" ? smc : ensemble)(*common);
  });
  register_targets_command(app);
}

}  // namespace flowprior::cli
