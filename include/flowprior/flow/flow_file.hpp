#pragma once
// One versioned JSON document: {"format":"flowprior.flow","version":1, architecture, hyper-parameters, parameter
// names, bounds, box map, standardisation, weights (exact: doubles written so they round-trip), training summary}.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flowprior/flow/flow_on_box.hpp"

namespace flowprior {

inline constexpr const char* kFlowFileFormat = "flowprior.flow";
inline constexpr int kFlowFileVersion = 1;

void save_flow_file(const std::string& path, const FlowOnBox& flow);
FlowOnBox load_flow_file(const std::string& path);  // Error naming the file and key: corrupt/truncated JSON,
                                                     // other format or version, wrong shapes
nlohmann::json flow_to_json(const FlowOnBox& flow);
FlowOnBox flow_from_json(const nlohmann::json& doc, const std::string& source);
// Error unless the file's parameter names equal `names` (order included); says which names differ.
void check_flow_names(const FlowOnBox& flow, const std::vector<std::string>& names, const std::string& source);

}  // namespace flowprior
