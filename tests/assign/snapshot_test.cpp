#include "kohort/assign/snapshot.h"

#include "kohort/assign/life.h"

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

// The report's life: the fit and every day in order with their sizes, a held day marked, the
// monitor's verdicts with retrain reasons first, revenue per customer per run, and the
// migration between the fit and the last current day counted from the days' truth.
TEST_F(Snapshots, LifeHoldsEveryDayRunAndTheMigrationSinceTheFit) {
  store::AssignDayRequest held;
  held.version = 1;
  held.as_of = format_datetime(day(6));
  held.current = false;
  held.figures_json = R"({"assigned": 70, "alarm": true, "moved_share": 0.5, "raw_moved_share": 0.6})";
  for (std::int32_t seg = 0; seg < 4; ++seg) held.segments.push_back({seg, 30 + seg, 0, 0, 0.5});
  ASSERT_TRUE(store_->publish_day(held).ok());
  store::MonitorRunRequest run;
  run.version = 1;
  run.as_of = format_datetime(day(5));
  run.verdict = "retrain";
  run.figures_json = R"({"reasons": [{"level": "watch", "kind": "feature_drift", "text": "f moved"},
                                     {"level": "retrain", "kind": "sizes", "text": "segment 2 grew"}],
                         "kpis": [{"id": 2, "kpi": "revenue_per_customer", "window_days": 90, "value": 9.5},
                                  {"id": 2, "kpi": "revenue_per_customer", "window_days": 30, "value": 3.5},
                                  {"id": 1, "kpi": "lapsed_share", "window_days": 30, "value": 0.5}]})";
  ASSERT_TRUE(store_->record_monitor_run(run).ok());

  auto life = life_data(*store_);
  ASSERT_TRUE(life.ok()) << life.status().message();
  const auto& l = *life;
  ASSERT_EQ(l["segments"].size(), 4u);
  EXPECT_EQ(l["segments"][2]["name"], "segment 2");
  ASSERT_EQ(l["days"].size(), 7u);  // the fit, five days, the held day
  EXPECT_EQ(l["days"][0]["source"], "fit");
  EXPECT_EQ(l["days"][0]["sizes"], nlohmann::json({15, 15, 15, 15}));
  EXPECT_EQ(l["days"][3]["as_of"], "2024-02-03");
  EXPECT_EQ(l["days"][3]["sizes"], nlohmann::json({1, 1, 1, 1}));
  EXPECT_EQ(l["days"][6]["status"], "held");
  EXPECT_EQ(l["days"][6]["alarm"], true);
  EXPECT_EQ(l["days"][6]["raw_moved_share"], 0.6);
  EXPECT_EQ(l["days"][6]["sizes"], nlohmann::json({30, 31, 32, 33}));
  ASSERT_EQ(l["monitor"].size(), 1u);
  EXPECT_EQ(l["monitor"][0]["verdict"], "retrain");
  EXPECT_EQ(l["monitor"][0]["reasons"][0]["text"], "segment 2 grew");  // retrain first
  EXPECT_EQ(l["kpis"]["window_days"], 30);                             // the shortest window
  EXPECT_EQ(l["kpis"]["values"], nlohmann::json::parse("[[null, null, 3.5, null]]"));

  const auto& m = l["migration"];
  EXPECT_EQ(m["from"], "2024-01-31");
  EXPECT_EQ(m["to"], "2024-02-05");  // the held day is not where anyone is
  std::vector<std::vector<std::int64_t>> counts(4, std::vector<std::int64_t>(4, 0));
  std::vector<std::int64_t> arrived(4, 0), left(4, 0);
  for (const auto& [id, seg] : truth_[5]) {
    const auto was = truth_[0].find(id);
    if (was == truth_[0].end()) ++arrived[static_cast<std::size_t>(seg.first)];
    else ++counts[static_cast<std::size_t>(seg.first)][static_cast<std::size_t>(was->second.first)];
  }
  for (const auto& [id, seg] : truth_[0])
    if (!truth_[5].count(id)) ++left[static_cast<std::size_t>(seg.first)];
  EXPECT_EQ(m["ids"], nlohmann::json({0, 1, 2, 3}));
  EXPECT_EQ(m["counts"], nlohmann::json(counts));
  EXPECT_EQ(m["arrived"], nlohmann::json(arrived));
  EXPECT_EQ(m["left"], nlohmann::json(left));
}

TEST(Life, IsNullForAStoreWithoutDaysOrRuns) {
  const auto dir = fs::temp_directory_path() / ("kohort-life-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    auto st = store::Store::open((dir / "s.db").string());
    ASSERT_TRUE(st.ok());
    auto life = life_data(**st);
    ASSERT_TRUE(life.ok());
    EXPECT_TRUE(life->is_null());
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kohort::assign
