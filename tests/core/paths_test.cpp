#include "kohort/core/paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kohort/core/atomic_file.h"

namespace kohort {
namespace {

namespace fs = std::filesystem;

class PathsTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kohort_paths_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    file_ = (dir_ / "input.csv").string();
    ASSERT_TRUE(write_file_atomic(file_, "a,b\n1,2\n").ok());
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::string file_;
};

TEST_F(PathsTest, RegularFilesPassAndEverythingElseIsRefusedWithoutOpening) {
  EXPECT_TRUE(check_regular_file(file_).ok());
  const fs::path fifo = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& p : {fifo.string(), std::string("/dev/zero"), dir_.string()}) {
    const Status s = check_regular_file(p);
    EXPECT_EQ(s.code(), Code::invalid_input) << p;
    EXPECT_NE(s.what().find("not a regular file"), std::string::npos) << s.what();
  }
  fs::create_symlink("/dev/zero", dir_ / "zero.csv");
  EXPECT_EQ(check_regular_file((dir_ / "zero.csv").string()).code(), Code::invalid_input);
  EXPECT_EQ(check_regular_file((dir_ / "absent.csv").string()).code(), Code::not_found);
}

TEST_F(PathsTest, AnOutputOverAnInputIsRefusedThroughAnyName) {
  const std::vector<std::string> inputs = {file_};
  EXPECT_EQ(check_not_an_input(file_, "--out", inputs).code(), Code::invalid_input);
  fs::create_symlink(file_, dir_ / "link.csv");
  fs::create_hard_link(file_, dir_ / "hard.csv");
  EXPECT_EQ(check_not_an_input((dir_ / "link.csv").string(), "--out", inputs).code(), Code::invalid_input);
  EXPECT_EQ(check_not_an_input((dir_ / "hard.csv").string(), "--out", inputs).code(), Code::invalid_input);
  EXPECT_EQ(check_not_an_input((dir_ / "." / "input.csv").string(), "--out", inputs).code(), Code::invalid_input);
  const Status s = check_not_an_input(file_, "--out", inputs);
  EXPECT_EQ(s.where(), "--out");
  EXPECT_NE(s.what().find("would write over"), std::string::npos);
  // Elsewhere, standard output and /dev/null are fine.
  EXPECT_TRUE(check_not_an_input((dir_ / "other.csv").string(), "--out", inputs).ok());
  EXPECT_TRUE(check_not_an_input("-", "--out", inputs).ok());
  EXPECT_TRUE(check_not_an_input("/dev/null", "--out", inputs).ok());
}

}  // namespace
}  // namespace kohort
