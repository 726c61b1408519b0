#include "kohort/events/event_log.h"

#include <gtest/gtest.h>

namespace kohort::events {
namespace {

TEST(EventLog, FinalizeSortsByCustomerThenTimeAndBuildsOffsets) {
  EventLog log;
  const auto push = [&](std::string_view id, Seconds t, double amount) {
    log.transactions.customer.push_back(log.intern(id));
    log.transactions.time.push_back(t);
    log.transactions.amount.push_back(amount);
  };
  push("b", 30, 3);
  push("a", 20, 2);
  push("b", 10, 1);
  push("a", 5, 5);
  ASSERT_TRUE(log.finalize().ok());
  EXPECT_EQ(log.customers(), 2);
  EXPECT_EQ(log.external_id(0), "b");
  const auto& tx = log.transactions;
  EXPECT_EQ(tx.offsets, (std::vector<index_t>{0, 2, 4}));
  EXPECT_EQ(tx.time, (std::vector<Seconds>{10, 30, 5, 20}));
  EXPECT_EQ(tx.amount, (std::vector<double>{1, 3, 5, 2}));
  EXPECT_EQ(log.last_event_time(), 30);
}

TEST(EventLog, AsOfHidesEventsAtOrAfterTheInstant) {
  EventLog log;
  const customer_t c = log.intern("x");
  for (Seconds t : {100, 200, 300}) {
    log.transactions.customer.push_back(c);
    log.transactions.time.push_back(t);
    log.transactions.amount.push_back(1);
  }
  ASSERT_TRUE(log.finalize().ok());
  EXPECT_EQ(rows_before(log.transactions.offsets, log.transactions.time, c, 200).size(), 1);
  EXPECT_EQ(rows_before(log.transactions.offsets, log.transactions.time, c, 201).size(), 2);
  EXPECT_EQ(rows_before(log.transactions.offsets, log.transactions.time, c, 1000).size(), 3);
}

TEST(EventLog, MismatchedOptionalColumnIsReported) {
  EventLog log;
  log.transactions.customer.push_back(log.intern("x"));
  log.transactions.time.push_back(1);
  log.transactions.amount.push_back(1);
  log.transactions.quantity = {1.0f, 2.0f};
  const Status s = log.finalize();
  EXPECT_EQ(s.code(), Code::internal);
  EXPECT_NE(s.what().find("quantity"), std::string::npos);
}

}  // namespace
}  // namespace kohort::events
