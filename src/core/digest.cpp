#include "flowprior/core/digest.hpp"

#include <cstdio>
#include <fstream>

#include "flowprior/core/error.hpp"

namespace flowprior {

std::uint64_t fnv1a(const void* data, std::size_t n, std::uint64_t h) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  return h;
}

std::string to_hex(std::uint64_t h) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

std::string file_digest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorContext{.file = path}, "cannot open file");
  std::uint64_t h = kFnv1aOffset;
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    h = fnv1a(buffer, static_cast<std::size_t>(in.gcount()), h);
    if (!in) break;
  }
  return to_hex(h);
}

}  // namespace flowprior
