// libFuzzer target: analysis configurations of `flowprior run` (every key, cross-key checks; data files are looked
// for in a folder that does not exist, so those checks fail with an Error). Inputs naming the built-in physics model
// ("hotspot") are skipped: building it takes ~10 s under the sanitizers, which left 2199 executions in 10 minutes.
// Build: fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <string>

#include "flowprior/core/error.hpp"
#include "flowprior/workflow/analysis_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (text.find("hotspot") != std::string::npos) return 0;
  try {
    (void)flowprior::parse_analysis_config(text, "fuzz.toml", "/nonexistent-fuzz-folder");
  } catch (const flowprior::Error&) {
  }
  return 0;
}
