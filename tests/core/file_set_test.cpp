// An output set killed at any step of its protocol, or stopped by a full disk, leaves the
// previous set or the new one (after recovery), never a mixture; files Kohort did not write
// are never touched.
#include "kohort/core/file_set.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "kohort/core/atomic_file.h"

namespace kohort {
namespace {

namespace fs = std::filesystem;

class FileSetTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("kohort_file_set_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::vector<SetFile> set(const std::string& tag, std::size_t bytes = 1000) {
    return {{"assignments.csv", tag + std::string(bytes, 'a')},
            {"segments.json", tag + std::string(bytes / 2, 's')},
            {"model.json", tag + std::string(bytes / 3, 'm')}};
  }
  std::string read(const std::string& name) const {
    std::string out;
    EXPECT_TRUE(read_file((fs::path(dir_) / name).string(), out).ok()) << name;
    return out;
  }
  // Every file of the set begins with the same tag, the manifest verifies, and only the set's
  // files, the manifest and the user's own file are in the folder.
  std::string whole_set_tag() const {
    auto manifest = verify_file_set(dir_);
    EXPECT_TRUE(manifest.ok()) << manifest.status().message();
    const std::string tag = read("assignments.csv").substr(0, 3);
    EXPECT_EQ(read("segments.json").substr(0, 3), tag);
    EXPECT_EQ(read("model.json").substr(0, 3), tag);
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      EXPECT_TRUE(name == "assignments.csv" || name == "segments.json" || name == "model.json" ||
                  name == "manifest.json" || name == "mine.txt")
          << "left behind: " << name;
    }
    EXPECT_EQ(read("mine.txt"), "the user's own file");
    return tag;
  }

  std::string dir_;
};

TEST_F(FileSetTest, WritesTheFilesAndAManifestThatVerifies) {
  ASSERT_TRUE(write_file_atomic((fs::path(dir_) / "mine.txt").string(), "the user's own file").ok());
  FileSetOptions o;
  o.about = {{"version", 3}};
  ASSERT_TRUE(write_file_set(dir_, set("v1:"), o).ok());
  EXPECT_EQ(whole_set_tag(), "v1:");
  auto manifest = verify_file_set(dir_);
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ((*manifest)["set"]["version"], 3);
  EXPECT_EQ((*manifest)["files"].size(), 3u);
}

TEST_F(FileSetTest, AChangedFileNoLongerVerifies) {
  ASSERT_TRUE(write_file_set(dir_, set("v1:")).ok());
  ASSERT_TRUE(write_file_atomic((fs::path(dir_) / "model.json").string(), "v0:older").ok());
  const auto v = verify_file_set(dir_);
  EXPECT_EQ(v.status().code(), Code::corruption);
  EXPECT_NE(v.status().where().find("model.json"), std::string::npos);
}

TEST_F(FileSetTest, RefusesNamesOutsideTheFolder) {
  for (const char* bad : {"", ".", "..", "../x", "a/b", "manifest.json", ".kohort-set.x.tmp"}) {
    const Status s = write_file_set(dir_, {{bad, "x"}});
    EXPECT_EQ(s.code(), Code::invalid_argument) << bad;
  }
}

// The child writes set "v2:" over "v1:" and stops dead (_exit, as a SIGKILL would) after
// step `stop`; the parent then checks what a reader sees, recovers, and checks again.
TEST_F(FileSetTest, AKillAtEveryStepLeavesOneWholeSetAfterRecovery) {
  const int steps = 2 + 3 + 1;  // temporaries, commit, three renames, manifest
  for (int stop = 0; stop < steps; ++stop) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_TRUE(write_file_atomic((fs::path(dir_) / "mine.txt").string(), "the user's own file").ok());
    ASSERT_TRUE(write_file_set(dir_, set("v1:")).ok());
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      FileSetOptions o;
      o.after_step = [stop](int step) {
        if (step == stop) ::_exit(7);
      };
      (void)write_file_set(dir_, set("v2:", 5000), o);
      ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7) << "stop " << stop;
    // Before the commit the old set is whole as it stands; after it, the journal says so.
    const auto before = verify_file_set(dir_);
    if (stop == 0) EXPECT_TRUE(before.ok()) << "stop " << stop;
    else EXPECT_EQ(before.status().code(), Code::corruption) << "stop " << stop;
    ASSERT_TRUE(recover_file_set(dir_).ok()) << "stop " << stop;
    EXPECT_EQ(whole_set_tag(), stop == 0 ? "v1:" : "v2:") << "stop " << stop;
  }
}

TEST_F(FileSetTest, AFullDiskLeavesThePreviousSetAndNoTemporary) {
  ASSERT_TRUE(write_file_atomic((fs::path(dir_) / "mine.txt").string(), "the user's own file").ok());
  ASSERT_TRUE(write_file_set(dir_, set("v1:")).ok());
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // A file-size limit makes write() fail with EFBIG part way, as a full disk fails it.
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim {4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    const Status s = write_file_set(dir_, set("v2:", 100000));
    ::_exit(s.code() == Code::io_error ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the write did not fail with io_error";
  EXPECT_EQ(whole_set_tag(), "v1:");
}

}  // namespace
}  // namespace kohort
