#include "messages.hpp"

#include <algorithm>

namespace flowprior::python {
namespace {

py::object& warning_category() {
  // Owned by the module (m.attr); this is a borrowed handle kept for the module's lifetime.
  static py::object category;
  return category;
}

}  // namespace

void bind_messages(py::module_& m) {
  PyObject* category = PyErr_NewExceptionWithDoc(
      "flowprior.FlowpriorWarning",
      "A warning of flowprior's C++ core (weak flow-training data, a sampler stopped before convergence, an "
      "emulator failing its validation, ...): raised through Python's warnings module, so that it can be "
      "filtered (warnings.simplefilter), turned into an error or captured (pytest.warns).",
      PyExc_RuntimeWarning, nullptr);
  if (category == nullptr) throw py::error_already_set();
  m.attr("FlowpriorWarning") = py::reinterpret_steal<py::object>(category);
  warning_category() = m.attr("FlowpriorWarning");
}

void warn_in_python(const std::vector<std::string>& messages, int stacklevel) {
  for (const std::string& message : messages)
    if (PyErr_WarnEx(warning_category().ptr(), message.c_str(), stacklevel) != 0) throw py::error_already_set();
}

PythonMessages::PythonMessages(py::object status) : state_(std::make_shared<State>()) {
  state_->owner = std::this_thread::get_id();
  state_->status = std::move(status);
}

Messages PythonMessages::sinks() const {
  Messages m;
  const std::shared_ptr<State> state = state_;
  m.warning_sink = [state](const std::string& message) {
    const std::lock_guard<std::mutex> lock(state->mutex);
    if (std::find(state->warnings.begin(), state->warnings.end(), message) == state->warnings.end())
      state->warnings.push_back(message);
  };
  const bool forward = !state_->status.is_none();
  m.status_sink = [state, forward, self = *this](const std::string& message) {
    if (!forward) return;
    {
      const std::lock_guard<std::mutex> lock(state->mutex);
      state->pending_status.push_back(message);
    }
    if (std::this_thread::get_id() == state->owner) self.flush_status();
  };
  return m;
}

void PythonMessages::flush_status() const {
  if (std::this_thread::get_id() != state_->owner) return;
  std::vector<std::string> lines;
  {
    const std::lock_guard<std::mutex> lock(state_->mutex);
    lines.swap(state_->pending_status);
  }
  if (lines.empty()) return;
  py::gil_scoped_acquire gil;
  for (const std::string& line : lines) state_->status(line);
}

std::vector<std::string> PythonMessages::take_warnings() const {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  std::vector<std::string> out;
  out.swap(state_->warnings);
  return out;
}

}  // namespace flowprior::python
