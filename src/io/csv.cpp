#include "flowprior/io/csv.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "flowprior/core/error.hpp"
#include "flowprior/core/output_file.hpp"

namespace flowprior {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string trim_blanks(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_blank(s[b])) ++b;
  while (e > b && is_blank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// One record of an RFC 4180 file: fields separated by commas; a field in double quotes may hold commas, line breaks
// and doubled quotes (""). Unquoted fields are trimmed of blanks (spaces, tabs, the \r of CRLF files).
struct Record {
  std::vector<std::string> fields;
  long line = 0;  // line where the record starts
};

class CsvParser {
 public:
  CsvParser(const std::string& text, const std::string& source) : text_(text), source_(source) {
    // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first column's name.
    if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
    else if (text_.compare(0, 2, "\xFF\xFE") == 0 || text_.compare(0, 2, "\xFE\xFF") == 0)
      throw Error(ErrorContext{.file = source_, .line = 1}, "the file is UTF-16 encoded; save it as UTF-8 (or ASCII)");
  }

  // The next record that is neither blank nor a comment (a line whose first non-blank character is '#').
  bool next(Record& r) {
    for (;;) {
      if (pos_ >= text_.size()) return false;
      std::size_t p = pos_;
      while (p < text_.size() && is_blank(text_[p])) ++p;
      if (p >= text_.size() || text_[p] == '\n' || text_[p] == '#') {
        skip_line();
        continue;
      }
      parse_record(r);
      return true;
    }
  }

 private:
  void skip_line() {
    const std::size_t nl = text_.find('\n', pos_);
    pos_ = nl == std::string::npos ? text_.size() : nl + 1;
    ++line_;
  }

  void parse_record(Record& r) {
    r.fields.clear();
    r.line = line_;
    for (;;) {
      std::size_t p = pos_;
      while (p < text_.size() && is_blank(text_[p])) ++p;
      std::string field;
      if (p < text_.size() && text_[p] == '"') {
        const long opened = line_;
        ++p;
        for (;;) {
          if (p >= text_.size())
            throw Error(ErrorContext{.file = source_, .line = opened}, "a quoted field is never closed (missing \")");
          const char c = text_[p++];
          if (c == '"') {
            if (p < text_.size() && text_[p] == '"') {
              field += '"';
              ++p;
              continue;
            }
            break;
          }
          if (c == '\n') ++line_;
          field += c;
        }
        while (p < text_.size() && is_blank(text_[p])) ++p;
        if (p < text_.size() && text_[p] != ',' && text_[p] != '\n')
          throw Error(ErrorContext{.file = source_, .line = line_},
                      "text after the closing quote of a field (a quote inside a quoted field is written \"\")");
      } else {
        const std::size_t b = p;
        while (p < text_.size() && text_[p] != ',' && text_[p] != '\n') ++p;
        field = trim_blanks(text_.substr(b, p - b));
      }
      r.fields.push_back(std::move(field));
      if (p < text_.size() && text_[p] == ',') {
        pos_ = p + 1;
        continue;
      }
      pos_ = p < text_.size() ? p + 1 : p;  // past the line break
      ++line_;
      return;
    }
  }

  const std::string& text_;
  std::string source_;
  std::size_t pos_ = 0;
  long line_ = 1;
};

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  if (is_blank(s.front()) || is_blank(s.back()) || s.front() == '#') return true;
  if (s.compare(0, 3, "\xEF\xBB\xBF") == 0) return true;  // as the first name it would read as a byte-order mark
  return s.find_first_of(",\"\n\r") != std::string::npos;
}

std::string format_double(double v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip representation
  return std::string(buf, res.ptr);
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorContext{.file = path}, "cannot open file: " + os_reason(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(ErrorContext{.file = path}, "cannot read file: " + os_reason(errno));
  return ss.str();
}

}  // namespace

std::string quote_csv_field(const std::string& text) {
  if (!needs_quotes(text)) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

int Table::column(const std::string& name) const {
  for (std::size_t j = 0; j < names.size(); ++j)
    if (names[j] == name) return static_cast<int>(j);
  return -1;
}

Table read_csv_table(const std::string& path, bool allow_non_finite) {
  return parse_csv_table(read_whole_file(path), path, allow_non_finite);
}

Table parse_csv_table(const std::string& text, const std::string& path, bool allow_non_finite) {
  CsvParser parser(text, path);
  Record header;
  if (!parser.next(header)) throw Error(ErrorContext{.file = path}, "file is empty (expected a header line)");
  Table t;
  t.names = header.fields;
  std::set<std::string> seen;
  for (const auto& n : t.names) {
    if (n.empty()) throw Error(ErrorContext{.file = path, .line = header.line}, "empty column name in header");
    if (!seen.insert(n).second) throw Error(ErrorContext{.file = path, .line = header.line, .parameter = n},
                                            "column named twice in header");
  }
  const std::size_t ncol = t.names.size();
  std::vector<double> data;
  Index nrow = 0;
  Record rec;
  while (parser.next(rec)) {
    const long line_no = rec.line;
    const auto& fields = rec.fields;
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
  write_output_file(path, contents);
}

void write_csv_table(const std::string& path, const std::vector<std::string>& names, const MatrixXd& values) {
  if (static_cast<Index>(names.size()) != values.cols())
    throw Error(ErrorContext{.file = path}, "column names and values disagree in width");
  std::string s;
  for (std::size_t j = 0; j < names.size(); ++j) s += (j ? "," : "") + quote_csv_field(names[j]);
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
