#include "flowprior/io/csv.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "flowprior/core/error.hpp"

namespace flowprior {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\"");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\"");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) out.push_back(trim(field));
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

std::string format_double(double v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip representation
  return std::string(buf, res.ptr);
}

}  // namespace

int Table::column(const std::string& name) const {
  for (std::size_t j = 0; j < names.size(); ++j)
    if (names[j] == name) return static_cast<int>(j);
  return -1;
}

Table read_csv_table(const std::string& path, bool allow_non_finite) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorContext{.file = path}, "cannot open file");
  std::string line;
  long line_no = 0;
  Table t;
  // header: first non-empty, non-comment line
  while (std::getline(in, line)) {
    ++line_no;
    if (!trim(line).empty() && trim(line)[0] != '#') break;
  }
  if (trim(line).empty()) throw Error(ErrorContext{.file = path}, "file is empty (expected a header line)");
  t.names = split(line);
  std::set<std::string> seen;
  for (const auto& n : t.names) {
    if (n.empty()) throw Error(ErrorContext{.file = path, .line = line_no}, "empty column name in header");
    if (!seen.insert(n).second) throw Error(ErrorContext{.file = path, .line = line_no, .parameter = n},
                                            "column named twice in header");
  }
  const std::size_t ncol = t.names.size();
  std::vector<double> data;
  Index nrow = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string tl = trim(line);
    if (tl.empty() || tl[0] == '#') continue;
    auto fields = split(line);
    if (fields.size() != ncol)
      throw Error(ErrorContext{.file = path, .line = line_no},
                  "expected " + std::to_string(ncol) + " fields, found " + std::to_string(fields.size()));
    for (std::size_t j = 0; j < ncol; ++j) {
      const std::string& f = fields[j];
      double v = 0;
      const char* b = f.data();
      const char* e = f.data() + f.size();
      auto res = std::from_chars(b, e, v);
      if (f.empty() || res.ec != std::errc() || res.ptr != e) {
        // from_chars rejects a leading '+'; accept it as strtod does
        char* end = nullptr;
        v = std::strtod(f.c_str(), &end);
        if (f.empty() || end != f.c_str() + f.size())
          throw Error(ErrorContext{.file = path, .line = line_no, .parameter = t.names[j]},
                      "not a number: '" + f + "'");
      }
      if (!allow_non_finite && !std::isfinite(v))
        throw Error(ErrorContext{.file = path, .line = line_no, .parameter = t.names[j]},
                    "value is " + f + " (NaN and infinity are not allowed here)");
      data.push_back(v);
    }
    ++nrow;
  }
  t.values.resize(nrow, static_cast<Index>(ncol));
  for (Index i = 0; i < nrow; ++i)
    for (std::size_t j = 0; j < ncol; ++j) t.values(i, static_cast<Index>(j)) = data[i * ncol + j];
  return t;
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(ErrorContext{.file = path}, "cannot open for writing");
    out << contents;
    out.flush();
    if (!out) throw Error(ErrorContext{.file = path}, "write failed");
  }
  int fd = ::open(tmp.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw Error(ErrorContext{.file = path}, "cannot rename temporary file into place");
}

void write_csv_table(const std::string& path, const std::vector<std::string>& names, const MatrixXd& values) {
  if (static_cast<Index>(names.size()) != values.cols())
    throw Error(ErrorContext{.file = path}, "column names and values disagree in width");
  std::string s;
  for (std::size_t j = 0; j < names.size(); ++j) s += (j ? "," : "") + names[j];
  s += '\n';
  for (Index i = 0; i < values.rows(); ++i) {
    for (Index j = 0; j < values.cols(); ++j) {
      if (j) s += ',';
      s += format_double(values(i, j));
    }
    s += '\n';
  }
  write_file_atomically(path, s);
}

Samples read_samples_csv(const std::string& path) {
  Table t = read_csv_table(path, /*allow_non_finite=*/true);
  Samples s;
  std::vector<Index> param_cols;
  for (std::size_t j = 0; j < t.names.size(); ++j) {
    const auto& n = t.names[j];
    const auto col = static_cast<Index>(j);
    // a data row of the file is line (row + 2) when there are no blank/comment lines
    auto check_finite = [&](bool allow_minus_inf) {
      for (Index i = 0; i < t.values.rows(); ++i) {
        const double v = t.values(i, col);
        if (std::isfinite(v) || (allow_minus_inf && v == -INFINITY)) continue;
        throw Error(ErrorContext{.file = path, .line = static_cast<long>(i) + 2, .parameter = n,
                                 .row = static_cast<long>(i)},
                    "value is " + std::to_string(v));
      }
    };
    if (n == "weight") {
      check_finite(false);
      s.weights = t.values.col(col);
    } else if (n == "log_density") {
      check_finite(true);
      s.log_density = t.values.col(col);
    } else {
      check_finite(false);
      param_cols.push_back(col);
      s.names.push_back(n);
    }
  }
  s.values.resize(t.values.rows(), static_cast<Index>(param_cols.size()));
  for (std::size_t k = 0; k < param_cols.size(); ++k) s.values.col(static_cast<Index>(k)) = t.values.col(param_cols[k]);
  s.validate(path);
  return s;
}

void write_samples_csv(const std::string& path, const Samples& samples) {
  std::vector<std::string> names = samples.names;
  MatrixXd all = samples.values;
  auto append = [&](const VectorXd& c, const char* name) {
    all.conservativeResize(Eigen::NoChange, all.cols() + 1);
    all.col(all.cols() - 1) = c;
    names.emplace_back(name);
  };
  if (samples.has_weights()) append(samples.weights, "weight");
  if (samples.has_log_density()) append(samples.log_density, "log_density");
  write_csv_table(path, names, all);
}

}  // namespace flowprior
