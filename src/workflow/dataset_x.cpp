#include "workflow/dataset_x.hpp"

#include "flowprior/io/csv.hpp"

namespace flowprior::workflow_detail {

DatasetX dataset_x(const DatasetConfig& d, Index m) {
  DatasetX out;
  if (d.x_column.empty()) return out;
  const Table table = read_csv_table(d.data_file);
  const int j = table.column(d.x_column);
  if (j < 0)
    out.note = "x_column '" + d.x_column + "' is not a column of " + d.data_file;
  else if (table.values.rows() != m)
    out.note = "x_column '" + d.x_column + "' has " + std::to_string(table.values.rows()) + " rows, the dataset " +
               std::to_string(m) + " observables";
  else
    out.values = table.values.col(j);
  return out;
}

}  // namespace flowprior::workflow_detail
