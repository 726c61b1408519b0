#include "kohort/assign/snapshot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>

namespace kohort::assign {
namespace {

namespace fs = std::filesystem;
constexpr Seconds kDay = kSecondsPerDay;

std::string id_of(int i) {
  char id[16];
  std::snprintf(id, sizeof id, "c%04d", i);
  return id;
}

// A store with a fit of 60 customers over 4 segments as of day 0 (2024-01-31) and days 1..5 in
// which customers move, leave and arrive at random; `truth[d]` is every customer's segment and
// since after day d, as published.
class Snapshots : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kohort-snapshot-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto st = store::Store::open((dir_ / "s.db").string());
    ASSERT_TRUE(st.ok());
    store_ = std::move(*st);
    store::PublishRequest r;
    r.model_json = "{}";
    r.as_of = format_datetime(day(0));
    r.kohort_version = "0.1.0";
    r.algorithm = "kmeans";
    r.k = 4;
    std::map<std::string, std::pair<std::int32_t, Seconds>> now;
    for (int i = 0; i < 60; ++i) {
      r.assignments.push_back({id_of(i), i % 4, 0.5f, ""});
      now[id_of(i)] = {i % 4, day(0)};
    }
    for (std::int32_t s = 0; s < 4; ++s) r.segments.push_back({s, "segment " + std::to_string(s), 15, 0.25, "{}"});
    ASSERT_EQ(*store_->publish(r), 1);
    truth_.push_back(now);
    std::mt19937 rng(3);
    int next = 60;
    for (int d = 1; d <= 5; ++d) {
      store::AssignDayRequest q;
      q.version = 1;
      q.as_of = format_datetime(day(d));
      auto after = now;
      for (auto& [id, seg] : now) {
        const unsigned roll = rng() % 10;
        if (roll == 0) {
          after.erase(id);
          q.transitions.push_back({id, seg.first, std::nullopt, "", "left"});
        } else if (roll <= 2) {
          const auto to = static_cast<std::int32_t>((seg.first + 1 + static_cast<int>(rng() % 3)) % 4);
          after[id] = {to, day(d)};
          q.transitions.push_back({id, seg.first, to, "", "moved"});
        } else if (roll == 3) {
          q.transitions.push_back({id, seg.first, (seg.first + 1) % 4, "", "held"});
        }
      }
      for (int k = 0; k < 3; ++k, ++next) {
        const auto to = static_cast<std::int32_t>(rng() % 4);
        after[id_of(next)] = {to, day(d)};
        q.transitions.push_back({id_of(next), std::nullopt, to, "", "new"});
      }
      for (const auto& [id, seg] : after) q.customers.push_back({id, seg.first, seg.first, 0.75f, seg.second, {}});
      for (std::int32_t s = 0; s < 4; ++s) q.segments.push_back({s, 1, 0, 0, 0.5});
      ASSERT_TRUE(store_->publish_day(q).ok());
      now = after;
      truth_.push_back(now);
    }
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static Seconds day(int d) { return (19753 + d) * kDay; }  // 2024-01-31 + d

  void expect_day(const Snapshot& s, int d) {
    const auto& want = truth_[static_cast<std::size_t>(d)];
    ASSERT_EQ(s.rows.size(), want.size()) << "day " << d;
    for (const auto& r : s.rows) {
      const auto it = want.find(r.customer_id);
      ASSERT_NE(it, want.end()) << r.customer_id;
      EXPECT_EQ(r.segment, it->second.first) << r.customer_id << " day " << d;
      EXPECT_EQ(r.since, it->second.second) << r.customer_id << " day " << d;
    }
    EXPECT_TRUE(std::is_sorted(s.rows.begin(), s.rows.end(),
                               [](const SnapshotRow& a, const SnapshotRow& b) { return a.customer_id < b.customer_id; }));
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::vector<std::map<std::string, std::pair<std::int32_t, Seconds>>> truth_;
};

TEST_F(Snapshots, EveryPastDayIsRebuiltFromTheTransitions) {
  for (int d = 1; d <= 3; ++d) {  // days 4 and 5 keep their standing; these are rebuilt
    auto s = snapshot(*store_, day(d) + 3600);
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_EQ(s->source, "transitions");
    EXPECT_EQ(s->as_of, day(d));
    expect_day(*s, d);
    for (const auto& r : s->rows) EXPECT_FALSE(r.confidence.has_value());
  }
  for (int d = 4; d <= 5; ++d) {
    auto s = snapshot(*store_, day(d));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->source, "standing");
    expect_day(*s, d);
  }
  auto fit = snapshot(*store_, day(0));
  ASSERT_TRUE(fit.ok());
  EXPECT_EQ(fit->source, "fit");
  expect_day(*fit, 0);
  EXPECT_EQ(snapshot(*store_, day(-1)).status().code(), Code::not_found);
}

TEST_F(Snapshots, ALaterFitIsCurrentFromItsOwnDate) {
  store::PublishRequest r;
  r.model_json = "{}";
  r.as_of = format_datetime(day(5) + 12 * 3600);
  r.kohort_version = "0.1.0";
  r.algorithm = "kmeans";
  r.k = 1;
  r.assignments.push_back({"only", 0, 1.0f, ""});
  r.segments.push_back({0, "all", 1, 1.0, "{}"});
  ASSERT_EQ(*store_->publish(r), 2);
  auto s = snapshot(*store_, day(6));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->source, "fit");
  EXPECT_EQ(s->version, 2);
  ASSERT_EQ(s->rows.size(), 1u);
  auto before = snapshot(*store_, day(5) + 3600);
  ASSERT_TRUE(before.ok());
  expect_day(*before, 5);
}

}  // namespace
}  // namespace kohort::assign
