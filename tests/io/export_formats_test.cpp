// Real exports read as they come: time formats (strftime patterns, the common export forms,
// month names), delimiters (detected or configured, space-aligned columns) and the header names
// shops write.
#include <gtest/gtest.h>

#include "io_test_util.h"
#include "kohort/io/dataset.h"
#include "kohort/io/internal/csv_scan.h"
#include "kohort/io/internal/timestamp.h"

namespace kohort::io {
namespace {

using internal::TimeFormat;
using internal::TimeKind;
using test::TempDir;

Seconds at(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  return days_from_civil(y, m, d) * kSecondsPerDay + hh * 3600 + mm * 60 + ss;
}

TimeFormat pattern(const char* p) {
  TimeFormat f(TimeKind::pattern);
  f.pattern = p;
  return f;
}

TEST(TimeFormats, CommonExportFormsReadAsIso) {
  const TimeFormat iso(TimeKind::iso);
  EXPECT_EQ(internal::parse_time("2023-01-07 18:57:51 +0000", iso), at(2023, 1, 7, 18, 57, 51));  // Shopify
  EXPECT_EQ(internal::parse_time("2023-01-07 18:57:51 -0500", iso), at(2023, 1, 7, 23, 57, 51));
  EXPECT_EQ(internal::parse_time("2023-01-07 18:57:51 +05:30", iso), at(2023, 1, 7, 13, 27, 51));
  EXPECT_EQ(internal::parse_time("2023-01-07 18:57:51 UTC", iso), at(2023, 1, 7, 18, 57, 51));
  EXPECT_EQ(internal::parse_time("2023-01-07 18:57:51.123456", iso), at(2023, 1, 7, 18, 57, 51));
  EXPECT_EQ(internal::parse_time("2023/01/07 18:57", iso), at(2023, 1, 7, 18, 57));
  EXPECT_FALSE(internal::parse_time("2023-01-07 18:57:51 +0000 trailing", iso));
  EXPECT_FALSE(internal::parse_time("2023-02-30", iso));
}

TEST(TimeFormats, StrftimePatterns) {
  EXPECT_EQ(internal::parse_time("2023-01-07 18:57:51 +0000", pattern("%Y-%m-%d %H:%M:%S %z")),
            at(2023, 1, 7, 18, 57, 51));
  EXPECT_EQ(internal::parse_time("31.12.2024 23:59", pattern("%d.%m.%Y %H:%M")), at(2024, 12, 31, 23, 59));
  EXPECT_EQ(internal::parse_time("07/01/23 3:05 PM", pattern("%d/%m/%y %I:%M %p")), at(2023, 1, 7, 15, 5));
  EXPECT_EQ(internal::parse_time("Sat, 7 Jan 2023", pattern("Sat, %d %b %Y")), at(2023, 1, 7));
  EXPECT_EQ(internal::parse_time("2024-060", pattern("%Y-%j")), at(2024, 2, 29));
  EXPECT_EQ(internal::parse_time("2023-01-07T18:57:51", pattern("%FT%T")), at(2023, 1, 7, 18, 57, 51));
  EXPECT_FALSE(internal::parse_time("2023-13-07", pattern("%Y-%m-%d")));
  EXPECT_FALSE(internal::parse_time("2023-01-07", pattern("%d.%m.%Y")));
  EXPECT_FALSE(internal::pattern_problem("%Y-%m-%d %H:%M:%S %z"));
  EXPECT_EQ(*internal::pattern_problem("%Y-%m-%d %Q"), "%Q is not a directive Kohort reads");
  EXPECT_EQ(*internal::pattern_problem("%H:%M"), "it needs a year, a month and a day (%Y, %m or %b, %d)");
}

TEST(TimeFormats, DetectionReadsMonthNamesAndSaysWhenDayAndMonthAreAmbiguous) {
  std::size_t bad = 0;
  bool ambiguous = false;
  const std::string_view named[] = {"7 Jan 2023", "12 Feb 2023"};
  const auto f = internal::detect_time_format(named, bad, ambiguous);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, TimeKind::pattern);
  EXPECT_EQ(internal::parse_time("12 Feb 2023", *f), at(2023, 2, 12));
  const std::string_view low[] = {"1/2/2024", "3/4/2024", "12/11/2024"};
  EXPECT_EQ(internal::detect_time_format(low, bad, ambiguous)->kind, TimeKind::mdy);
  EXPECT_TRUE(ambiguous);
  const std::string_view told[] = {"1/2/2024", "13/4/2024"};
  EXPECT_EQ(internal::detect_time_format(told, bad, ambiguous)->kind, TimeKind::dmy);
  EXPECT_FALSE(ambiguous);
}

TEST(Delimiters, BlankSeparatedRecordsSplitOnRunsOfBlanks) {
  const std::string text = " 00001 19970101  1   11.77\r\n\n   \n00002\t19970112 5 77.00";
  internal::RecordReader rr(text, 0, text.size(), 1, internal::kWhitespace);
  ASSERT_EQ(rr.next(), internal::RecordReader::Next::record);
  ASSERT_EQ(rr.fields().size(), 4u);
  EXPECT_EQ(rr.fields()[0], "00001");
  EXPECT_EQ(rr.fields()[3], "11.77");
  EXPECT_EQ(rr.line(), 1);
  ASSERT_EQ(rr.next(), internal::RecordReader::Next::record);
  EXPECT_EQ(rr.line(), 4);  // blank lines are counted, not read
  EXPECT_EQ(rr.fields()[1], "19970112");
  EXPECT_EQ(rr.next(), internal::RecordReader::Next::end);
}

// The head of the CDNOW master file: space-aligned, CRLF, read with one line of kohort.toml.
TEST(Delimiters, SpaceAlignedColumnsReadWithOneLineOfConfig) {
  TempDir dir;
  const std::string cdnow =
      " customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n"
      " 00002 19970112  1   12.00\r\n 00002 19970112  5   77.00\r\n 00003 19970102  2   20.76\r\n";
  dir.write("transactions.csv", cdnow);
  auto refused = load_dataset(Context(1, 1), dir.path(), {});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().what().find("separated by spaces"), std::string::npos) << refused.status().what();
  EXPECT_NE(refused.status().hint().find("delimiter = \"whitespace\""), std::string::npos);
  dir.write("kohort.toml", "[transactions]\ndelimiter = \"whitespace\"\n");
  auto ds = load_dataset(Context(1, 1), dir.path(), {});
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  EXPECT_EQ(ds->log.transactions.size(), 4);
  EXPECT_EQ(ds->log.customers(), 3);
  EXPECT_EQ(ds->log.external_id(0), "00001");
  EXPECT_DOUBLE_EQ(ds->log.transactions.amount[1] + ds->log.transactions.amount[2], 89.0);
  dir.write("kohort.toml", "[transactions]\ndelimiter = \"space\"\n");
  auto bad = load_dataset(Context(1, 1), dir.path(), {});
  EXPECT_EQ(bad.status().code(), Code::invalid_argument);
  EXPECT_NE(bad.status().hint().find("\"whitespace\""), std::string::npos);
}

TEST(Delimiters, SemicolonAndPipeAreDetected) {
  for (const char* d : {";", "|", "\t"}) {
    TempDir dir;
    std::string text = "customer_id,timestamp,amount\na,2024-01-01,1.5\nb,2024-01-02,2\n";
    for (auto& c : text)
      if (c == ',') c = d[0];
    dir.write("transactions.csv", text);
    auto ds = load_dataset(Context(1, 1), dir.path(), {});
    ASSERT_TRUE(ds.ok()) << d << ": " << ds.status().message();
    EXPECT_EQ(ds->log.transactions.size(), 2) << d;
  }
}

// A Shopify-style order export: Name is the order, Email the customer, Created at the time in
// "2023-01-07 18:57:51 +0000", Total the amount.
TEST(HeaderNames, AShopifyStyleExportMapsWithoutConfig) {
  TempDir dir;
  dir.write("transactions.csv",
            "Name,Email,Financial Status,Created at,Total\n"
            "#1001,ann@example.com,paid,2023-01-07 18:57:51 +0000,59.90\n"
            "#1002,bob@example.com,paid,2023-01-08 09:00:00 +0100,12.00\n"
            "#1003,ann@example.com,paid,2023-02-01 10:00:00 +0000,30.00\n");
  auto ds = load_dataset(Context(1, 1), dir.path(), {});
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  const auto& roles = ds->reports[0].column_roles;
  const auto role = [&](std::string_view r) {
    for (const auto& [name, col] : roles)
      if (name == r) return col;
    return std::string();
  };
  EXPECT_EQ(role("customer"), "Email");
  EXPECT_EQ(role("time"), "Created at");
  EXPECT_EQ(role("amount"), "Total");
  EXPECT_EQ(role("order_id"), "Name");
  EXPECT_EQ(ds->log.customers(), 2);
  EXPECT_EQ(ds->log.transactions.time[0], at(2023, 1, 7, 18, 57, 51));
}

TEST(HeaderNames, APriceWithoutAQuantityIsTheAmount) {
  TempDir dir;
  dir.write("transactions.csv", "customer,order,date,price\na,o1,2024-01-01,3.5\nb,o2,2024-01-02,4\n");
  auto ds = load_dataset(Context(1, 1), dir.path(), {});
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  EXPECT_DOUBLE_EQ(ds->log.transactions.amount[0], 3.5);
}

TEST(TimeFormats, AnAmbiguousDayAndMonthIsSaid) {
  TempDir dir;
  dir.write("transactions.csv", "customer_id,timestamp,amount\na,1/2/2024,1\nb,3/4/2024,2\n");
  auto ds = load_dataset(Context(1, 1), dir.path(), {});
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  bool said = false;
  for (const auto& n : ds->notes) said = said || n.find("could be M/D/YYYY or D/M/YYYY") != std::string::npos;
  EXPECT_TRUE(said);
  dir.write("kohort.toml", "[transactions]\ntime_format = \"%d/%m/%Y\"\n");
  auto dm = load_dataset(Context(1, 1), dir.path(), {});
  ASSERT_TRUE(dm.ok()) << dm.status().message();
  EXPECT_EQ(dm->log.transactions.time[0], at(2024, 2, 1));
}

}  // namespace
}  // namespace kohort::io
