// `flowprior report RUN_DIR [--out FILE]`: the self-contained HTML report of a run folder (workflow/report.hpp).
// Missing or corrupt files of the folder are named in the page and on stderr; they never make the command fail.
#include <cstdio>

#include "cli/commands.hpp"
#include "flowprior/workflow/report.hpp"

namespace flowprior::cli {
namespace {

struct ReportArgs {
  std::string folder, out;
};

}  // namespace

void register_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand("report", "Write RUN_DIR/report.html: verdict, predictive checks, plots, "
                                               "diagnostics (one self-contained page)");
  cmd->add_option("run_dir", args->folder, "run folder of `flowprior run`")->required();
  cmd->add_option("--out", args->out, "HTML file to write (default RUN_DIR/report.html)");
  cmd->callback([args]() {
    const ReportResult r = write_report(args->folder, args->out);
    for (const auto& m : r.missing) std::fprintf(stderr, "flowprior: report: missing: %s\n", m.c_str());
    std::printf("report: %s\n", r.path.c_str());
    std::printf("can the sequential result be trusted: %s\n", r.answer.c_str());
    if (!r.missing.empty()) std::printf("missing or unreadable files: %zu (named in the report)\n", r.missing.size());
  });
}

}  // namespace flowprior::cli
