// libFuzzer target: parameter boxes from TOML ([parameters] name = [low, high], map = ...). Build: fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <string>

#include "flowprior/core/error.hpp"
#include "flowprior/io/params_toml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const flowprior::Box box = flowprior::parse_box_toml(text, "fuzz.toml");
    // What we write must read back to the same box.
    const flowprior::Box back = flowprior::parse_box_toml(flowprior::box_to_toml(box), "fuzz-back.toml");
    if (back.names() != box.names()) __builtin_trap();
  } catch (const flowprior::Error&) {
  }
  return 0;
}
