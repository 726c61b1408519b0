// Assignment days on both backends: what publish_day() keeps, replaces and refuses, the
// standing of the two latest days, the run lock, and a killed day leaving the store as it was.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include <gtest/gtest.h>

#include "kohort/store/store.h"
#include "store/store_test_util.h"

namespace kohort::store {
namespace {

using testing::make_request;

class AssignDaysTest : public testing::StoreTest {
 protected:
  // Version 1 with `n` customers over 4 segments, published as of 2024-01-31.
  std::unique_ptr<Store> store_with_version(std::int64_t n = 50) {
    auto store = open_store();
    EXPECT_EQ(*store->publish(make_request(n, 4, "2024-01-31")), 1);
    return store;
  }
};

// A day of `n` customers "c000000"…, customer i in segment (i + shift) % 4, with a 3-vector.
AssignDayRequest day(const std::string& as_of, std::int64_t n, int shift = 0, bool current = true) {
  AssignDayRequest r;
  r.version = 1;
  r.as_of = as_of;
  r.current = current;
  r.figures_json = R"({"assigned":)" + std::to_string(n) + "}";
  r.command = "kohort assign data/ --as-of " + as_of;
  for (std::int32_t s = 0; s < 4; ++s) r.segments.push_back({s, n / 4, 1, 2, 0.5});
  if (!current) return r;
  char id[32];
  for (std::int64_t i = 0; i < n; ++i) {
    std::snprintf(id, sizeof id, "c%07lld", static_cast<long long>(i));
    const auto seg = static_cast<std::int32_t>((i + shift) % 4);
    r.customers.push_back({id, seg, (seg + 1) % 4, 0.25f, 1706659200 + 86400 * (i % 3),
                           {static_cast<float>(i), -1.5f, 1e-7f}});
    if (shift != 0) r.transitions.push_back({id, static_cast<std::int32_t>(i % 4), seg, "", "moved"});
  }
  return r;
}

TEST_P(AssignDaysTest, ADayIsKeptWithItsStandingTransitionsAndCounts) {
  auto store = store_with_version();
  ASSERT_TRUE(store->publish_day(day("2024-02-01", 40, 1)).ok());
  auto days = store->assign_days();
  ASSERT_TRUE(days.ok()) << days.status().message();
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ((*days)[0].as_of, "2024-02-01T00:00:00Z");
  EXPECT_EQ((*days)[0].status, "current");
  EXPECT_EQ((*days)[0].version, 1);
  EXPECT_EQ((*days)[0].figures_json, R"({"assigned":40})");
  ASSERT_EQ((*days)[0].segments.size(), 4u);
  EXPECT_EQ((*days)[0].segments[2].size, 10);
  EXPECT_EQ((*days)[0].segments[2].entered, 1);
  EXPECT_EQ((*days)[0].segments[2].exited, 2);

  auto standing = store->day_standing("2024-02-01");
  ASSERT_TRUE(standing.ok()) << standing.status().message();
  const auto expected = day("2024-02-01", 40, 1).customers;
  ASSERT_EQ(standing->size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*standing)[i].customer_id, expected[i].customer_id);
    EXPECT_EQ((*standing)[i].segment, expected[i].segment);
    EXPECT_EQ((*standing)[i].raw_segment, expected[i].raw_segment);
    EXPECT_EQ((*standing)[i].confidence, expected[i].confidence);
    EXPECT_EQ((*standing)[i].since, expected[i].since);
    EXPECT_EQ((*standing)[i].smoothed, expected[i].smoothed);  // bit for bit
  }
  auto moves = store->transitions("", "");
  ASSERT_TRUE(moves.ok()) << moves.status().message();
  ASSERT_EQ(moves->size(), 40u);
  EXPECT_EQ((*moves)[3].customer_id, "c0000003");
  EXPECT_EQ((*moves)[3].from, 3);
  EXPECT_EQ((*moves)[3].to, 0);
  EXPECT_EQ((*moves)[3].as_of, "2024-02-01T00:00:00Z");
  EXPECT_EQ((*moves)[3].reason, "moved");
}

TEST_P(AssignDaysTest, ARerunOfADayReplacesItAndAnEarlierDayIsRefused) {
  auto store = store_with_version();
  ASSERT_TRUE(store->publish_day(day("2024-02-01", 40, 1)).ok());
  ASSERT_TRUE(store->publish_day(day("2024-02-02", 30, 2)).ok());
  ASSERT_TRUE(store->publish_day(day("2024-02-02", 30, 2)).ok());
  EXPECT_EQ(store->assign_days()->size(), 2u);
  EXPECT_EQ(store->transitions("2024-02-02", "2024-02-02")->size(), 30u);
  EXPECT_EQ(store->day_standing("2024-02-02")->size(), 30u);

  const Status earlier = store->publish_day(day("2024-02-01", 10, 3));
  EXPECT_EQ(earlier.code(), Code::invalid_input);
  EXPECT_NE(earlier.what().find("before the current assignment"), std::string::npos) << earlier.what();
  EXPECT_EQ(store->transitions("2024-02-01", "2024-02-01")->size(), 40u);
  EXPECT_EQ(store->day_standing("2024-02-01")->size(), 40u);
}

TEST_P(AssignDaysTest, AHeldDayKeepsItsFiguresOnly) {
  auto store = store_with_version();
  ASSERT_TRUE(store->publish_day(day("2024-02-01", 40)).ok());
  ASSERT_TRUE(store->publish_day(day("2024-02-02", 40, 0, false)).ok());
  ASSERT_TRUE(store->publish_day(day("2024-02-02", 40, 0, false)).ok());
  auto days = store->assign_days();
  ASSERT_EQ(days->size(), 2u);
  EXPECT_EQ((*days)[1].status, "held");
  EXPECT_EQ(store->day_standing("2024-02-02").status().code(), Code::not_found);
  // A held day may not carry customers; an accepted re-run of it is a current day.
  AssignDayRequest bad = day("2024-02-02", 40, 0, true);
  bad.current = false;
  EXPECT_EQ(store->publish_day(bad).code(), Code::invalid_input);
  ASSERT_TRUE(store->publish_day(day("2024-02-02", 40)).ok());
  EXPECT_EQ(store->assign_days()->size(), 3u);
  EXPECT_EQ(store->day_standing("2024-02-02")->size(), 40u);
}

TEST_P(AssignDaysTest, TheStandingOfTheTwoLatestDaysIsKept) {
  auto store = store_with_version();
  for (const char* d : {"2024-02-01", "2024-02-02", "2024-02-03"}) ASSERT_TRUE(store->publish_day(day(d, 20, 1)).ok());
  EXPECT_EQ(store->day_standing("2024-02-01").status().code(), Code::not_found);
  EXPECT_EQ(store->day_standing("2024-02-02")->size(), 20u);
  EXPECT_EQ(store->day_standing("2024-02-03")->size(), 20u);
  EXPECT_EQ(store->transitions("", "")->size(), 60u);  // transitions are history: all kept
}

TEST_P(AssignDaysTest, BadRequestsLeaveTheStoreUntouched) {
  auto store = store_with_version();
  AssignDayRequest unknown_version = day("2024-02-01", 10);
  unknown_version.version = 9;
  AssignDayRequest bad_segment = day("2024-02-01", 10);
  bad_segment.customers[3].segment = 7;
  AssignDayRequest duplicate = day("2024-02-01", 10);
  duplicate.customers[4].customer_id = duplicate.customers[5].customer_id;
  AssignDayRequest bad_confidence = day("2024-02-01", 10);
  bad_confidence.customers[0].confidence = 1.5f;
  AssignDayRequest bad_date = day("yesterday", 10);
  AssignDayRequest bad_json = day("2024-02-01", 10);
  bad_json.figures_json = "{";
  for (const auto* r : {&unknown_version, &bad_segment, &duplicate, &bad_confidence, &bad_date, &bad_json}) {
    const Status s = store->publish_day(*r);
    EXPECT_EQ(s.code(), Code::invalid_input) << s.message();
  }
  EXPECT_TRUE(store->assign_days()->empty());
  EXPECT_TRUE(store->transitions("", "")->empty());
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM runs"), "1");
}

TEST_P(AssignDaysTest, TheRunLockIsExclusiveAndReleased) {
  auto a = open_store();
  auto b = open_store();
  auto first = a->lock_runs("kohort assign");
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto second = b->lock_runs("kohort assign");
  EXPECT_EQ(second.status().code(), Code::conflict);
  EXPECT_NE(second.status().what().find("another kohort assign is running"), std::string::npos);
  first->reset();
  EXPECT_TRUE(b->lock_runs("kohort assign").ok());
}

TEST_P(AssignDaysTest, AKilledDayLeavesTheStoreAsItWas) {
  {
    auto store = store_with_version(1000);
    ASSERT_TRUE(store->publish_day(day("2024-02-01", 1000)).ok());
  }
  // Round 0 times an uninterrupted day; later rounds kill the child within it.
  double day_ms = 0;
  int killed = 0;
  for (int round = 0; round < 4; ++round) {
    int pipe_fd[2];
    ASSERT_EQ(::pipe(pipe_fd), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(pipe_fd[0]);
      const AssignDayRequest big = day("2024-02-0" + std::to_string(2 + round), 100000, round + 1);
      auto store = Store::open(backend_->location());
      if (!store.ok() || ::write(pipe_fd[1], "S", 1) != 1) ::_exit(2);
      if (!(*store)->publish_day(big).ok()) ::_exit(3);
      if (::write(pipe_fd[1], "D", 1) != 1) ::_exit(4);
      ::_exit(0);
    }
    ::close(pipe_fd[1]);
    char c = 0;
    ASSERT_EQ(::read(pipe_fd[0], &c, 1), 1);
    const auto started = std::chrono::steady_clock::now();
    if (round == 0) {
      ASSERT_EQ(::read(pipe_fd[0], &c, 1), 1);
      day_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    } else {
      std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(day_ms * round / 4.0));
      ::kill(pid, SIGKILL);
    }
    int ws = 0;
    ASSERT_EQ(::waitpid(pid, &ws, 0), pid);
    const bool done = round == 0 || (::read(pipe_fd[0], &c, 1) == 1 && c == 'D');
    ::close(pipe_fd[0]);
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    auto days = store->assign_days();
    ASSERT_TRUE(days.ok());
    const std::string latest = days->back().as_of;
    // Whichever day is latest is whole: its standing and transitions are all there.
    const auto expected = latest == "2024-02-01T00:00:00Z" ? 1000u : 100000u;
    EXPECT_EQ(store->day_standing(latest)->size(), expected);
    if (latest != "2024-02-01T00:00:00Z") {
      EXPECT_EQ(store->transitions(latest, latest)->size(), 100000u);
    }
    if (!done && latest < "2024-02-0" + std::to_string(2 + round)) ++killed;
    EXPECT_EQ(backend_->query_one("SELECT count(*) FROM assign_days"), std::to_string(days->size()));
  }
  EXPECT_GE(killed, 1) << "an uninterrupted day took " << day_ms << " ms";
}

TEST_P(AssignDaysTest, APinHoldsUntilUnpinnedAndOnlyForAVersionThatExists) {
  auto store = store_with_version();
  EXPECT_FALSE(store->pinned_version()->has_value());
  EXPECT_EQ(store->pin_version(7).code(), Code::not_found);
  ASSERT_TRUE(store->publish(make_request(10, 4, "2024-02-29")).ok());
  ASSERT_TRUE(store->pin_version(1).ok());
  EXPECT_EQ(*store->pinned_version(), std::optional<std::int64_t>(1));
  ASSERT_TRUE(store->pin_version(2).ok());
  EXPECT_EQ(*open_store()->pinned_version(), std::optional<std::int64_t>(2));
  ASSERT_TRUE(store->pin_version(std::nullopt).ok());
  EXPECT_FALSE(store->pinned_version()->has_value());
}

TEST_P(AssignDaysTest, ASegmentsNameIsKeptByIdAndShownInTheLatestVersion) {
  auto store = store_with_version();
  ASSERT_TRUE(store->label_segment(2, "Weekend gift buyers").ok());
  ASSERT_TRUE(store->label_segment(2, "Weekend gifts").ok());
  const auto labels = store->segment_labels();
  ASSERT_TRUE(labels.ok());
  ASSERT_EQ(labels->size(), 1u);
  EXPECT_EQ((*labels)[0], (std::pair<std::int32_t, std::string>{2, "Weekend gifts"}));
  EXPECT_EQ((*store->segments(1))[2].name, "Weekend gifts");
  EXPECT_EQ(store->label_segment(9, "x").code(), Code::not_found);
  EXPECT_EQ(store->label_segment(1, "").code(), Code::invalid_input);
  EXPECT_EQ(store->label_segment(1, std::string("a\0b", 3)).code(), Code::invalid_input);
  EXPECT_EQ(store->segment_labels()->size(), 1u);
}

TEST_P(AssignDaysTest, EveryMonitorRunIsKeptWithItsRunRecord) {
  auto store = store_with_version();
  const auto runs_before = store->runs();
  ASSERT_TRUE(runs_before.ok());
  MonitorRunRequest r{1, "2024-02-08", "watch", R"({"verdict":"watch"})", "kohort monitor data/ --as-of 2024-02-08", "{}", ""};
  auto first = store->record_monitor_run(r);
  ASSERT_TRUE(first.ok()) << first.status().message();
  r.verdict = "retrain";
  auto second = store->record_monitor_run(r);  // the same date twice: both kept
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_GT(*second, *first);
  auto runs = store->monitor_runs();
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].as_of, "2024-02-08T00:00:00Z");
  EXPECT_EQ((*runs)[0].verdict, "watch");
  EXPECT_EQ((*runs)[1].verdict, "retrain");
  EXPECT_EQ((*runs)[0].version, 1);
  EXPECT_EQ((*runs)[0].figures_json, R"({"verdict":"watch"})");
  EXPECT_EQ(store->runs()->size(), runs_before->size() + 2);

  // Refused, leaving the store as it was.
  const std::vector<std::pair<std::string, MonitorRunRequest>> bad = {
      {"version", {7, "2024-02-08", "ok", "{}", "", "{}", ""}},
      {"as_of", {1, "yesterday", "ok", "{}", "", "{}", ""}},
      {"verdict", {1, "2024-02-08", "fine", "{}", "", "{}", ""}},
      {"figures_json", {1, "2024-02-08", "ok", "{", "", "{}", ""}},
      {"command", {1, "2024-02-08", "ok", "{}", std::string("a\0b", 3), "{}", ""}},
  };
  for (const auto& [what, req] : bad) {
    auto res = store->record_monitor_run(req);
    ASSERT_FALSE(res.ok()) << what;
    EXPECT_EQ(res.status().code(), Code::invalid_input) << what << ": " << res.status().message();
  }
  EXPECT_EQ(store->monitor_runs()->size(), 2u);
  EXPECT_EQ(store->runs()->size(), runs_before->size() + 2);
}

TEST_P(AssignDaysTest, ForgettingErasesACustomerFromEveryTableAndKeepsOnlyAHash) {
  auto store = store_with_version();
  ASSERT_TRUE(store->publish(make_request(50, 4, "2024-01-31")).ok());  // version 2
  ASSERT_TRUE(store->publish_day(day("2024-02-01", 40, 1)).ok());
  ASSERT_TRUE(store->publish_day(day("2024-02-02", 40, 2)).ok());
  DeadLetter letter{"", "evt_1", "c0000001", "2024-02-02", R"({"id":"evt_1"})", 6, "HTTP 503", ""};
  ASSERT_TRUE(store->record_delivery({"https://crm.example.com/h", std::nullopt, "", {}, {letter}}).ok());
  auto summary = store->forget({"c0000001", "c0000002", "nobody"});
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->dead_letter_rows, 1);
  EXPECT_TRUE(store->dead_letters("")->empty());
  EXPECT_EQ(summary->assignment_rows, 4);   // two customers in two versions
  EXPECT_EQ(summary->standing_rows, 4);     // on the two kept days
  EXPECT_EQ(summary->transition_rows, 4);   // moved on both days
  for (std::int64_t v : {1, 2}) {
    const auto rows = store->assignments(v);
    ASSERT_TRUE(rows.ok());
    for (const auto& a : *rows) EXPECT_TRUE(a.customer_id != "c0000001" && a.customer_id != "c0000002");
  }
  for (const char* d : {"2024-02-01T00:00:00Z", "2024-02-02T00:00:00Z"}) {
    const auto standing = store->day_standing(d);
    ASSERT_TRUE(standing.ok()) << standing.status().message();
    EXPECT_EQ(standing->size(), 38u);
    for (const auto& c : *standing) EXPECT_TRUE(c.customer_id != "c0000001" && c.customer_id != "c0000002");
  }
  const auto moves = store->transitions("", "");
  ASSERT_TRUE(moves.ok());
  EXPECT_FALSE(moves->empty());
  for (const auto& t : *moves) EXPECT_TRUE(t.customer_id != "c0000001" && t.customer_id != "c0000002");
  EXPECT_EQ(store->assignments(2)->size(), 48u);

  auto forgotten = store->forgotten();
  ASSERT_TRUE(forgotten.ok()) << forgotten.status().message();
  ASSERT_EQ(forgotten->size(), 3u);
  for (const auto& [key, when] : *forgotten) {
    EXPECT_EQ(key.rfind("sha256:", 0), 0u) << key;
    EXPECT_EQ(key.size(), 7u + 64u);
    EXPECT_EQ(when.size(), 20u) << when;
  }
  // Forgetting again is harmless; bad requests change nothing.
  EXPECT_EQ(store->forget({"c0000001"})->assignment_rows, 0);
  EXPECT_EQ(store->forget({}).status().code(), Code::invalid_input);
  EXPECT_EQ(store->forget({"c0000003", ""}).status().code(), Code::invalid_input);
  EXPECT_EQ(store->assignments(2)->size(), 48u);
  EXPECT_EQ(store->forgotten()->size(), 3u);
}

TEST_P(AssignDaysTest, AnExportDestinationKeepsItsWatermark) {
  auto store = store_with_version();
  EXPECT_FALSE(store->watermark("crm")->has_value());
  ASSERT_TRUE(store->set_watermark("crm", "2024-02-01").ok());
  ASSERT_TRUE(store->set_watermark("crm", "2024-02-03T00:00:00Z").ok());
  ASSERT_TRUE(store->set_watermark("ads", "2024-02-02").ok());
  EXPECT_EQ(**store->watermark("crm"), "2024-02-03T00:00:00Z");
  EXPECT_EQ(**store->watermark("ads"), "2024-02-02T00:00:00Z");
  EXPECT_EQ(store->set_watermark("", "2024-02-01").code(), Code::invalid_input);
  EXPECT_EQ(store->set_watermark("crm", "soon").code(), Code::invalid_input);
  EXPECT_EQ(**store->watermark("crm"), "2024-02-03T00:00:00Z");
}

TEST_P(AssignDaysTest, CustomerValuesRoundTripWithUnknownsAsNull) {
  auto store = open_store();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto fit = make_request(6, 4, "2024-01-31");
  fit.assignments[0].value = {123.456f, 0.75f, 0.25f};
  fit.assignments[1].value = {0.0f, nan, nan};  // a known zero, unknown probabilities
  ASSERT_EQ(*store->publish(fit), 1);
  const auto rows = store->assignments(1);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ((*rows)[0].value.clv, 123.456f);  // bit for bit
  EXPECT_EQ((*rows)[0].value.p_alive, 0.75f);
  EXPECT_EQ((*rows)[0].value.churn_risk, 0.25f);
  EXPECT_EQ((*rows)[1].value.clv, 0.0f);
  EXPECT_TRUE(std::isnan((*rows)[1].value.p_alive));
  EXPECT_TRUE(std::isnan((*rows)[2].value.clv));

  auto today = day("2024-02-01", 4);
  today.customers[3].value = {9.5f, 0.125f, 0.875f};
  const Status published = store->publish_day(today);
  ASSERT_TRUE(published.ok()) << published.message();
  const auto standing = store->day_standing("2024-02-01");
  ASSERT_TRUE(standing.ok()) << standing.status().message();
  EXPECT_EQ((*standing)[3].value.clv, 9.5f);
  EXPECT_EQ((*standing)[3].value.churn_risk, 0.875f);
  EXPECT_TRUE(std::isnan((*standing)[0].value.p_alive));

  auto bad = make_request(6, 4, "2024-02-02");
  bad.assignments[2].value.p_alive = 1.5f;
  EXPECT_EQ(store->publish(bad).status().code(), Code::invalid_input);
  auto bad_day = day("2024-02-02", 4);
  bad_day.customers[0].value.clv = std::numeric_limits<float>::infinity();
  EXPECT_EQ(store->publish_day(bad_day).code(), Code::invalid_input);
  EXPECT_EQ(store->versions()->size(), 1u);
}

TEST_P(AssignDaysTest, UndeliveredEventsAreKeptAsDeadLettersUntilDelivered) {
  auto store = store_with_version();
  const std::string hook = "https://crm.example.com/hooks/kohort", other = "http://127.0.0.1:9/h";
  auto letter = [](const std::string& id, const std::string& customer, std::int64_t attempts, const std::string& error) {
    return DeadLetter{"", id, customer, "2024-02-01", R"({"id":")" + id + R"("})", attempts, error, ""};
  };
  // One delivery: two events failed, the watermark moves with them in the same transaction.
  ASSERT_TRUE(store->record_delivery({hook, "webhook " + hook, "2024-02-01", {}, {letter("evt_b", "c2", 6, "HTTP 503"),
                                                                                  letter("evt_a", "c1", 6, "HTTP 503")}})
                  .ok());
  ASSERT_TRUE(store->record_delivery({other, std::nullopt, "", {}, {letter("evt_c", "c3", 1, "HTTP 400: bad")}}).ok());
  EXPECT_EQ(**store->watermark("webhook " + hook), "2024-02-01T00:00:00Z");
  auto all = store->dead_letters("");
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].destination, other);  // by destination, then day and id
  EXPECT_EQ((*all)[1].event_id, "evt_a");
  EXPECT_EQ((*all)[1].customer_id, "c1");
  EXPECT_EQ((*all)[1].as_of, "2024-02-01T00:00:00Z");
  EXPECT_EQ((*all)[1].payload_json, R"({"id":"evt_a"})");
  EXPECT_EQ((*all)[1].attempts, 6);
  EXPECT_EQ((*all)[1].last_error, "HTTP 503");
  EXPECT_EQ((*all)[1].failed_at.size(), 20u);
  // A redelivery: one delivered, one failing again adds its attempts and takes the new error.
  ASSERT_TRUE(store->record_delivery({hook, std::nullopt, "", {"evt_a"}, {letter("evt_b", "c2", 3, "timed out")}}).ok());
  auto left = store->dead_letters(hook);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].event_id, "evt_b");
  EXPECT_EQ((*left)[0].attempts, 9);
  EXPECT_EQ((*left)[0].last_error, "timed out");
  // Bad records change nothing.
  EXPECT_EQ(store->record_delivery({"", std::nullopt, "", {}, {}}).code(), Code::invalid_input);
  EXPECT_EQ(store->record_delivery({hook, std::nullopt, "", {"evt_b"}, {letter("", "c2", 1, "x")}}).code(), Code::invalid_input);
  auto bad_payload = letter("evt_d", "c4", 1, "x");
  bad_payload.payload_json = "[1]";
  EXPECT_EQ(store->record_delivery({hook, std::nullopt, "", {"evt_b"}, {bad_payload}}).code(), Code::invalid_input);
  EXPECT_EQ(store->record_delivery({hook, "webhook " + hook, "later", {"evt_b"}, {}}).code(), Code::invalid_input);
  EXPECT_EQ(store->dead_letters(hook)->size(), 1u);
  EXPECT_EQ(store->dead_letters("")->size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, AssignDaysTest, ::testing::Values("sqlite", "postgres"), testing::param_name);

}  // namespace
}  // namespace kohort::store
