#include "kohort/core/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace kohort {
namespace {

TEST(AtomicFile, WritesReplacesAndLeavesNoTemporary) {
  const auto dir = std::filesystem::temp_directory_path() / "kohort_atomic_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "out.txt").string();
  ASSERT_TRUE(write_file_atomic(path, "first").ok());
  ASSERT_TRUE(write_file_atomic(path, "second").ok());
  std::string got;
  ASSERT_TRUE(read_file(path, got).ok());
  EXPECT_EQ(got, "second");
  EXPECT_FALSE(std::filesystem::exists(dir / ".out.txt.kohort.tmp"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  std::filesystem::remove_all(dir);
}

TEST(AtomicFile, WritesToDevNullDirectly) {
  EXPECT_TRUE(write_file_atomic("/dev/null", "x").ok());
}

TEST(AtomicFile, MissingFolderIsIoErrorNamingPath) {
  const Status s = write_file_atomic("/nonexistent-dir/x.csv", "x");
  EXPECT_EQ(s.code(), Code::io_error);
  EXPECT_EQ(s.where(), "/nonexistent-dir/x.csv");
  const Status r = [] { std::string o; return read_file("/nonexistent-file", o); }();
  EXPECT_EQ(r.code(), Code::not_found);
}

}  // namespace
}  // namespace kohort
