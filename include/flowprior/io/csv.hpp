#pragma once
// CSV tables with one header line, per RFC 4180: a field in double quotes may hold commas, line breaks and doubled
// quotes; a UTF-8 byte-order mark is skipped; blank lines and lines starting with '#' are skipped. Errors name the
// file, line and column.
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
// The same for text already in memory (`source` names it in errors).
Table parse_csv_table(const std::string& text, const std::string& source, bool allow_non_finite = false);
// A field as written: quoted (with doubled quotes) when it holds a comma, quote, line break, surrounding blanks,
// a leading '#', or is empty; otherwise unchanged.
std::string quote_csv_field(const std::string& text);
// Written through a temporary file and renamed, so a partial file never looks complete.
void write_csv_table(const std::string& path, const std::vector<std::string>& names, const MatrixXd& values);

// Samples: parameter columns plus the optional special columns `weight` and `log_density`.
Samples read_samples_csv(const std::string& path);
void write_samples_csv(const std::string& path, const Samples& samples);

// Whole-file writes of every writer: flowprior/core/output_file.hpp's write_output_file (atomic replacement of
// regular files with their mode kept, symlinks followed, devices written in place, read-only files refused).
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace flowprior
