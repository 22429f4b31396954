#pragma once
// Plain CSV tables with one header line. Errors name the file, line and column.
#include <string>
#include <vector>

#include "flowprior/core/samples.hpp"

namespace flowprior {

struct Table {
  std::vector<std::string> names;
  MatrixXd values;
  int column(const std::string& name) const;  // -1 if absent
};

// Numbers only; "nan"/"inf" are rejected with the line and column unless allow_non_finite.
Table read_csv_table(const std::string& path, bool allow_non_finite = false);
// Written through a temporary file and renamed, so a partial file never looks complete.
void write_csv_table(const std::string& path, const std::vector<std::string>& names, const MatrixXd& values);

// Samples: parameter columns plus the optional special columns `weight` and `log_density`.
Samples read_samples_csv(const std::string& path);
void write_samples_csv(const std::string& path, const Samples& samples);

// Atomic write helper shared by writers: write to path + ".tmp", fsync, rename.
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace flowprior
