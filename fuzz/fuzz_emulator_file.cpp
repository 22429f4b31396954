// libFuzzer target: emulator files (JSON). An accepted file must predict at the centre of its design box without
// crashing. Build: fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <string>

#include "flowprior/core/error.hpp"
#include "flowprior/emulator/emulator.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const flowprior::Emulator e = flowprior::Emulator::from_json(text, "fuzz.json");
    const flowprior::MatrixXd x = flowprior::MatrixXd::Constant(1, static_cast<flowprior::Index>(e.parameter_names().size()), 0.5);
    flowprior::MatrixXd mean, var;
    e.predict(x, mean, var);
    (void)e.covariance(var.row(0));
  } catch (const flowprior::Error&) {
  }
  return 0;
}
