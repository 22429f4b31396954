#pragma once
// Datasets of the built-in HotSpot-UPC model: which system (gamma+p or gamma+Pb) a data file belongs to and which
// model observable each of its rows is, matched by the file's name (the observable's `dataset`) and kinematics
// (|t| point `t`, or |t| bin `t_lo`/`t_hi`). Private to src/workflow/models/hotspot_*.cpp.
#include <string>
#include <vector>

#include "flowprior/models/hotspot_ish.hpp"

namespace flowprior {

struct HotspotDatasetMatch {
  HotspotSystem system = HotspotSystem::gamma_p;
  std::vector<std::string> observables;  // model observable per data row
};

// Error naming the data file and line of a row no observable matches.
HotspotDatasetMatch match_hotspot_dataset(const std::string& dataset_name, const std::string& data_file,
                                          const HotspotOptions& options);

// The options with the system set.
HotspotOptions hotspot_options_for(const HotspotOptions& options, HotspotSystem system);

}  // namespace flowprior
