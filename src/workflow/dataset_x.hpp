#pragma once
// The kinematic variable (x_column of the data file) of a dataset's data rows, for the posterior predictive's plots
// and the emulator-to-data error ratio's data-point names: one reader instead of a copy in each.
#include <string>

#include "flowprior/core/types.hpp"
#include "flowprior/workflow/analysis_config.hpp"

namespace flowprior::workflow_detail {

struct DatasetX {
  VectorXd values;   // one per data row; empty when not available
  std::string note;  // why not, when the dataset names an x_column that cannot be used
};

// x_column of d's data file for its m data rows. Empty without an x_column (no note), or with a note when it is not
// a column of the file or the file has another number of rows.
DatasetX dataset_x(const DatasetConfig& d, Index m);

}  // namespace flowprior::workflow_detail
