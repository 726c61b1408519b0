#include "kohort/io/quality.h"

#include <gtest/gtest.h>

#include "io_test_util.h"

namespace kohort::io {
namespace {

using test::TempDir;

const Finding* find(const QualityReport& r, std::string_view stream, std::string_view kind) {
  for (const auto& f : r.findings)
    if (f.stream == stream && f.kind == kind) return &f;
  return nullptr;
}

// Read as of 2025-01-01: later rows, and rows before 1990, are left out by the reader.
ReadOptions at_2025() {
  ReadOptions o;
  o.now = days_from_civil(2025, 1, 1) * kSecondsPerDay;
  return o;
}

// A small hand-made dataset where every number below is counted by hand.
void write_hand_made(const TempDir& dir) {
  dir.write("transactions.csv",
            "customer_id,order_id,timestamp,amount,quantity,product_id,category,channel,"
            "payment_method,discount,returned\n"
            "c1,o1,2024-01-01,10,1,p1,books,web,card,,0\n"
            "c1,o1,2024-01-01,10,1,p1,books,web,card,,0\n"     // exact duplicate
            "c1,o1,2024-01-01,12,2,p1,books,web,card,0.1,0\n"  // same order line, other values
            "c2,o2,2024-02-01,-5,1,p2,toys,web,card,0,1\n"     // return
            "c2,o3,2024-02-02,0,1,p3,,web,card,0,0\n"          // zero, no category
            "c3,o4,2030-01-01,11,1,p1,books,app,cash,0,0\n"    // future
            "c3,o5,1985-05-05,9,1,p1,books,app,cash,0,0\n"     // before 1990
            "c4,o6,2024-03-01,1000,1,p9,garden,web,card,0,0\n");  // outlier
  dir.write("customers.csv", "customer_id,signup_date,region\nc1,2023-01-01,n\nc2,2023-01-01,s\n"
                             "c5,2023-01-01,s\n");
}

TEST(CheckQuality, CountsEachFindingOnHandMadeData) {
  TempDir dir;
  write_hand_made(dir);
  auto ds = load_dataset(Context(1, 1), dir.path(), at_2025());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  auto r = check_quality(Context(1, 1), *ds, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->segmentable);
  // c3's two rows (2030, 1985) are left out, so c3 is not a customer at all.
  EXPECT_EQ(r->customers, 4);
  EXPECT_EQ(r->customers_with_purchases, 2);  // c1 c4 (c2 has only a return and a zero)
  struct Want {
    const char* stream;
    const char* kind;
    index_t count;
    Policy policy;
  };
  // Amounts left: 10 12 -5 0 1000 (the copy with order id o1 left out): median 10;
  // |x-10| 0 2 15 10 990: MAD 10; bound 5 × 1.4826 × 10 = 74.1 → 1000 is the outlier.
  const Want want[] = {
      {"transactions", "duplicate_rows", 1, Policy::drop},
      {"transactions", "duplicate_order_lines", 1, Policy::flag},
      {"transactions", "negative_amount", 1, Policy::flag},
      {"transactions", "zero_amount", 1, Policy::flag},
      {"transactions", "amount_outlier", 1, Policy::cap},
      {"transactions", "future_time", 1, Policy::drop},
      {"transactions", "ancient_time", 1, Policy::drop},
      {"customers", "customers_without_events", 1, Policy::flag},
      {"customers", "unknown_customers", 1, Policy::impute},
      {"", "small_data", 2, Policy::flag},
  };
  for (const auto& w : want) {
    const Finding* f = find(*r, w.stream, w.kind);
    ASSERT_NE(f, nullptr) << w.kind;
    EXPECT_EQ(f->count, w.count) << w.kind;
    EXPECT_EQ(f->policy, w.policy) << w.kind;
  }
  EXPECT_EQ(find(*r, "transactions", "repeated_rows"), nullptr);  // the copy had an order id
  EXPECT_DOUBLE_EQ(r->amount_median, 10);
  EXPECT_DOUBLE_EQ(r->amount_mad, 10);
  EXPECT_EQ(ds->log.transactions.size(), 5);
  EXPECT_EQ(ds->log.transactions.duplicates_dropped, 1);
  // Missing cells per column (of the 6 rows accepted, the copy and the two out of range aside):
  // discount on 2 rows, category on 1.
  index_t discount_missing = -1, category_missing = -1;
  for (const auto& f : r->findings) {
    if (f.kind != "missing") continue;
    if (f.column == "discount") discount_missing = f.count;
    if (f.column == "category") category_missing = f.count;
  }
  EXPECT_EQ(discount_missing, 2);
  EXPECT_EQ(category_missing, 1);
  const auto j = quality_json(*r);
  EXPECT_EQ(j["customers_with_purchases"], 2);
  EXPECT_EQ(j["streams"][0]["rows_read"], 8);
  EXPECT_NE(format_quality_report(*r).find("data can be segmented"), std::string::npos);
  EXPECT_NE(find(*r, "transactions", "future_time")->message.find("left out by every command"), std::string::npos);
}

// Without an order id nothing proves a repeated row a copy (CDNOW's repeated rows are real
// purchases on one day): every command keeps it, and check says so.
TEST(CheckQuality, RepeatedRowsWithoutAnOrderIdAreKept) {
  TempDir dir;
  dir.write("transactions.csv", "customer_id,timestamp,amount\na,2024-01-01,5\na,2024-01-01,5\nb,2024-01-02,7\n");
  auto ds = load_dataset(Context(1, 1), dir.path(), at_2025());
  ASSERT_TRUE(ds.ok());
  EXPECT_EQ(ds->log.transactions.size(), 3);
  auto r = check_quality(Context(1, 1), *ds, {});
  ASSERT_TRUE(r.ok());
  const Finding* f = find(*r, "transactions", "repeated_rows");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->count, 1);
  EXPECT_EQ(f->policy, Policy::flag);
  EXPECT_EQ(find(*r, "transactions", "duplicate_rows"), nullptr);
}

TEST(CheckQuality, InvalidCountsUnderSkip) {
  TempDir dir;
  dir.write("transactions.csv",
            "customer_id,timestamp,amount\na,2024-01-01,1\nb,2024-01-01,x\nc,2024-01-01\n"
            "d,2024-01-02,4\n");
  ReadOptions o;
  o.on_error = OnError::skip;
  auto ds = load_dataset(Context(1, 1), dir.path(), o);
  ASSERT_TRUE(ds.ok());
  auto r = check_quality(Context(1, 1), *ds, {});
  ASSERT_TRUE(r.ok());
  const Finding* amount = nullptr;
  const Finding* rows = nullptr;
  for (const auto& f : r->findings) {
    if (f.kind == "invalid" && f.column == "amount") amount = &f;
    if (f.kind == "invalid" && f.column.empty()) rows = &f;
  }
  ASSERT_NE(amount, nullptr);
  ASSERT_NE(rows, nullptr);
  EXPECT_EQ(amount->count, 1);
  EXPECT_EQ(rows->count, 1);
  EXPECT_EQ(amount->total, 4);
}

TEST(CheckQuality, NotSegmentableWithOneBuyerOrNoRows) {
  TempDir dir;
  dir.write("transactions.csv", "customer_id,timestamp,amount\na,2024-01-01,1\na,2024-01-02,2\n");
  auto ds = load_dataset(Context(1, 1), dir.path(), {});
  ASSERT_TRUE(ds.ok());
  auto r = check_quality(Context(1, 1), *ds, {});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->segmentable);
  EXPECT_EQ(r->reason, "1 customer with purchases; segmentation needs at least 2");
  dir.write("transactions.csv", "customer_id,timestamp,amount\n");
  auto empty = load_dataset(Context(1, 1), dir.path(), {});
  ASSERT_TRUE(empty.ok());
  auto r2 = check_quality(Context(1, 1), *empty, {});
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE(r2->segmentable);
  EXPECT_EQ(r2->reason, "no transactions: the transactions stream has no rows");
  EXPECT_NE(find(*r2, "", "not_segmentable"), nullptr);
}

}  // namespace
}  // namespace kohort::io
