// A whole sequential analysis from its TOML configuration, as `flowprior run`; the summary as a dict.
#include <cstdlib>
#include <filesystem>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/run_analysis.hpp"

namespace flowprior::python {
namespace {

// scripts/plot_run.py: $FLOWPRIOR_PLOT_SCRIPT, else the source tree this module was built from.
std::string plot_script() {
  if (const char* env = std::getenv("FLOWPRIOR_PLOT_SCRIPT")) return env;
  const std::filesystem::path candidate = std::filesystem::path(FLOWPRIOR_SOURCE_DIR) / "scripts" / "plot_run.py";
  std::error_code ec;
  return std::filesystem::exists(candidate, ec) ? candidate.string() : std::string();
}

}  // namespace

void bind_workflow(py::module_& m) {
  m.def("run",
        [](const std::string& config_path, const std::string& output, int threads, bool plots) {
          nlohmann::json summary;
          {
            py::gil_scoped_release release;
            const AnalysisConfig config = read_analysis_config(config_path);
            RunOptions options;
            options.output = output;
            options.threads = threads;
            options.plots = config.plots && plots;
            if (options.plots) options.plot_script = plot_script();
            summary = run_analysis(config, options).to_json();
          }
          return json_to_python(summary);
        },
        py::arg("config_path"), py::kw_only(), py::arg("output") = "", py::arg("threads") = 0,
        py::arg("plots") = false,
        "Runs a whole analysis (as `flowprior run CONFIG --out OUTPUT`) and returns summary.json as a dict.");
}

}  // namespace flowprior::python
