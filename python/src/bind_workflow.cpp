// A whole sequential analysis from its TOML configuration, as `flowprior run`; the summary as a dict.
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "interrupt.hpp"
#include "messages.hpp"
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
        [](const std::string& config_path, const std::string& output, int threads, bool plots,
           const py::object& progress, const py::object& status) {
          nlohmann::json summary;
          const std::string script = plots ? plot_script() : std::string();
          if (plots && script.empty())
            throw Error(ErrorContext{.parameter = "plots"}, "the package's plotting module flowprior.run_plots is missing");
          const bool off = progress.is_none() || (py::isinstance<py::bool_>(progress) && !progress.cast<bool>());
          if (!off && !is_callback(progress))
            throw py::type_error("run: progress must be False, None or a callable f(iteration, estimated_iterations, run=, "
                                 "beta=, ess=, log_z=, ess_at_one=), not " + std::string(py::repr(progress)));
          if (!status.is_none() && !is_callback(status))
            throw py::type_error("run: status must be None or a callable f(line), not " +
                                 std::string(py::repr(status)));
          // Nothing goes to the process's stderr: status lines to `status` (None: dropped), warnings to Python's
          // warnings module once the run is over, progress to `progress` after every SMC iteration.
          const PythonMessages messages(status);
          std::vector<std::string> warnings;
          {
            py::gil_scoped_release release;
            AnalysisConfig config = read_analysis_config(config_path);
            const std::function<void()> interrupt = python_interrupt_check();
            config.flow.interrupt = interrupt;  // the hand-over flows' training
            config.flow.messages = messages.sinks();
            RunOptions options;
            options.output = output;
            options.threads = threads;
            options.plots = config.plots && plots;
            if (options.plots) options.plot_script = script;
            options.evaluation.interrupt = interrupt;  // the samplers
            options.evaluation.messages = messages.sinks();
            if (!off)
              options.evaluation.smc_progress = [&progress, &messages](const std::string& run, const SmcProgress& p) {
                messages.flush_status();  // lines of worker threads first
                py::gil_scoped_acquire gil;  // on this thread, between iterations, for the call alone
                progress(p.record.iteration, p.estimated_iterations, py::arg("run") = run,
                         py::arg("beta") = p.record.beta, py::arg("ess") = p.record.ess,
                         py::arg("log_z") = p.record.log_z, py::arg("ess_at_one") = p.ess_at_one);
              };
            const AnalysisResult result = run_analysis(config, options);
            messages.flush_status();
            summary = result.to_json();
            warnings = messages.take_warnings();
            for (const std::string& w : result.warnings)  // the typed result's, each once
              if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
          }
          warn_in_python(warnings, 3);  // at the caller of flowprior.run (behind its two Python wrappers)
          return json_to_python(summary);
        },
        py::arg("config_path"), py::kw_only(), py::arg("output") = "", py::arg("threads") = 0,
        py::arg("plots") = false, py::arg("progress") = py::bool_(false), py::arg("status") = py::none(),
        "Runs a whole analysis (as `flowprior run CONFIG --out OUTPUT`) and returns summary.json as a dict.\n\n"
        "output: run folder (default: the configuration's); threads: 0 = the configuration's; plots: draw the "
        "run's figures with flowprior.run_plots (matplotlib); progress: False, True (a tqdm bar per sampling run "
        "with beta, ESS and log Z and an ETA, when tqdm is installed; else lines on sys.stderr) or a callable "
        "f(iteration, estimated_iterations, run, beta, ess, log_z) called after every SMC iteration of every run "
        "(the results are bitwise the same); status: a callable f(line) for the run's status lines (default: "
        "sys.stderr when progress is on, else none). Nothing is written to the process's stderr; the run's "
        "warnings are flowprior.FlowpriorWarning through Python's warnings module. Ctrl-C stops the run with KeyboardInterrupt; the "
        "files written so far stay (SMC stages with checkpoint = true resume from theirs).");
}

}  // namespace flowprior::python
