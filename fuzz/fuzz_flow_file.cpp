// libFuzzer target: flow files (one flow or an ensemble, JSON). A file the reader accepts must also evaluate: the
// density at the box centre is computed, so a file whose arrays disagree with its declared sizes is caught at
// reading, not by a crash later. Build: fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "flowprior/core/error.hpp"
#include "flowprior/flow/flow_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return 0;  // the reader turns this into an Error before anything else
  try {
    const std::vector<flowprior::FlowOnBox> members = flowprior::flow_members_from_json(doc, "fuzz.json");
    for (const auto& m : members) {
      const flowprior::MatrixXd centre = (0.5 * (m.box.lower() + m.box.upper())).transpose();
      (void)m.log_prob(centre);
    }
  } catch (const flowprior::Error&) {
  }
  return 0;
}
