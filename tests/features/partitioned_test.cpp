// The partitioned path (io::partition_dataset → features::compute_features_partitioned) must
// give exactly what load_dataset → compute_features gives, for any number of partitions.
#include "kohort/features/partitioned.h"

#include <zstd.h>

#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "../io/io_test_util.h"
#include "kohort/core/rng.h"
#include "kohort/core/time.h"
#include "kohort/features/compute.h"
#include "kohort/io/quality.h"

namespace kohort::features {
namespace {

using io::test::TempDir;

std::string zstd(const std::string& s) {
  std::string out(ZSTD_compressBound(s.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), s.data(), s.size(), 3));
  return out;
}

// Ids that sort differently as text and as numbers, and text ids.
std::string customer_id(std::uint64_t i) {
  if (i % 5 == 0) return fmt::format("c{}", i);
  if (i % 7 == 0) return fmt::format("00{}", i);
  return std::to_string(i);
}

// A dataset with every stream and the awkward parts of real files: quoted fields with commas,
// quotes and line breaks, CRLF, a compressed stream, JSON Lines, a stream of two rows,
// customers with sessions but no purchase, tiers off the usual ladder, and (optionally) bad
// rows.
void write_dataset(const TempDir& dir, int customers, bool bad_rows) {
  Rng rng(7, "partitioned-test");
  const char* cats[] = {"shoes", "bags", "home, garden", "toys", "\"gifts\"", "beauty", "books"};
  const char* chans[] = {"web", "app", "store"};
  const char* pays[] = {"card", "paypal", "cash", "voucher"};
  const char* devices[] = {"app", "web", "tablet", "tv", "app"};
  std::string tx = "customer_id,order_id,timestamp,amount,quantity,product_id,category,channel,"
                   "payment_method,discount,returned\r\n";
  std::string ss = "";
  std::string em = "customer_id,timestamp,event,campaign\n";
  std::string at = "customer_id,signup_date,region,age,loyalty_tier\n";
  std::string rf = "referrer_id,referred_id,timestamp\n";
  const Seconds t0 = 1'672'531'200;  // 2023-01-01
  for (int c = 1; c <= customers; ++c) {
    const std::string id = customer_id(static_cast<std::uint64_t>(c));
    const bool buyer = c % 11 != 0;
    const int orders = buyer ? 1 + static_cast<int>(rng.below(6)) : 0;
    for (int o = 0; o < orders; ++o) {
      const Seconds t = t0 + static_cast<Seconds>(rng.below(700)) * kSecondsPerDay +
                        static_cast<Seconds>(rng.below(86400));
      const int lines = 1 + static_cast<int>(rng.below(3));
      for (int l = 0; l < lines; ++l) {
        const char* cat = cats[rng.below(std::size(cats))];
        std::string quoted = "\"";
        for (const char* p = cat; *p != '\0'; ++p) quoted += *p == '"' ? std::string("\"\"") : std::string(1, *p);
        quoted += "\"";
        const std::string product =
            rng.below(10) == 0 ? fmt::format("\"P{}\nline two\"", rng.below(40))
                               : fmt::format("P{}", rng.below(40));
        tx += fmt::format("{},O{}-{},{},{:.2f},{},{},{},{},{},{:.2f},{}\r\n", id, c, o,
                          format_datetime(t), 5.0 + static_cast<double>(rng.below(20000)) / 100.0,
                          1 + rng.below(3), product, quoted, chans[rng.below(3)],
                          pays[rng.below(4)], rng.below(3) == 0 ? 0.2 : 0.0, rng.below(20) == 0 ? 1 : 0);
      }
    }
    if (bad_rows && c % 97 == 0) tx += fmt::format("{},O-bad,not a date,12,1,P1,toys,web,card,0,0\r\n", id);
    const int sessions = static_cast<int>(rng.below(5));
    for (int s = 0; s < sessions; ++s) {
      const Seconds t = t0 + static_cast<Seconds>(rng.below(720)) * kSecondsPerDay;
      ss += fmt::format(R"({{"customer_id": "{}", "timestamp": "{}", "duration_s": {}, "pages": {}, "device": "{}"}})",
                        id, format_datetime(t), rng.below(900), 1 + rng.below(12),
                        devices[rng.below(std::size(devices))]);
      ss += "\n";
    }
    for (int e = 0; e < static_cast<int>(rng.below(4)); ++e)
      em += fmt::format("{},{},{},camp{}\n", id,
                        format_date(t0 + static_cast<Seconds>(rng.below(720)) * kSecondsPerDay),
                        rng.below(2) == 0 ? "sent" : (rng.below(2) == 0 ? "open" : "click"),
                        rng.below(5));
    if (c % 3 != 0)
      at += fmt::format("{},{},{},{},{}\n", id, format_date(t0 - static_cast<Seconds>(rng.below(300)) * kSecondsPerDay),
                        rng.below(4) == 0 ? "north" : (rng.below(2) == 0 ? "south" : "east"),
                        18 + rng.below(60), rng.below(2) == 0 ? "copper" : "quartz");
    if (c > 3 && rng.below(4) == 0)
      rf += fmt::format("{},{},{}\n", customer_id(1 + rng.below(static_cast<std::uint64_t>(c - 1))), id,
                        format_date(t0 + static_cast<Seconds>(rng.below(700)) * kSecondsPerDay));
  }
  dir.write("transactions.csv", tx);
  dir.write("sessions.jsonl.zst", zstd(ss));
  dir.write("emails.csv", em);
  dir.write("support.csv", "customer_id,timestamp,topic,sentiment\n" + customer_id(2) +
                               ",2023-05-01,billing,-0.5\n" + customer_id(9) +
                               ",2023-06-01,delivery,0.25\n");
  dir.write("customers.csv", at);
  dir.write("referrals.csv", rf);
}

struct Whole {
  FeatureTable table;
  std::vector<std::string> ids;
};

Whole whole(const Context& ctx, const std::string& path, const io::ReadOptions& ro,
            const FeatureSpec& spec) {
  auto ds = io::load_dataset(ctx, path, ro);
  EXPECT_TRUE(ds.ok()) << ds.status().message();
  auto t = compute_features(ctx, ds->log, spec);
  EXPECT_TRUE(t.ok()) << t.status().message();
  Whole w{std::move(*t), {}};
  for (auto c : w.table.customers) w.ids.push_back(ds->log.external_id(c));
  return w;
}

void expect_same(const Whole& w, const PartitionedTable& p) {
  ASSERT_EQ(w.table.names(), p.table.names());
  ASSERT_EQ(w.ids, p.ids);
  ASSERT_EQ(w.table.rows(), p.table.rows());
  for (index_t r = 0; r < w.table.rows(); ++r)
    for (index_t j = 0; j < w.table.cols(); ++j) {
      const float a = w.table.values(r, j), b = p.table.values(r, j);
      ASSERT_EQ(std::memcmp(&a, &b, sizeof a), 0)
          << "row " << r << " (" << w.ids[static_cast<std::size_t>(r)] << ") column "
          << w.table.info[static_cast<std::size_t>(j)].name << ": " << a << " vs " << b;
    }
  for (std::size_t j = 0; j < w.table.info.size(); ++j)
    EXPECT_EQ(w.table.info[j].description, p.table.info[j].description);
}

TEST(Partitioned, EqualsTheWholeDatasetForAnyNumberOfPartitions) {
  TempDir dir, spill;
  write_dataset(dir, 700, false);
  const Context ctx(2, 1);
  io::ReadOptions ro;
  ro.window_bytes = 20000;  // several windows per stream
  ro.chunk_bytes = 4000;
  FeatureSpec spec;
  spec.max_levels = 3;  // pooled "other" levels
  for (const Seconds as_of : {*parse_iso8601("2025-01-01"), *parse_iso8601("2024-03-15")}) {
    spec.as_of = as_of;
    const Whole w = whole(ctx, dir.path(), ro, spec);
    ASSERT_GT(w.table.column("referral_pagerank"), 0);
    ASSERT_GT(w.table.column("spend_vs_category_median"), 0);
    ASSERT_GT(w.table.column("device_share_other"), 0);
    for (std::uint32_t parts : {1u, 3u, 16u}) {
      SCOPED_TRACE(fmt::format("{} partitions, as of {}", parts, format_date(as_of)));
      auto data = io::partition_dataset(ctx, dir.path(), ro, parts, spill.path());
      ASSERT_TRUE(data.ok()) << data.status().message();
      auto p = compute_features_partitioned(ctx, *data, spec);
      ASSERT_TRUE(p.ok()) << p.status().message();
      expect_same(w, *p);
    }
  }
  // Every spill folder went with its PartitionedDataset.
  EXPECT_TRUE(std::filesystem::is_empty(spill.path()));
}

TEST(Partitioned, TransactionsAloneAreCountedWhileSplitting) {
  TempDir dir, spill;
  write_dataset(dir, 500, false);
  for (const char* name : {"sessions.jsonl.zst", "support.csv", "customers.csv"})
    std::filesystem::remove(std::filesystem::path(dir.path()) / name);
  const Context ctx(2, 1);
  io::ReadOptions ro;
  ro.window_bytes = 30000;
  FeatureSpec spec;
  spec.max_levels = 3;
  auto data = io::partition_dataset(ctx, dir.path(), ro, 6, spill.path());
  ASSERT_TRUE(data.ok()) << data.status().message();
  // After the data's end the routing pass's counts are the population; before it they are not.
  spec.as_of = (day_of(data->last_event_time) + 1) * kSecondsPerDay;
  const auto routed = routed_population(*data, spec);
  ASSERT_TRUE(routed.has_value());
  Population counted;
  for (std::uint32_t k = 0; k < data->partitions; ++k) {
    auto part = io::load_partition(ctx, *data, k);
    ASSERT_TRUE(part.ok());
    auto pop = count_population(ctx, part->log, spec);
    ASSERT_TRUE(pop.ok());
    counted.merge(*pop);
  }
  EXPECT_EQ(routed->columns, counted.columns);
  EXPECT_EQ(routed->levels, counted.levels);
  EXPECT_EQ(routed->levels.at("transactions.category").size(), 7u);
  const Whole w = whole(ctx, dir.path(), ro, spec);
  auto p = compute_features_partitioned(ctx, *data, spec);
  ASSERT_TRUE(p.ok()) << p.status().message();
  expect_same(w, *p);

  spec.as_of = data->last_event_time;
  EXPECT_FALSE(routed_population(*data, spec).has_value());
}

TEST(Partitioned, ReportsRejectsAndTheDataEndAsTheWholeRead) {
  TempDir dir, spill, rejects_whole, rejects_parts;
  write_dataset(dir, 300, true);
  const Context ctx(1, 1);
  io::ReadOptions ro;
  ro.on_error = io::OnError::quarantine;
  ro.rejects_dir = rejects_whole.path();
  auto ds = io::load_dataset(ctx, dir.path(), ro);
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  ro.rejects_dir = rejects_parts.path();
  auto data = io::partition_dataset(ctx, dir.path(), ro, 5, spill.path());
  ASSERT_TRUE(data.ok()) << data.status().message();
  ASSERT_EQ(ds->reports.size(), data->reports.size());
  for (std::size_t i = 0; i < ds->reports.size(); ++i) {
    const auto& a = ds->reports[i];
    const auto& b = data->reports[i];
    EXPECT_EQ(a.stream, b.stream);
    EXPECT_EQ(a.rows_read, b.rows_read) << a.stream;
    EXPECT_EQ(a.rows_accepted, b.rows_accepted) << a.stream;
    EXPECT_EQ(a.rows_rejected, b.rows_rejected) << a.stream;
    EXPECT_EQ(a.column_roles, b.column_roles) << a.stream;
    ASSERT_EQ(a.columns.size(), b.columns.size());
    for (std::size_t c = 0; c < a.columns.size(); ++c) {
      EXPECT_EQ(a.columns[c].missing, b.columns[c].missing) << a.stream << " " << a.columns[c].role;
      EXPECT_EQ(a.columns[c].invalid, b.columns[c].invalid) << a.stream << " " << a.columns[c].role;
    }
  }
  EXPECT_GT(ds->reports[0].rows_rejected, 0);
  EXPECT_EQ(rejects_whole.read("transactions.rejects.csv"),
            rejects_parts.read("transactions.rejects.csv"));
  EXPECT_EQ(ds->log.last_event_time(), data->last_event_time);
  EXPECT_EQ(ds->notes, data->notes);

  // Each partition holds whole customers: together they are the dataset's customers.
  index_t customers = 0, rows = 0;
  for (std::uint32_t k = 0; k < data->partitions; ++k) {
    auto part = io::load_partition(ctx, *data, k);
    ASSERT_TRUE(part.ok()) << part.status().message();
    customers += part->log.customers();
    rows += part->log.transactions.size();
    EXPECT_TRUE(part->log.has(events::Stream::support));
    EXPECT_FALSE(part->log.has(events::Stream::referrals));
  }
  const index_t referral_only = [&] {
    index_t n = 0;
    for (index_t c = 0; c < data->referrals->log.customers(); ++c)
      if (ds->log.find(data->referrals->log.external_id(static_cast<events::customer_t>(c))) >= 0) ++n;
    return n;
  }();
  EXPECT_EQ(referral_only, data->referrals->log.customers());
  EXPECT_EQ(rows, ds->log.transactions.size());
  EXPECT_LE(customers, ds->log.customers());
}

TEST(Partitioned, QualityReportEqualsTheWholeRead) {
  TempDir dir, spill, rejects;
  write_dataset(dir, 400, true);
  // Exact copies of rows, an order line repeated with another amount, a far outlier.
  std::string tx = dir.read("transactions.csv");
  tx += "5,O5-x,2023-03-01T10:00:00Z,10.00,1,P1,toys,web,card,0.00,0\r\n";
  tx += "5,O5-x,2023-03-01T10:00:00Z,10.00,1,P1,toys,web,card,0.00,0\r\n";
  tx += "5,O5-x,2023-03-01T10:00:00Z,12.00,1,P1,toys,web,card,0.00,0\r\n";
  tx += "c10,O10-x,2023-03-02,99999.00,1,P2,toys,web,card,0.00,0\r\n";
  tx += "c10,O10-y,2023-03-02,-20.00,1,P2,toys,web,card,0.00,1\r\n";
  tx += "c10,O10-z,2023-03-03,0,1,P2,toys,web,card,0.00,0\r\n";
  dir.write("transactions.csv", tx);
  // Customers with attributes only.
  dir.write("customers.csv", dir.read("customers.csv") + "ghost1,2022-05-01,north,30,copper\nghost2,2022-06-01,east,41,quartz\n");
  const Context ctx(2, 1);
  io::ReadOptions ro;
  ro.on_error = io::OnError::quarantine;
  ro.rejects_dir = rejects.path();
  ro.now = *parse_iso8601("2024-06-01");  // the last events are in the future: left out
  io::QualityOptions qo;
  auto ds = io::load_dataset(ctx, dir.path(), ro);
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  auto expected = io::check_quality(ctx, *ds, qo);
  ASSERT_TRUE(expected.ok());
  const auto want = io::quality_json(*expected);
  for (const char* kind : {"duplicate_rows", "duplicate_order_lines", "negative_amount", "zero_amount",
                           "amount_outlier", "future_time", "customers_without_events", "unknown_customers"}) {
    bool found = false;
    for (const auto& f : expected->findings) found = found || f.kind == kind;
    EXPECT_TRUE(found) << kind;
  }
  for (std::uint32_t parts : {1u, 4u, 9u}) {
    SCOPED_TRACE(fmt::format("{} partitions", parts));
    auto data = io::partition_dataset(ctx, dir.path(), ro, parts, spill.path());
    ASSERT_TRUE(data.ok()) << data.status().message();
    auto got = io::check_quality(ctx, *data, qo);
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(io::quality_json(*got).dump(1), want.dump(1));
  }

  // Past the distinct-amount cap the median and MAD come from amounts rounded to 4 significant
  // digits, the same for the whole and the partitions, and the finding says so.
  qo.max_distinct_amounts = 50;
  auto rounded = io::check_quality(ctx, *ds, qo);
  ASSERT_TRUE(rounded.ok());
  EXPECT_NEAR(rounded->amount_median, expected->amount_median, 0.001 * expected->amount_median);
  auto data = io::partition_dataset(ctx, dir.path(), ro, 4, spill.path());
  ASSERT_TRUE(data.ok());
  auto got = io::check_quality(ctx, *data, qo);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(io::quality_json(*got).dump(1), io::quality_json(*rounded).dump(1));
  bool said = false;
  for (const auto& f : got->findings)
    said = said || (f.kind == "amount_outlier" && f.message.find("rounded to 4 significant digits") != std::string::npos);
  EXPECT_TRUE(said);
}

TEST(Partitioned, ABadFileFailsAsTheWholeReadDoes) {
  TempDir dir, spill;
  dir.write("transactions.csv", "customer_id,timestamp,amount\nc1,2024-01-01,10\nc2,2024-01-02,x\n");
  const Context ctx(1, 1);
  io::ReadOptions ro;
  auto ds = io::load_dataset(ctx, dir.path(), ro);
  auto data = io::partition_dataset(ctx, dir.path(), ro, 4, spill.path());
  ASSERT_FALSE(ds.ok());
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(ds.status().message(), data.status().message());
  EXPECT_NE(data.status().where().find("transactions.csv:3:3"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(spill.path()));
}

TEST(Partitioned, AnUnwritableSpillFolderIsAnIoError) {
  TempDir dir;
  dir.write("transactions.csv", "customer_id,timestamp,amount\nc1,2024-01-01,10\n");
  dir.write("blocker", "a file, not a folder");
  auto data = io::partition_dataset(Context(1, 1), dir.path(), io::ReadOptions{}, 2,
                                    dir.path() + "/blocker/spill");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), Code::io_error);
}

TEST(Partitioned, PartitionCountFollowsTheMemoryLimit) {
  const auto text = [](std::uint64_t total, std::uint64_t transactions) {
    return io::TextEstimate{total, transactions};
  };
  constexpr std::uint64_t G = std::uint64_t{1} << 30;
  EXPECT_EQ(io::partitions_for(text(1000, 1000), 10000), 1u);
  // Transactions alone: 1.6 bytes per byte of text.
  EXPECT_EQ(text(5 * G, 5 * G).memory(), 8 * G);
  EXPECT_EQ(io::partitions_for(text(5 * G, 5 * G), 8 * G), 1u);
  EXPECT_EQ(io::partitions_for(text(10 * G, 10 * G), 8 * G), 6u);   // 16 G in thirds of 8
  EXPECT_EQ(io::partitions_for(text(50 * G, 50 * G), 8 * G), 30u);  // 80 G
  // Every stream, transactions half of it: 0.8 bytes per byte of all text.
  EXPECT_EQ(text(20 * G, 8 * G).memory(), 16 * G);
  EXPECT_EQ(io::partitions_for(text(20 * G, 8 * G), 8 * G), 6u);
  EXPECT_EQ(io::partitions_for(text(std::uint64_t{1} << 50, 0), 1), 4096u);
}

}  // namespace
}  // namespace kohort::features
