#pragma once
// The one exception type of flowprior. It carries where the problem is (file, line, parameter, row) so that
// the command line can print one clear line and tests can check the context.
#include <stdexcept>
#include <string>

namespace flowprior {

struct ErrorContext {
  std::string file;       // path of the file being read or written, if any
  long line = -1;         // 1-based line in that file, if known
  std::string parameter;  // parameter / column / key name, if any
  long row = -1;          // 0-based sample row (batch index), if any
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
  Error(const ErrorContext& where, const std::string& what)
      : std::runtime_error(format(where, what)), context_(where) {}

  const ErrorContext& context() const { return context_; }

  // "file F, line L, parameter 'p', row R: what"
  static std::string format(const ErrorContext& where, const std::string& what);

 private:
  ErrorContext context_;
};

}  // namespace flowprior
