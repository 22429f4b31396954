// `flowprior run analysis.toml`: the sequential workflow (stages, flow hand-overs, joint run, comparison,
// tension, flow-prior and lost-mode checks) into one run folder with summary.json.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "cli/commands.hpp"
#include "cli/parallel.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/run_analysis.hpp"
#include "flowprior/workflow/run_lock.hpp"
#include "cli/validators.hpp"

namespace flowprior::cli {

void register_compare_command(CLI::App& app);  // cmd_compare.cpp

namespace {

namespace fs = std::filesystem;

// scripts/plot_run.py: $FLOWPRIOR_PLOT_SCRIPT, else next to the source tree the binary was built in
// (build folders live in the project root), else none.
std::string find_plot_script() {
  if (const char* env = std::getenv("FLOWPRIOR_PLOT_SCRIPT")) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    const fs::path candidate = dir / "scripts" / "plot_run.py";
    if (fs::exists(candidate, ec)) return candidate.string();
  }
  return {};
}

struct RunArgs {
  std::string config, out;
  int threads = 0;
  bool no_plots = false;
};

}  // namespace

void register_run_commands(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand("run", "Run a sequential analysis: stages, flow hand-overs, joint run, checks");
  run->add_option("config", args->config, "analysis configuration (TOML)")->required()->check(CLI::ExistingFile);
  run->add_option("--out", args->out, "run folder (default: `output` of the configuration)");
  run->add_option("--threads", args->threads, "threads (default: `threads` of the configuration)")
      ->transform(thread_count());
  run->add_flag("--no-plots", args->no_plots, "do not call scripts/plot_run.py");
  run->callback([args]() {
    const AnalysisConfig config = read_analysis_config(args->config);
    const RunLock lock(args->out.empty() ? config.output : args->out);  // one run per folder (issue 19)
    RunOptions options;
    options.output = args->out;
    options.threads = args->threads;
    options.plots = config.plots && !args->no_plots;
    options.plot_script = find_plot_script();
    options.evaluation = run_evaluation(args->config);
    const AnalysisResult result = run_analysis(config, options);
    const std::string folder = args->out.empty() ? config.output : args->out;
    std::printf("run folder: %s\n%s", folder.c_str(), result.brief().c_str());
  });
  register_compare_command(app);
}

}  // namespace flowprior::cli
