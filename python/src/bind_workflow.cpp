// A whole sequential analysis from its TOML configuration, as `flowprior run`; the summary as a dict.
#include <cstdlib>
#include <filesystem>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "interrupt.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/run_analysis.hpp"

namespace flowprior::python {
namespace {

// The plots of a run folder: $FLOWPRIOR_PLOT_SCRIPT, else the package's own flowprior/run_plots.py (runnable as
// a script; scripts/plot_run.py is a thin wrapper of it), so plots do not depend on the source tree.
std::string plot_script() {
  if (const char* env = std::getenv("FLOWPRIOR_PLOT_SCRIPT")) return env;
  try {
    return py::module_::import("flowprior.run_plots").attr("__file__").cast<std::string>();
  } catch (const py::error_already_set&) {
    return {};
  }
}

}  // namespace

void bind_workflow(py::module_& m) {
  m.def("run",
        [](const std::string& config_path, const std::string& output, int threads, bool plots) {
          nlohmann::json summary;
          const std::string script = plots ? plot_script() : std::string();
          if (plots && script.empty())
            throw Error(ErrorContext{.parameter = "plots"}, "the package's plotting module flowprior.run_plots is missing");
          {
            py::gil_scoped_release release;
            AnalysisConfig config = read_analysis_config(config_path);
            const std::function<void()> interrupt = python_interrupt_check();
            config.flow.interrupt = interrupt;  // the hand-over flows' training
            RunOptions options;
            options.output = output;
            options.threads = threads;
            options.plots = config.plots && plots;
            if (options.plots) options.plot_script = script;
            options.evaluation.interrupt = interrupt;  // the samplers
            summary = run_analysis(config, options).to_json();
          }
          return json_to_python(summary);
        },
        py::arg("config_path"), py::kw_only(), py::arg("output") = "", py::arg("threads") = 0,
        py::arg("plots") = false,
        "Runs a whole analysis (as `flowprior run CONFIG --out OUTPUT`) and returns summary.json as a dict.\n\n"
        "output: run folder (default: the configuration's); threads: 0 = the configuration's; plots: draw the "
        "run's figures with flowprior.run_plots (matplotlib). Ctrl-C stops the run with KeyboardInterrupt; the "
        "files written so far stay (SMC stages with checkpoint = true resume from theirs).");
}

}  // namespace flowprior::python
