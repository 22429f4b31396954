#include "flowprior/core/log.hpp"

#include <cstdio>

namespace flowprior {

void warn(const std::string& message) { std::fprintf(stderr, "flowprior: warning: %s\n", message.c_str()); }
void status(const std::string& message) { std::fprintf(stderr, "%s\n", message.c_str()); }

}  // namespace flowprior
