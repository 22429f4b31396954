#pragma once
// Warnings and status lines go to stderr, never stdout (stdout is for requested output).
#include <string>

namespace flowprior {

void warn(const std::string& message);
void status(const std::string& message);

}  // namespace flowprior
