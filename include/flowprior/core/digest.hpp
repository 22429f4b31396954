#pragma once
// FNV-1a (64 bit) over bytes: a stable, platform-independent fingerprint (run identities, random-stream keys,
// bitwise-equality digests in tests). Not cryptographic.
#include <cstddef>
#include <cstdint>
#include <string>

namespace flowprior {

constexpr std::uint64_t kFnv1aOffset = 1469598103934665603ull;

// Continues the digest `h` over n bytes (start from kFnv1aOffset).
std::uint64_t fnv1a(const void* data, std::size_t n, std::uint64_t h = kFnv1aOffset);
inline std::uint64_t fnv1a(const std::string& text, std::uint64_t h = kFnv1aOffset) {
  return fnv1a(text.data(), text.size(), h);
}
// 16 lower-case hex digits.
std::string to_hex(std::uint64_t h);
// Digest of a whole file; Error naming the file if it cannot be read.
std::string file_digest(const std::string& path);

}  // namespace flowprior
