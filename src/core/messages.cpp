#include "flowprior/core/messages.hpp"

#include "flowprior/core/log.hpp"

namespace flowprior {

void Messages::status(const std::string& message) const {
  if (status_sink) status_sink(message);
  else flowprior::status(message);
}

void Messages::warn(const std::string& message) const {
  if (warning_sink) warning_sink(message);
  else flowprior::warn(message);
}

}  // namespace flowprior
