#pragma once
// One versioned JSON document: {"format":"flowprior.flow","version":2, architecture, hyper-parameters, parameter
// names, bounds, box map, standardisation, weights (exact: doubles written so they round-trip), training summary}.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flowprior/flow/flow_on_box.hpp"

namespace flowprior {

inline constexpr const char* kFlowFileFormat = "flowprior.flow";
// Version 2 (issue 21): "nsf" is the autoregressive spline flow; version 1 files are still read, their "nsf" (the
// coupling spline flow of that time) as "nsf-coupling".
inline constexpr int kFlowFileVersion = 2;
// An ensemble of flows on one box (the prior is their equal-weight mixture, density/flow_prior.hpp):
// {"format":"flowprior.flow_ensemble","version":1,"members":[flow documents]}. One member is written as a plain flow.
inline constexpr const char* kFlowEnsembleFormat = "flowprior.flow_ensemble";
inline constexpr int kFlowEnsembleVersion = 1;

void save_flow_file(const std::string& path, const FlowOnBox& flow);
FlowOnBox load_flow_file(const std::string& path);  // Error naming the file and key: corrupt/truncated JSON,
                                                     // other format or version, wrong shapes
nlohmann::json flow_to_json(const FlowOnBox& flow);
FlowOnBox flow_from_json(const nlohmann::json& doc, const std::string& source);
// Both formats: a flow file gives one member. Error naming the file (and member) as load_flow_file, or when the
// members' boxes differ.
std::vector<FlowOnBox> load_flow_members_file(const std::string& path);
void save_flow_members_file(const std::string& path, const std::vector<FlowOnBox>& members);
nlohmann::json flow_members_to_json(const std::vector<FlowOnBox>& members);
std::vector<FlowOnBox> flow_members_from_json(const nlohmann::json& doc, const std::string& source);
// Error unless the file's parameter names equal `names` (order included); says which names differ.
void check_flow_names(const FlowOnBox& flow, const std::vector<std::string>& names, const std::string& source);

}  // namespace flowprior
