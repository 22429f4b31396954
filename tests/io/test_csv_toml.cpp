#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "flowprior/core/error.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/io/params_toml.hpp"

using namespace flowprior;
namespace fs = std::filesystem;

namespace {
std::string write_temp(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / ("flowprior_test_" + name);
  std::ofstream(p) << text;
  return p.string();
}
}  // namespace

TEST(Csv, SamplesRoundTripExactlyWithSpecialColumns) {
  Samples s;
  s.names = {"a", "b"};
  s.values.resize(3, 2);
  s.values << 0.1, 1.0 / 3.0, -2.5e-300, 7, 1e10, -0.0;
  s.weights = VectorXd::Constant(3, 0.5);
  s.log_density.resize(3);
  s.log_density << -1.25, -INFINITY, 3.0;
  const std::string path = (fs::temp_directory_path() / "flowprior_rt.csv").string();
  write_samples_csv(path, s);
  Samples r = read_samples_csv(path);
  EXPECT_EQ(r.names, s.names);
  EXPECT_EQ(r.values, s.values);
  EXPECT_EQ(r.weights, s.weights);
  EXPECT_EQ(r.log_density[1], -INFINITY);
  EXPECT_EQ(r.log_density[0], -1.25);
}

TEST(Csv, NanNamesLineAndColumn) {
  const auto p = write_temp("nan.csv", "a,b\n1,2\n3,nan\n");
  try {
    read_samples_csv(p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.context().line, 3);
    EXPECT_EQ(e.context().parameter, "b");
  }
}

TEST(Csv, WrongFieldCountNamesLine) {
  const auto p = write_temp("short.csv", "a,b\n1,2\n3\n");
  try {
    read_csv_table(p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.context().line, 3);
  }
}

TEST(Csv, MissingColumnIsNamed) {
  const auto p = write_temp("cols.csv", "a,b\n1,2\n");
  Samples s = read_samples_csv(p);
  try {
    s.with_columns({"a", "c"}, p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.context().parameter, "c");
  }
}

TEST(Toml, BoxKeepsFileOrderAndRejectsBadBounds) {
  Box box = parse_box_toml("[parameters]\nzeta = [0, 1]\nalpha = [-2, 3.5]\nmid = [1e-3, 2e-3]\n", "p.toml");
  ASSERT_EQ(box.dim(), 3);
  EXPECT_EQ(box.names()[0], "zeta");
  EXPECT_EQ(box.names()[1], "alpha");
  EXPECT_DOUBLE_EQ(box.upper()[1], 3.5);
  Box again = parse_box_toml(box_to_toml(box), "again.toml");
  EXPECT_EQ(again.names(), box.names());
  EXPECT_EQ(again.lower(), box.lower());
  try {
    parse_box_toml("[parameters]\na = [0, 1]\nb = [2, 1]\n", "bad.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.context().line, 3);
    EXPECT_EQ(e.context().parameter, "b");
  }
  EXPECT_THROW(parse_box_toml("[parameters]\na = [0]\n", "bad.toml"), Error);
  EXPECT_THROW(parse_box_toml("[parametrs]\na = [0, 1]\n", "bad.toml"), Error);
}

// RFC 4180 (issue 19): quoted fields with commas, quotes and line breaks; a UTF-8 BOM; names that need quotes are
// written quoted and read back.
TEST(Csv, Rfc4180QuotedFieldsAndBom) {
  const Table t = parse_csv_table("\xEF\xBB\xBF\"a,b\",\"q\"\"x\",\" c \"\n1,2,3\n\"4\",5 , 6\n", "t.csv");
  ASSERT_EQ(t.names.size(), 3u);
  EXPECT_EQ(t.names[0], "a,b");
  EXPECT_EQ(t.names[1], "q\"x");
  EXPECT_EQ(t.names[2], " c ");
  ASSERT_EQ(t.values.rows(), 2);
  EXPECT_EQ(t.values(1, 0), 4.0);
  EXPECT_EQ(t.values(1, 2), 6.0);
  // "0,5" is one field (not a number), never two.
  try {
    parse_csv_table("x,y\n\"0,5\",1\n", "d.csv");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a number: '0,5'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_csv_table("x\n\"1\n", "open.csv"), Error);           // never closed
  EXPECT_THROW(parse_csv_table("\xFF\xFEx\n", "utf16.csv"), Error);       // UTF-16
  EXPECT_THROW(parse_csv_table("x,y\n\"1\"2,3\n", "after.csv"), Error);   // text after the closing quote
}

TEST(Csv, NamesThatNeedQuotesRoundTrip) {
  Samples s;
  // A first name starting with the bytes of a UTF-8 BOM (found by fuzz_csv): quoted, or the reader strips them.
  s.names = {"\xEF\xBB\xBF" "bom", "a,b", "q\"x", "#h", "plain"};
  s.values = MatrixXd::Constant(2, 5, 0.5);
  const std::string path = (fs::temp_directory_path() / "flowprior_quoted_names.csv").string();
  write_samples_csv(path, s);
  const Samples back = read_samples_csv(path);
  EXPECT_EQ(back.names, s.names);
  EXPECT_EQ(back.values, s.values);
  EXPECT_EQ(quote_csv_field("plain"), "plain");
  EXPECT_EQ(quote_csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(quote_csv_field("q\"x"), "\"q\"\"x\"");
  fs::remove(path);
}
