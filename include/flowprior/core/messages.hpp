#pragma once
// Where a computation's status lines and warnings go. Passed in the options of the long-running parts (flow
// training, the persistent sampler, the workflow), never global: an empty function means the process's stderr
// (core/log.hpp, the command line's behaviour); the Python module sets both so that nothing is written to the
// process's stderr (status lines reach tqdm or a callback, warnings Python's `warnings` module).
// The functions may be called from worker threads (flow ensembles train members in parallel): they must be
// thread-safe.
#include <functional>
#include <string>

namespace flowprior {

struct Messages {
  std::function<void(const std::string&)> status_sink;   // a status line (no trailing newline)
  std::function<void(const std::string&)> warning_sink;  // a warning's text (without "flowprior: warning: ")

  void status(const std::string& message) const;  // status_sink, else flowprior::status (stderr)
  void warn(const std::string& message) const;    // warning_sink, else flowprior::warn (stderr)
};

}  // namespace flowprior
