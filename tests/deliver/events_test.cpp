// segment_events(): the entries and exits a webhook receives, from the transitions of assignment
// days and from refits in between, in order and with stable ids.
#include "kohort/deliver/events.h"

#include "deliver/receiver.h"
#include "kohort/deliver/deliver.h"

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kohort::deliver {
namespace {

namespace fs = std::filesystem;

store::PublishRequest fit(const std::string& as_of, const std::vector<std::pair<std::string, std::int32_t>>& rows,
                          const std::string& name0, const std::string& name1) {
  store::PublishRequest r;
  r.model_json = "{}";
  r.as_of = as_of;
  r.kohort_version = "0.1.0";
  r.algorithm = "kmeans";
  r.k = 2;
  for (const auto& [id, s] : rows) r.assignments.push_back({id, s, 0.5f, ""});
  r.segments = {{0, name0, 1, 0.5, "{}"}, {1, name1, 1, 0.5, "{}"}};
  return r;
}

class SegmentEvents : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kohort-events-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto st = store::Store::open((dir_ / "s.db").string());
    ASSERT_TRUE(st.ok());
    store_ = std::move(*st);
    ASSERT_TRUE(store_->publish(fit("2024-01-31", {{"c0", 0}, {"c1", 1}, {"c2", 0}, {"c3", 1}}, "Loyal", "Lapsed")).ok());
    store::AssignDayRequest q;
    q.version = 1;
    q.as_of = "2024-02-01";
    q.transitions = {{"c0", 0, 1, "", "moved"}, {"c1", 1, std::nullopt, "", "left"}, {"c2", 0, 0, "", "held"},
                     {"c4", std::nullopt, 1, "", "new"}};
    q.customers = {{"c0", 1, 1, 0.5f, 0, {}}, {"c2", 0, 1, 0.5f, 0, {}}, {"c3", 1, 1, 0.5f, 0, {}}, {"c4", 1, 1, 0.5f, 0, {}}};
    ASSERT_TRUE(store_->publish_day(q).ok());
    ASSERT_TRUE(store_->publish(fit("2024-02-02", {{"c0", 1}, {"c2", 1}, {"c3", 0}, {"c4", 1}, {"c5", 0}}, "Loyal fans", "Lapsed"))
                    .ok());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  static Seconds at(const char* iso) { return *parse_iso8601(iso); }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(SegmentEvents, EveryEntryAndExitOfTheDaysAndRefitsInBetween) {
  auto events = segment_events(*store_, at("2024-01-31"), at("2024-02-02"));
  ASSERT_TRUE(events.ok()) << events.status().message();
  std::vector<std::string> seen;
  for (const Event& e : *events) {
    const auto j = nlohmann::json::parse(e.json);
    EXPECT_EQ(j["id"], e.id);
    EXPECT_EQ(j["customer_id"], e.customer_id);
    EXPECT_EQ(j["as_of"], e.as_of);
    seen.push_back(fmt::format("{} {} {} {} {} v{}", e.as_of.substr(0, 10), e.customer_id, j["type"].get<std::string>(),
                               j["segment"].get<int>(), j["reason"].get<std::string>(), j["model_version"].get<int>()));
  }
  const std::vector<std::string> want = {
      "2024-02-01 c0 segment.exited 0 moved v1",  "2024-02-01 c0 segment.entered 1 moved v1",
      "2024-02-01 c1 segment.exited 1 left v1",   "2024-02-01 c4 segment.entered 1 new v1",
      "2024-02-02 c2 segment.exited 0 refit v2",  "2024-02-02 c2 segment.entered 1 refit v2",
      "2024-02-02 c3 segment.exited 1 refit v2",  "2024-02-02 c3 segment.entered 0 refit v2",
      "2024-02-02 c5 segment.entered 0 refit v2"};
  EXPECT_EQ(seen, want);
  const auto first = nlohmann::json::parse((*events)[0].json);
  EXPECT_EQ(first["segment_name"], "Loyal");
  EXPECT_EQ(first["from_segment"], 0);
  EXPECT_EQ(first["to_segment"], 1);
  EXPECT_EQ(nlohmann::json::parse((*events)[2].json)["to_segment"], nullptr);
  EXPECT_EQ(nlohmann::json::parse((*events)[7].json)["segment_name"], "Loyal fans");
  EXPECT_EQ((*events)[1].id, event_id("segment.entered", "c0", 1, "2024-02-01T00:00:00Z"));
}

TEST_F(SegmentEvents, OnlyWhatCameAfterTheWatermark) {
  auto later = segment_events(*store_, at("2024-02-01"), at("2024-02-02"));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->size(), 5u);
  auto none = segment_events(*store_, at("2024-02-02"), at("2024-02-02"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // The same changes asked again give the same ids (a re-run or a redelivery).
  auto again = segment_events(*store_, at("2024-01-31"), at("2024-02-02"));
  auto once = segment_events(*store_, at("2024-01-31"), at("2024-02-02"));
  ASSERT_EQ(again->size(), once->size());
  for (std::size_t i = 0; i < once->size(); ++i) EXPECT_EQ((*again)[i].json, (*once)[i].json);
}

// A day delivered, then run again with other transitions: the re-run is sent whole, the receiver
// drops what it has by id and takes the new events; the dead-letter table stays empty.
TEST_F(SegmentEvents, ARerunDayIsSentAgainAndTheReceiverKeepsEachEventOnce) {
  testing::ReceiverOptions ro;
  ro.secret = "s";
  testing::Receiver receiver(ro);
  WebhookOptions o;
  o.url = receiver.url();
  o.secret = "s";
  o.backoff_s = 0.001;
  const Seconds day = at("2024-02-03");
  store::AssignDayRequest q;
  q.version = 2;
  q.as_of = "2024-02-03";
  q.transitions = {{"c0", 1, 0, "", "moved"}};
  q.customers = {{"c0", 0, 0, 0.5f, day, {}}, {"c2", 1, 1, 0.5f, 0, {}}, {"c3", 0, 0, 0.5f, 0, {}},
                 {"c4", 1, 1, 0.5f, 0, {}}, {"c5", 0, 0, 0.5f, 0, {}}};
  ASSERT_TRUE(store_->publish_day(q).ok());
  auto first = deliver_changes(Context(), *store_, o, day, day - 1);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->report.events, 2);  // c0 left 1 for 0
  q.transitions.push_back({"c2", 1, 0, "", "moved"});
  q.customers[1].segment = 0;
  ASSERT_TRUE(store_->publish_day(q).ok());  // the same day, run again
  auto again = deliver_changes(Context(), *store_, o, day, day - 1);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->report.events, 4);
  EXPECT_EQ(again->report.delivered, 4);
  EXPECT_EQ(receiver.duplicates(), 2);  // c0's two events, dropped by id
  EXPECT_EQ(receiver.taken().size(), 4u);
  EXPECT_EQ(again->dead_letters, 0);
  EXPECT_EQ(**store_->watermark(watermark_name(o.url)), "2024-02-03T00:00:00Z");
}

}  // namespace
}  // namespace kohort::deliver
