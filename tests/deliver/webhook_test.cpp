// post_events() against a real HTTP receiver (receiver.h): every event taken exactly once by its
// id through a receiver that fails half its requests or is down for a while; a receiver that is
// never up or refuses leaves every event undelivered, with its attempts and the error.
#include "kohort/deliver/webhook.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "deliver/receiver.h"

namespace kohort::deliver {
namespace {

using testing::Receiver;
using testing::ReceiverOptions;

constexpr const char* kSecret = "whsec_test";

ReceiverOptions behaving() {
  ReceiverOptions o;
  o.secret = kSecret;
  return o;
}

std::vector<Event> events(int n) {
  std::vector<Event> out;
  for (int i = 0; i < n; ++i) {
    const std::string customer = fmt::format("C{}", i);
    Event e{event_id("segment.entered", customer, i % 4, "2024-06-02T00:00:00Z"), customer, "2024-06-02T00:00:00Z", {}};
    e.json = R"({"id":")" + e.id + R"(","type":"segment.entered","customer_id":")" + customer + R"("})";
    out.push_back(e);
  }
  return out;
}

WebhookOptions options(const std::string& url, int batch = 10, int attempts = 6) {
  WebhookOptions o;
  o.url = url;
  o.secret = kSecret;
  o.batch_size = batch;
  o.attempts = attempts;
  o.backoff_s = 0.005;
  o.backoff_max_s = 0.05;
  o.timeout_s = 5;
  return o;
}

void expect_taken_once(const Receiver& r, const std::vector<Event>& sent) {
  const auto taken = r.taken();
  std::set<std::string> want, got(taken.begin(), taken.end());
  for (const auto& e : sent) want.insert(e.id);
  EXPECT_EQ(taken.size(), got.size());
  EXPECT_EQ(got, want);
}

// Python 3.11: hmac.new(b"whsec_test", b'1700000000.{"events":[]}', hashlib.sha256).hexdigest()
TEST(Signature, IsTheHmacSha256OfTheTimestampAndTheBody) {
  EXPECT_EQ(signature(kSecret, 1700000000, R"({"events":[]})"),
            "t=1700000000,v1=4f6f9b7a41398ad124e52a1320534f978e522923f3f2b2724e31d7a9dbf78a7f");
}

TEST(EventId, IsStableAndTellsChangesApart) {
  const std::string a = event_id("segment.entered", "C1", 2, "2024-06-02T00:00:00Z");
  EXPECT_EQ(a, event_id("segment.entered", "C1", 2, "2024-06-02T00:00:00Z"));
  EXPECT_EQ(a.size(), 4u + 32u);
  EXPECT_NE(a, event_id("segment.exited", "C1", 2, "2024-06-02T00:00:00Z"));
  EXPECT_NE(a, event_id("segment.entered", "C1", 3, "2024-06-02T00:00:00Z"));
  EXPECT_NE(a, event_id("segment.entered", "C1", 2, "2024-06-03T00:00:00Z"));
  EXPECT_NE(event_id("segment.entered", "C1", 12, "d"), event_id("segment.entered", "C11", 2, "d"));
}

TEST(PostEvents, DeliversEveryEventInSignedBatches) {
  Receiver r(behaving());
  const auto sent = events(250);
  auto report = post_events(Context(), options(r.url(), 100), sent);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->events, 250);
  EXPECT_EQ(report->delivered, 250);
  EXPECT_EQ(report->requests, 3);
  EXPECT_EQ(report->retries, 0);
  EXPECT_TRUE(report->undelivered.empty());
  EXPECT_EQ(r.bad_signatures(), 0);
  expect_taken_once(r, sent);
}

TEST(PostEvents, AReceiverThatFailsHalfItsRequestsGetsEveryEventOnce) {
  ReceiverOptions ro = behaving();
  ro.fail_every = 2;  // half the failures after the receiver took the events: they come again
  Receiver r(ro);
  const auto sent = events(200);
  auto report = post_events(Context(), options(r.url(), 10), sent);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->delivered, 200);
  EXPECT_TRUE(report->undelivered.empty());
  EXPECT_EQ(report->requests, 39);  // every batch but the first fails once, then goes through
  EXPECT_EQ(report->retries, 19);
  EXPECT_GT(r.duplicates(), 0);
  expect_taken_once(r, sent);
}

TEST(PostEvents, AReceiverDownForAWhileGetsEverythingAfterRetries) {
  ReceiverOptions ro = behaving();
  ro.down_first = 4;
  Receiver r(ro);
  const auto sent = events(30);
  auto report = post_events(Context(), options(r.url(), 10), sent);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->delivered, 30);
  EXPECT_EQ(report->retries, 4);
  expect_taken_once(r, sent);
}

TEST(PostEvents, AReceiverNeverUpLeavesEveryEventUndeliveredAfterTheLastAttempt) {
  std::string url;
  {
    Receiver gone(behaving());
    url = gone.url();
  }  // stopped: nothing listens on its port any more
  const auto sent = events(25);
  auto report = post_events(Context(), options(url, 10, 3), sent);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->delivered, 0);
  EXPECT_EQ(report->requests, 9);
  ASSERT_EQ(report->undelivered.size(), 25u);
  for (std::size_t i = 0; i < 25; ++i) {
    EXPECT_EQ(report->undelivered[i].index, i);
    EXPECT_EQ(report->undelivered[i].attempts, 3);
    EXPECT_NE(report->undelivered[i].error.find("onnect"), std::string::npos) << report->undelivered[i].error;
  }
}

TEST(PostEvents, ARefusalOtherThanBusyIsFinalAtOnce) {
  ReceiverOptions ro = behaving();
  ro.status = 400;
  Receiver r(ro);
  auto report = post_events(Context(), options(r.url(), 10), events(15));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->requests, 2);
  ASSERT_EQ(report->undelivered.size(), 15u);
  EXPECT_EQ(report->undelivered[0].attempts, 1);
  EXPECT_EQ(report->undelivered[0].error, "HTTP 400: refused");
}

TEST(PostEvents, AWrongSecretIsRefusedByTheReceiver) {
  Receiver r(behaving());
  auto o = options(r.url(), 10);
  o.secret = "not the secret";
  auto report = post_events(Context(), o, events(5));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->undelivered.size(), 5u);
  EXPECT_EQ(r.bad_signatures(), 1);
  EXPECT_TRUE(r.taken().empty());
}

TEST(PostEvents, RefusesOptionsOutOfRange) {
  auto o = options("https://crm.example.com/hook");
  o.secret.clear();
  EXPECT_EQ(post_events(Context(), o, {}).status().code(), Code::invalid_argument);
  o = options("ftp://crm.example.com/hook");
  EXPECT_EQ(post_events(Context(), o, {}).status().code(), Code::invalid_argument);
  o = options("https://crm.example.com/hook", 0);
  EXPECT_EQ(post_events(Context(), o, {}).status().code(), Code::invalid_argument);
  EXPECT_EQ(check_webhook_url("https://user:pw@crm.example.com/h", "--webhook").code(), Code::ok);
  const Status bad = check_webhook_url("crm.example.com", "--webhook");
  EXPECT_EQ(bad.code(), Code::invalid_argument);
  EXPECT_EQ(bad.where(), "--webhook");
}

}  // namespace
}  // namespace kohort::deliver
