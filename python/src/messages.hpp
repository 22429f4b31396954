#pragma once
// The C++ core's status lines, warnings and progress, delivered to Python instead of the process's stderr
// (issue 20): warnings through Python's `warnings` module as flowprior.FlowpriorWarning, progress through a Python
// callable (flowprior's tqdm bar or the user's function), status lines through a Python callable or nowhere.
// C++ calls the sinks with the GIL released, possibly from worker threads; Python is only called from the thread
// that created the sink (the caller's), with the GIL taken for the call alone. Lines from other threads wait for
// the next call on that thread, or for flush().
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <pybind11/pybind11.h>

#include "flowprior/core/messages.hpp"

namespace flowprior::python {

namespace py = pybind11;

// flowprior.FlowpriorWarning (a RuntimeWarning): created by bind_messages, the category of every warning of the
// C++ core that reaches Python.
void bind_messages(py::module_& m);

// warnings.warn(message, FlowpriorWarning, stacklevel) for each message; the GIL must be held. Throws
// error_already_set when a warnings filter turns them into errors.
void warn_in_python(const std::vector<std::string>& messages, int stacklevel = 2);

// Collects warnings (thread-safe, no GIL) and forwards status lines to a Python callable (None: dropped).
class PythonMessages {
 public:
  explicit PythonMessages(py::object status = py::none());
  // The sinks to put in the core's options; they keep this object's state alive.
  Messages sinks() const;
  // Delivers waiting status lines (the calling thread, GIL not held).
  void flush_status() const;
  // The warnings collected so far, in order, each once (taken: a second call returns the newer ones).
  std::vector<std::string> take_warnings() const;

 private:
  struct State {
    std::mutex mutex;
    std::vector<std::string> warnings, pending_status;
    std::thread::id owner;
    py::object status;  // touched only with the GIL held
  };
  std::shared_ptr<State> state_;
};

// A Python progress callable as the core's callbacks need it: called on the calling thread with the GIL taken for
// the call alone; None: no callback.
inline bool is_callback(const py::object& progress) {
  return !progress.is_none() && PyCallable_Check(progress.ptr()) != 0;
}

}  // namespace flowprior::python
