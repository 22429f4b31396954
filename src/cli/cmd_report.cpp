// `flowprior report RUN_DIR [--out FILE]`: the self-contained HTML report of a run folder (workflow/report.hpp).
// Missing or corrupt files of the folder are named in the page and on stderr; they never make the command fail.
#include <cstdio>
#include <filesystem>

#include "cli/commands.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/output_file.hpp"
#include "flowprior/workflow/report.hpp"

namespace flowprior::cli {
namespace {

struct ReportArgs {
  std::string folder, out;
};

// A report of an empty or mistyped folder would be a page of "missing" notes that looks like a report: an error.
// A run folder holds at least the copy of its configuration, its summary, or a stage's settings record.
void require_run_folder(const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw Error(ErrorContext{.file = folder}, "not a run folder (no such folder)");
  if (fs::exists(fs::path(folder) / "summary.json", ec) || fs::exists(fs::path(folder) / "config.toml", ec)) return;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 14 && name.compare(name.size() - 14, 14, ".settings.json") == 0) return;
  }
  throw Error(ErrorContext{.file = folder},
              "holds no flowprior run (no summary.json, config.toml or STAGE.settings.json); check the folder name");
}

}  // namespace

void register_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand("report", "Write RUN_DIR/report.html: verdict, predictive checks, plots, "
                                               "diagnostics (one self-contained page)");
  cmd->add_option("run_dir", args->folder, "run folder of `flowprior run`")->required();
  cmd->add_option("--out", args->out, "HTML file to write (default RUN_DIR/report.html)");
  cmd->callback([args]() {
    require_run_folder(args->folder);
    if (!args->out.empty())
      for (const char* f : {"summary.json", "config.toml", "predictive.json"})
        require_distinct_output("--out", args->out, {{std::string("RUN_DIR/") + f, (std::filesystem::path(args->folder) / f).string()}});
    const ReportResult r = write_report(args->folder, args->out);
    for (const auto& m : r.missing) std::fprintf(stderr, "flowprior: report: missing: %s\n", m.c_str());
    std::printf("report: %s\n", r.path.c_str());
    std::printf("can the sequential result be trusted: %s\n", r.answer.c_str());
    if (!r.missing.empty()) std::printf("missing or unreadable files: %zu (named in the report)\n", r.missing.size());
  });
}

}  // namespace flowprior::cli
