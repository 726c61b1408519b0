#include "kohort/core/time.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace kohort {
namespace {

TEST(Time, CivilRoundTripOverFourCenturies) {
  for (std::int64_t d = -200000; d <= 200000; d += 7) {
    const CivilDate c = civil_from_days(d);
    ASSERT_EQ(days_from_civil(c.year, c.month, c.day), d);
  }
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
}

TEST(Time, ParsesIsoDatesTimesAndZones) {
  EXPECT_EQ(parse_iso8601("1970-01-02"), 86400);
  EXPECT_EQ(parse_iso8601("1970-01-01T01:00:00Z"), 3600);
  EXPECT_EQ(parse_iso8601("1970-01-01 01:00"), 3600);
  EXPECT_EQ(parse_iso8601("1970-01-01T02:00:00+01:00"), 3600);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00.250-0130"), 5400);
  EXPECT_EQ(parse_iso8601("2024-02-29"), days_from_civil(2024, 2, 29) * 86400);
}

TEST(Time, RejectsImpossibleDates) {
  EXPECT_FALSE(parse_iso8601("2023-02-29"));
  EXPECT_FALSE(parse_iso8601("2023-13-01"));
  EXPECT_FALSE(parse_iso8601("2023-01-01T25:00"));
  EXPECT_FALSE(parse_iso8601("2023-01-01X"));
  EXPECT_FALSE(parse_iso8601("20230101"));
  EXPECT_FALSE(parse_iso8601(""));
}

TEST(Time, FormatsDatesAndNegativeInstants) {
  EXPECT_EQ(format_date(0), "1970-01-01");
  EXPECT_EQ(format_date(-1), "1969-12-31");
  EXPECT_EQ(format_datetime(3661), "1970-01-01T01:01:01Z");
}

}  // namespace
TEST(LocalMidnight, IsTheZonesMidnightWithItsOffsetOnThatDay) {
  const std::int64_t winter = days_from_civil(2024, 1, 15), summer = days_from_civil(2024, 7, 15);
  EXPECT_EQ(local_midnight(winter, "UTC"), winter * kSecondsPerDay);
  EXPECT_EQ(local_midnight(winter, "Europe/Berlin"), winter * kSecondsPerDay - 3600);      // UTC+1
  EXPECT_EQ(local_midnight(summer, "Europe/Berlin"), summer * kSecondsPerDay - 7200);      // UTC+2
  EXPECT_EQ(local_midnight(summer, "America/New_York"), summer * kSecondsPerDay + 4 * 3600);  // UTC-4
  EXPECT_EQ(local_midnight(winter, "Mars/Olympus"), std::nullopt);
  EXPECT_EQ(local_midnight(winter, "../../etc/passwd"), std::nullopt);
  EXPECT_EQ(std::getenv("TZ"), nullptr);  // restored
}

}  // namespace kohort
