// A publish killed midway (SIGKILL, no chance to clean up) leaves the previous version latest
// and complete, on both backends.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "kohort/store/store.h"
#include "store/store_test_util.h"

namespace kohort::store {
namespace {

using testing::make_request;

class StoreCrashTest : public testing::StoreTest {};

// Large enough that publishing takes some hundred milliseconds on either backend.
constexpr std::int64_t kBigVersion = 150000;

TEST_P(StoreCrashTest, KilledPublishLeavesThePreviousVersionLatestAndComplete) {
  const PublishRequest first = make_request(20000, 4, "2024-01-31");
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    ASSERT_EQ(*store->publish(first), 1);
  }
  auto expected = [&] {
    auto store = open_store();
    return *store->assignments(1);
  }();
  ASSERT_EQ(expected.size(), 20000u);

  // Round 0 publishes without interruption and times the publish; rounds 1–3 kill the child
  // at a quarter, a half and three quarters of that time, inside the database writes.
  double publish_ms = 0;
  int killed_before_commit = 0;
  std::int64_t latest_seen = 1;
  for (int round = 0; round < 4; ++round) {
    int to_parent[2];
    ASSERT_EQ(::pipe(to_parent), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(to_parent[0]);
      // The child builds its request first, then says "starting" and publishes; "done"
      // follows only once publish() has returned.
      const PublishRequest big = make_request(kBigVersion, 6, "2024-02-29", round + 1, round);
      auto store = Store::open(backend_->location());
      if (!store.ok()) ::_exit(2);
      if (::write(to_parent[1], "S", 1) != 1) ::_exit(3);
      auto v = (*store)->publish(big);
      if (!v.ok()) ::_exit(4);
      if (::write(to_parent[1], "D", 1) != 1) ::_exit(5);
      ::_exit(0);
    }
    ::close(to_parent[1]);
    char c = 0;
    ASSERT_EQ(::read(to_parent[0], &c, 1), 1) << "the child did not start publishing";
    ASSERT_EQ(c, 'S');
    const auto started = std::chrono::steady_clock::now();
    bool finished = false;
    if (round == 0) {
      finished = ::read(to_parent[0], &c, 1) == 1 && c == 'D';
      ASSERT_TRUE(finished) << "the uninterrupted publish failed";
      publish_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                             started)
                       .count();
    } else {
      std::this_thread::sleep_for(
          std::chrono::duration<double, std::milli>(publish_ms * round / 4.0));
      ::kill(pid, SIGKILL);
    }
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    if (round > 0) finished = ::read(to_parent[0], &c, 1) == 1 && c == 'D';
    ::close(to_parent[0]);

    auto store = open_store();
    ASSERT_NE(store, nullptr) << "the store does not open after a killed publish";
    auto latest = store->latest();
    ASSERT_TRUE(latest.ok()) << latest.status().message();
    ASSERT_TRUE(latest->has_value());
    const VersionInfo info = **latest;
    if (finished) {
      EXPECT_EQ(info.version, latest_seen + 1);
    }
    EXPECT_GE(info.version, latest_seen);
    EXPECT_LE(info.version, latest_seen + 1);
    if (round > 0 && info.version == latest_seen) ++killed_before_commit;
    latest_seen = info.version;

    // The latest version is complete, whichever it is, and nothing of a half-written version
    // is visible.
    auto assignments = store->assignments(info.version);
    ASSERT_TRUE(assignments.ok());
    EXPECT_EQ(static_cast<std::int64_t>(assignments->size()), info.customers);
    auto segments = store->segments(info.version);
    ASSERT_TRUE(segments.ok());
    EXPECT_EQ(static_cast<std::int32_t>(segments->size()), info.k);
    const std::string v = std::to_string(info.version);
    EXPECT_EQ(backend_->query_one("SELECT count(*) FROM assignment_history WHERE version > " + v),
              "0");
    EXPECT_EQ(backend_->query_one("SELECT count(*) FROM segments WHERE version > " + v), "0");
    EXPECT_EQ(backend_->query_one("SELECT count(*) FROM assignments WHERE version <> " + v), "0");
    EXPECT_EQ(backend_->query_one("SELECT count(*) FROM assignments"),
              std::to_string(info.customers));
    EXPECT_EQ(backend_->query_one("SELECT count(*) FROM runs"), v);

    auto first_again = store->assignments(1);
    ASSERT_TRUE(first_again.ok());
    ASSERT_EQ(first_again->size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      ASSERT_EQ((*first_again)[i].customer_id, expected[i].customer_id);
      ASSERT_EQ((*first_again)[i].segment, expected[i].segment);
      ASSERT_EQ((*first_again)[i].confidence, expected[i].confidence);
      ASSERT_EQ((*first_again)[i].since, expected[i].since);
    }
  }
  // At least one kill must have landed inside a publish, or the test proved nothing.
  EXPECT_GE(killed_before_commit, 1) << "an uninterrupted publish took " << publish_ms << " ms";
  RecordProperty("publish_ms", static_cast<int>(publish_ms));
  RecordProperty("killed_before_commit", killed_before_commit);

  // The store keeps working: the next publish gets the next number.
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  auto v = store->publish(make_request(100, 2, "2024-03-31"));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(*v, latest_seen + 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreCrashTest, ::testing::Values("sqlite", "postgres"),
                         testing::param_name);

}  // namespace
}  // namespace kohort::store
