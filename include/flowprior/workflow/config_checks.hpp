#pragma once
// The checks of an analysis configuration that need more than one key, run when the configuration is read, so a
// bad value of a late stage fails before the first expensive step (issue 19): sampler sizes, the hand-over's
// training settings, the data files' columns, the thread count (capped to the hardware threads with a warning).
#include "flowprior/workflow/analysis_config.hpp"

namespace flowprior {

// Error naming the configuration file, the line where known, and the key. Caps config.threads.
void check_analysis_config(AnalysisConfig& config);

}  // namespace flowprior
