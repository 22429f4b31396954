// libFuzzer target: the CSV reader (RFC 4180 quoting, BOM, comments) and the samples checks on its table.
// Any input must give a Table or a flowprior::Error, never a crash (issue 19). Build: fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "flowprior/core/error.hpp"
#include "flowprior/io/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const flowprior::Table t = flowprior::parse_csv_table(text, "fuzz.csv", /*allow_non_finite=*/true);
    // Round trip: what we write, we read back with the same names.
    std::string header;
    for (std::size_t j = 0; j < t.names.size(); ++j) header += (j ? "," : "") + flowprior::quote_csv_field(t.names[j]);
    const flowprior::Table back = flowprior::parse_csv_table(header + "\n", "fuzz-header.csv", true);
    if (back.names != t.names) __builtin_trap();
  } catch (const flowprior::Error&) {
  }
  return 0;
}
