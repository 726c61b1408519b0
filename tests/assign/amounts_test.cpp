#include "kohort/assign/amounts.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kohort::assign {
namespace {

constexpr Seconds kDay = kSecondsPerDay;
constexpr Seconds kBase = 19800 * kDay;

// Lines on days [from, to) relative to kBase, amounts cycling through 10, 20, 40 (× scale).
void push(events::EventLog& log, int from, int to, double scale) {
  for (int d = from; d < to; ++d)
    for (double a : {10.0, 20.0, 40.0}) {
      log.transactions.time.push_back(kBase + d * kDay + 3600);
      log.transactions.amount.push_back(a * scale);
    }
}

TEST(AmountScale, AFeedSwitchedToCentsGivesAHundredfoldMedian) {
  events::EventLog log;
  push(log, -60, 0, 1.0);
  push(log, 0, 10, 100.0);
  AmountScale s(kBase, kBase + 10 * kDay);
  s.add(log);
  EXPECT_EQ(s.lines_before(), 180);
  EXPECT_EQ(s.lines_since(), 30);
  ASSERT_TRUE(s.median_ratio().has_value());
  EXPECT_NEAR(std::log10(*s.median_ratio()), 2.0, 0.011);
}

TEST(AmountScale, AnOrdinaryDayIsOnTheSameScale) {
  events::EventLog log;
  push(log, -60, 10, 1.0);
  AmountScale s(kBase, kBase + 10 * kDay);
  s.add(log);
  EXPECT_NEAR(*s.median_ratio(), 1.0, 0.012);
}

TEST(AmountScale, WindowsAreHalfOpenAndRefundsAndOldLinesAreLeftOut) {
  events::EventLog log;
  push(log, -200, -91, 1.0);  // before the 90-day lookback
  push(log, -90, 0, 1.0);
  push(log, 0, 10, 1.0);
  push(log, 10, 20, 1000.0);  // on or after as_of: not yet seen
  log.transactions.time.push_back(kBase + kDay);
  log.transactions.amount.push_back(-25.0);  // a refund
  AmountScale s(kBase, kBase + 10 * kDay);
  s.add(log);
  EXPECT_EQ(s.lines_before(), 270);
  EXPECT_EQ(s.lines_since(), 30);
  EXPECT_NEAR(*s.median_ratio(), 1.0, 0.012);
}

TEST(AmountScale, PartitionsMergeToTheWhole) {
  events::EventLog a, b, whole;
  push(a, -30, 0, 1.0);
  push(b, 0, 5, 100.0);
  push(whole, -30, 0, 1.0);
  push(whole, 0, 5, 100.0);
  AmountScale sa(kBase, kBase + 5 * kDay), sb(kBase, kBase + 5 * kDay), sw(kBase, kBase + 5 * kDay);
  sa.add(a);
  sb.add(b);
  sw.add(whole);
  sa.merge(sb);
  EXPECT_EQ(sa.lines_since(), sw.lines_since());
  EXPECT_EQ(sa.median_ratio(), sw.median_ratio());
}

TEST(AmountScale, TooFewLinesToTell) {
  events::EventLog log;
  push(log, -60, 0, 1.0);
  push(log, 0, 3, 100.0);  // 9 lines since the base
  AmountScale s(kBase, kBase + 3 * kDay);
  s.add(log);
  EXPECT_FALSE(s.median_ratio().has_value());
}

}  // namespace
}  // namespace kohort::assign
