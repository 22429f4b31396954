// core/output_file.hpp (issue 19): outputs never replace what they should not.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "flowprior/core/error.hpp"
#include "flowprior/core/output_file.hpp"

using namespace flowprior;
namespace fs = std::filesystem;

namespace {

struct TempFolder {
  fs::path dir;
  TempFolder() {
    dir = fs::temp_directory_path() / ("flowprior_output_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempFolder() { fs::remove_all(dir); }
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
};

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 07777u;
}

std::size_t entries(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST(OutputFile, ReplacesAtomicallyAndKeepsTheMode) {
  TempFolder t;
  const std::string p = t / "a.txt";
  write_output_file(p, "one");
  ::chmod(p.c_str(), 0600);
  write_output_file(p, "two");
  EXPECT_EQ(read(p), "two");
  EXPECT_EQ(mode_of(p), 0600u);
  EXPECT_EQ(entries(t.dir), 1u);  // no temporary left
}

TEST(OutputFile, RefusesAReadOnlyFileAndLeavesItAlone) {
  TempFolder t;
  const std::string p = t / "ro.txt";
  write_output_file(p, "keep");
  ::chmod(p.c_str(), 0444);
  try {
    write_output_file(p, "lost");
    FAIL() << "a read-only file was replaced";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read(p), "keep");
  EXPECT_EQ(mode_of(p), 0444u);
  EXPECT_EQ(entries(t.dir), 1u);
}

TEST(OutputFile, FollowsSymlinksAndKeepsTheLink) {
  TempFolder t;
  write_output_file(t / "target.txt", "old");
  fs::create_symlink("target.txt", t / "link.txt");
  write_output_file(t / "link.txt", "new");
  EXPECT_TRUE(fs::is_symlink(t / "link.txt"));
  EXPECT_EQ(read(t / "target.txt"), "new");
}

TEST(OutputFile, WritesDevicesInPlaceWithTheOsReason) {
  write_output_file("/dev/null", "discarded");
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  try {
    write_output_file("/dev/full", "x");
    FAIL() << "/dev/full accepted a write";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
  }
  ASSERT_EQ(::stat("/dev/full", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_THROW(write_output_with("/dev/null", [](const std::string&) {}), Error);  // HDF5 needs a regular file
}

TEST(OutputFile, LongNamesGetShortTemporaries) {
  TempFolder t;
  const std::string name(250, 'n');
  write_output_file(t / name, "x");
  EXPECT_EQ(read(t / name), "x");
}

TEST(OutputFile, FailedWriterLeavesTheOldFileAndNoTemporary) {
  TempFolder t;
  const std::string p = t / "h.bin";
  write_output_file(p, "old");
  EXPECT_THROW(write_output_with(p, [](const std::string& temp) {
                 std::ofstream(temp) << "half";
                 throw Error("writer failed");
               }),
               Error);
  EXPECT_EQ(read(p), "old");
  EXPECT_EQ(entries(t.dir), 1u);
}

TEST(OutputFile, SameFileAsAnInputIsRefused) {
  TempFolder t;
  write_output_file(t / "in.csv", "x");
  fs::create_symlink("in.csv", t / "alias.csv");
  EXPECT_THROW(require_distinct_output("--out", t / "in.csv", {{"--samples", t / "in.csv"}}), Error);
  EXPECT_THROW(require_distinct_output("--out", t / "alias.csv", {{"--samples", t / "in.csv"}}), Error);
  EXPECT_THROW(require_distinct_output("--out", (t.dir / "." / "new.csv").string(), {{"--json", t / "new.csv"}}), Error);
  EXPECT_NO_THROW(require_distinct_output("--out", t / "other.csv", {{"--samples", t / "in.csv"}}));
  EXPECT_NO_THROW(require_distinct_output("--out", "/dev/null", {{"--json", "/dev/null"}}));
}
