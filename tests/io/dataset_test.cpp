#include "kohort/io/dataset.h"

#include <sqlite3.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <random>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "io_test_util.h"

namespace kohort::io {
namespace {

using test::TempDir;

Result<Dataset> load(const std::string& path, OnError on_error = OnError::fail, int threads = 1,
                     std::size_t chunk = std::size_t{4} << 20) {
  ReadOptions o;
  o.on_error = on_error;
  o.chunk_bytes = chunk;
  return load_dataset(Context(threads, 1), path, o);
}

// Everything in a log, as text, for equality checks.
std::string dump(const events::EventLog& log) {
  std::ostringstream s;
  s << "customers";
  for (index_t c = 0; c < log.customers(); ++c) s << ' ' << log.external_id(static_cast<events::customer_t>(c));
  const auto& t = log.transactions;
  s << "\ntx " << t.size() << '\n';
  for (index_t i = 0; i < t.size(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    s << t.customer[k] << ' ' << t.time[k] << ' ' << t.amount[k];
    if (!t.order.empty()) s << " o" << t.order[k];
    if (!t.quantity.empty()) s << " q" << t.quantity[k];
    if (!t.product.empty()) s << " p" << t.product[k];
    if (!t.category.empty()) s << " c" << t.category[k];
    if (!t.channel.empty()) s << " ch" << t.channel[k];
    if (!t.payment.empty()) s << " pm" << t.payment[k];
    if (!t.discount.empty()) s << " d" << t.discount[k];
    if (!t.returned.empty()) s << " r" << int(t.returned[k]);
    s << '\n';
  }
  for (auto o : t.offsets) s << o << ',';
  for (const auto& v : t.categories.values()) s << v << ';';
  for (const auto& v : t.products.values()) s << v << ';';
  const auto& a = log.attributes;
  s << "\nattr " << a.size() << '\n';
  for (index_t i = 0; i < a.size(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    s << a.customer[k];
    if (!a.region.empty()) s << ' ' << a.region[k];
    if (!a.age.empty()) s << ' ' << a.age[k];
    s << '\n';
  }
  return s.str();
}

const std::string kTxHeader =
    "customer_id,order_id,timestamp,amount,quantity,product_id,category,channel,payment_method,"
    "discount,returned\n";

// ---------------------------------------------------------------------------------------
// CSV dialects

TEST(LoadDataset, ReadsSimulatorHeaderAndRoles) {
  TempDir dir;
  dir.write("transactions.csv", kTxHeader +
                                    "c1,o1,2024-01-02T10:00:00Z,12.5,1,p1,books,web,card,0.1,0\n"
                                    "c2,o2,2024-01-03,7,2,p2,toys,store,cash,,1\n");
  auto ds = load(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  const auto& t = ds->log.transactions;
  ASSERT_EQ(t.size(), 2);
  EXPECT_TRUE(ds->log.has(events::Stream::transactions));
  EXPECT_FALSE(ds->log.has(events::Stream::sessions));
  EXPECT_EQ(ds->log.external_id(0), "c1");
  EXPECT_DOUBLE_EQ(t.amount[0], 12.5);
  EXPECT_EQ(t.time[0], 1704189600);
  EXPECT_EQ(t.time[1], 1704240000);
  EXPECT_FLOAT_EQ(t.discount[0], 0.1f);
  EXPECT_TRUE(std::isnan(t.discount[1]));
  EXPECT_EQ(t.returned[1], 1);
  EXPECT_EQ(t.categories.value(t.category[1]), "toys");
  ASSERT_EQ(ds->reports.size(), 1u);
  const auto& r = ds->reports[0];
  EXPECT_EQ(r.rows_read, 2);
  EXPECT_EQ(r.rows_accepted, 2);
  EXPECT_EQ(r.rows_rejected, 0);
  ASSERT_EQ(r.column_roles.size(), 11u);
  EXPECT_EQ(r.column_roles[0], (std::pair<std::string, std::string>{"customer", "customer_id"}));
  EXPECT_EQ(r.column_roles[2], (std::pair<std::string, std::string>{"amount", "amount"}));
  EXPECT_EQ(r.columns[9].role, "discount");
  EXPECT_EQ(r.columns[9].missing, 1);
}

TEST(LoadDataset, QuotedFieldsEmbeddedNewlinesBomCrlf) {
  TempDir dir;
  dir.write("transactions.csv",
            "\xEF\xBB\xBF" "customer_id,timestamp,amount,category\r\n"
            "\"c,1\",2024-01-01,\"1.5\",\"a \"\"quoted\"\" cat\"\r\n"
            "c2,2024-01-02,2,\"two\r\nlines\"\r\n"
            "c3,2024-01-03,3,x\r\n");
  auto ds = load(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  const auto& t = ds->log.transactions;
  ASSERT_EQ(t.size(), 3);
  EXPECT_EQ(ds->log.external_id(t.customer[0]), "c,1");
  EXPECT_EQ(t.categories.value(t.category[0]), "a \"quoted\" cat");
  EXPECT_EQ(t.categories.value(t.category[1]), "two\r\nlines");
  EXPECT_EQ(ds->reports[0].column_roles[0].second, "customer_id");  // BOM stripped
}

TEST(LoadDataset, TabSemicolonAndPipeDelimiters) {
  for (const char* d : {"\t", ";", "|"}) {
    TempDir dir;
    const std::string sep = d;
    dir.write(sep == "\t" ? "transactions.tsv" : "transactions.csv",
              "customer_id" + sep + "timestamp" + sep + "amount\n" + "a" + sep + "2024-01-01" +
                  sep + "3.25\n" + "b" + sep + "2024-01-02" + sep + "4\n");
    auto ds = load(dir.path());
    ASSERT_TRUE(ds.ok()) << ds.status().message();
    ASSERT_EQ(ds->log.transactions.size(), 2);
    EXPECT_DOUBLE_EQ(ds->log.transactions.amount[0], 3.25);
  }
}

TEST(LoadDataset, SingleFilePathIsTransactions) {
  TempDir dir;
  const auto f = dir.write("orders.csv", "user_id,date,revenue\nu1,2024-02-01,10\n");
  auto ds = load(f);
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  EXPECT_EQ(ds->log.transactions.size(), 1);
  EXPECT_EQ(ds->reports[0].file, f);
}

// ---------------------------------------------------------------------------------------
// Header-name inference

TEST(LoadDataset, InfersUciOnlineRetailHeaderWithPriceTimesQuantity) {
  TempDir dir;
  dir.write("transactions.csv",
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
            "536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom\n"
            "536366,22633,HAND WARMER,6,12/1/2010 8:28,1.85,17850,United Kingdom\n"
            "C536379,D,Discount,-1,12/13/2010 9:41,27.5,14527,United Kingdom\n");
  auto ds = load(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  const auto& t = ds->log.transactions;
  ASSERT_EQ(t.size(), 3);
  // 14527 < 17850: canonical customer order.
  EXPECT_EQ(ds->log.external_id(0), "14527");
  EXPECT_DOUBLE_EQ(t.amount[0], -27.5);
  EXPECT_NEAR(t.amount[1], 6 * 2.55, 1e-12);
  EXPECT_EQ(t.time[1], 1291191960);  // 2010-12-01T08:26:00Z
  EXPECT_NE(t.order[1], t.order[2]);  // 536365 and 536366
  EXPECT_TRUE(t.orders.values().empty());
  EXPECT_EQ(t.products.value(t.product[2]), "22633");
  const auto& r = ds->reports[0];
  const auto has = [&](const std::string& role, const std::string& src) {
    return std::find(r.column_roles.begin(), r.column_roles.end(),
                     std::pair<std::string, std::string>{role, src}) != r.column_roles.end();
  };
  EXPECT_TRUE(has("customer", "CustomerID"));
  EXPECT_TRUE(has("time", "InvoiceDate"));
  EXPECT_TRUE(has("amount", "UnitPrice × Quantity"));
  EXPECT_TRUE(has("order_id", "InvoiceNo"));
  EXPECT_TRUE(has("product_id", "StockCode"));
  EXPECT_EQ(r.ignored, (std::vector<std::string>{"Description", "Country"}));
  ASSERT_EQ(r.time_formats.size(), 1u);
  EXPECT_EQ(r.time_formats[0].second, "M/D/YYYY [H:MM]");
}

TEST(LoadDataset, HeaderNamesIgnoreCaseSpacesAndUnderscores) {
  TempDir dir;
  dir.write("transactions.csv", "Customer ID,ORDER_DATE,Total\nx,2024-03-01,1\n");
  auto ds = load(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  EXPECT_EQ(ds->reports[0].column_roles[1].second, "ORDER_DATE");
}

TEST(LoadDataset, RejectsMissingRequiredColumnListingHeaderAndNames) {
  TempDir dir;
  const auto f = dir.write("transactions.csv", "customer_id,when,amount\nc,2024-01-01,1\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().code(), Code::invalid_input);
  EXPECT_EQ(ds.status().where(), f);
  EXPECT_EQ(ds.status().what(),
            "no time column in transactions; the header has: customer_id, when, amount; "
            "accepted names: timestamp, InvoiceDate, date, order_date, event_time, time, "
            "datetime, created_at, purchase_date, transaction_date, event_date, session_start, "
            "sent_at, contact_date");
  EXPECT_NE(ds.status().hint().find("kohort.toml"), std::string::npos);
}

TEST(LoadDataset, RejectsMissingAmountWithoutPriceOrQuantity) {
  TempDir dir;
  dir.write("transactions.csv", "customer_id,timestamp,quantity\nc,2024-01-01,1\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().what().rfind("no amount column in transactions (nor unit price and "
                                     "quantity to derive it); the header has: customer_id, "
                                     "timestamp, quantity; accepted names: amount, sales",
                                     0),
            0u)
      << ds.status().what();
}

// ---------------------------------------------------------------------------------------
// Timestamps

struct TimeCase {
  std::string text;
  Seconds expected;
};

TEST(LoadDataset, ParsesEachTimestampFormat) {
  const std::vector<std::vector<TimeCase>> cases = {
      {{"2024-01-31", 1706659200}, {"2024-01-31T08:26:00Z", 1706689560}},
      {{"2024-01-31T10:26:00+02:00", 1706689560}, {"2024-01-31 08:26", 1706689560}},
      {{"20240131", 1706659200}, {"20240201", 1706745600}},
      {{"1706689560", 1706689560}, {"1706659200", 1706659200}},
      {{"1706689560000", 1706689560}, {"1706659200500", 1706659200}},
      {{"1/31/2024 8:26", 1706689560}, {"2/1/2024 0:00", 1706745600}},
      {{"31/1/2024", 1706659200}, {"1/2/2024", 1706745600}},
      {{"31.01.2024", 1706659200}, {"01.02.2024", 1706745600}},
      {{"1/31/2024 8:26 PM", 1706732760}, {"1/31/2024 12:05 AM", 1706659500}},
      {{"2024/01/31 08:26:00", 1706689560}, {"2024/02/01", 1706745600}},
  };
  for (const auto& c : cases) {
    TempDir dir;
    std::string text = "customer_id,timestamp,amount\n";
    for (std::size_t i = 0; i < c.size(); ++i) text += fmt::format("c{},\"{}\",1\n", i, c[i].text);
    dir.write("transactions.csv", text);
    auto ds = load(dir.path());
    ASSERT_TRUE(ds.ok()) << c[0].text << ": " << ds.status().message();
    for (std::size_t i = 0; i < c.size(); ++i)
      EXPECT_EQ(ds->log.transactions.time[i], c[i].expected) << c[i].text;
  }
}

TEST(LoadDataset, RejectsUnknownDateFormatNamingCell) {
  TempDir dir;
  const auto f = dir.write("transactions.csv", "customer_id,timestamp,amount\nc,yesterday,1\nd,soon,2\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().where(), f + ":2:2");
  EXPECT_EQ(ds.status().what(), "unknown date format: timestamp 'yesterday'");
  EXPECT_NE(ds.status().hint().find("M/D/YYYY"), std::string::npos);
}

TEST(LoadDataset, RejectsBadDateInDecidedFormat) {
  TempDir dir;
  const auto f = dir.write("transactions.csv",
                           "customer_id,timestamp,amount\nc,2024-01-01,1\nd,2024-13-01,2\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().message(),
            f + ":3:2: error: timestamp '2024-13-01' does not match the column's date format "
                "YYYY-MM-DD[THH:MM:SS] (decided from its first rows)\nhint: fix the value, or "
                "set the column's date format in kohort.toml ([transactions] time_format = "
                "\"D/M/YYYY\"), or pass --on-error=skip to leave such rows out or "
                "--on-error=quarantine to write them to a rejects file");
}

// ---------------------------------------------------------------------------------------
// Malformed input

TEST(LoadDataset, RejectsBadNumberWithFileLineColumn) {
  TempDir dir;
  const auto f = dir.write("transactions.csv",
                           "customer_id,timestamp,amount\nc,2024-01-01,1\nd,2024-01-02,abc\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().code(), Code::invalid_input);
  EXPECT_EQ(ds.status().where(), f + ":3:3");
  EXPECT_EQ(ds.status().what(), "amount 'abc' is not a number");
  EXPECT_NE(ds.status().hint().find("--on-error=skip"), std::string::npos);
  EXPECT_NE(ds.status().hint().find("--on-error=quarantine"), std::string::npos);
}

TEST(LoadDataset, RejectsWrongFieldCount) {
  TempDir dir;
  const auto f = dir.write("transactions.csv",
                           "customer_id,timestamp,amount\nc,2024-01-01,1\nd,2024-01-02\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().where(), f + ":3:3");
  EXPECT_EQ(ds.status().what(), "row has 2 fields, the header has 3");
}

TEST(LoadDataset, RejectsEmptyCustomerId) {
  TempDir dir;
  const auto f = dir.write("transactions.csv", "customer_id,timestamp,amount\n ,2024-01-01,1\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().where(), f + ":2:1");
  EXPECT_EQ(ds.status().what(), "empty customer id in column customer_id");
}

TEST(LoadDataset, RejectsUnterminatedQuoteNamingOpeningLine) {
  TempDir dir;
  const auto f = dir.write("transactions.csv",
                           "customer_id,timestamp,amount,category\nc,2024-01-01,1,x\n"
                           "d,2024-01-02,2,\"never closed\ne,2024-01-03,3,y\n");
  auto ds = load(dir.path(), OnError::skip);
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().where(), f + ":3:4");
  EXPECT_EQ(ds.status().what(), "quoted field is not closed before the end of the file");
}

TEST(LoadDataset, RejectsEmptyFile) {
  TempDir dir;
  const auto f = dir.write("transactions.csv", "");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().message(),
            f + ": error: file is empty; expected a header line naming the columns\nhint: write "
                "the column names on line 1, e.g. customer_id,timestamp,amount");
  dir.write("transactions.csv", "\n\r\n");
  EXPECT_EQ(load(dir.path()).status().what(),
            "file is empty; expected a header line naming the columns");
}

TEST(LoadDataset, RejectsWrongDelimiter) {
  TempDir dir;
  const auto f = dir.write("transactions.csv",
                           "customer_id timestamp amount\nc,2024-01-01,1\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().where(), f + ":2");
  EXPECT_EQ(ds.status().what(),
            "the header has one column ('customer_id timestamp amount') but line 2 has 3 "
            "fields separated by ','");
}

TEST(LoadDataset, MissingFolderAndMissingTransactions) {
  TempDir dir;
  EXPECT_EQ(load(dir.path() + "/nope").status().code(), Code::not_found);
  dir.write("sessions.csv", "customer_id,timestamp\nc,2024-01-01\n");
  auto ds = load(dir.path());
  EXPECT_EQ(ds.status().code(), Code::not_found);
  EXPECT_EQ(ds.status().what(), "no transactions file in the folder");
}

// ---------------------------------------------------------------------------------------
// skip and quarantine

const std::string kBadRows =
    "customer_id,timestamp,amount\n"
    "c1,2024-01-01,1\n"
    "c2,2024-01-02,x1\n"
    "c3,2024-01-03\n"
    "\"c,4\",2024-01-04,\"4\"\n"
    "c5,2024-99-05,5\n"
    ",2024-01-06,6\n";

TEST(LoadDataset, SkipCountsRejectedRows) {
  TempDir dir;
  dir.write("transactions.csv", kBadRows);
  auto ds = load(dir.path(), OnError::skip);
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  const auto& r = ds->reports[0];
  EXPECT_EQ(r.rows_read, 6);
  EXPECT_EQ(r.rows_accepted, 2);
  EXPECT_EQ(r.rows_rejected, 4);
  ASSERT_EQ(r.rejects.size(), 4u);
  EXPECT_EQ(r.rejects[0].line, 3);
  EXPECT_EQ(r.rejects[0].column, 3);
  EXPECT_EQ(r.rejects[0].reason, "amount 'x1' is not a number");
  EXPECT_EQ(r.rejects[1].reason, "row has 2 fields, the header has 3");
  EXPECT_EQ(r.rejects[3].text, ",2024-01-06,6");
  EXPECT_EQ(r.columns[2].invalid, 1);  // amount
  EXPECT_EQ(r.columns[1].invalid, 1);  // time
  EXPECT_EQ(r.columns[0].invalid, 1);  // customer
  EXPECT_TRUE(r.rejects_file.empty());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/transactions.rejects.csv"));
  EXPECT_EQ(ds->log.customers(), 2);  // rejected rows' customers are not interned
}

TEST(LoadDataset, QuarantineWritesRejectsFile) {
  TempDir dir;
  const auto f = dir.write("transactions.csv", kBadRows);
  auto ds = load(dir.path(), OnError::quarantine);
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  EXPECT_EQ(ds->reports[0].rows_rejected, 4);
  EXPECT_EQ(ds->reports[0].rejects_file, dir.path() + "/transactions.rejects.csv");
  EXPECT_EQ(dir.read("transactions.rejects.csv"),
            "source,line,column,reason,text\n" + f +
                ",3,3,amount 'x1' is not a number,\"c2,2024-01-02,x1\"\n" + f +
                ",4,3,\"row has 2 fields, the header has 3\",\"c3,2024-01-03\"\n" + f +
                ",6,2,timestamp '2024-99-05' does not match the column's date format "
                "YYYY-MM-DD[THH:MM:SS] (decided from its first rows),\"c5,2024-99-05,5\"\n" +
                f + ",7,1,empty customer id in column customer_id,\",2024-01-06,6\"\n");
  // A second folder for rejects.
  TempDir other;
  ReadOptions o;
  o.on_error = OnError::quarantine;
  o.rejects_dir = other.path();
  auto ds2 = load_dataset(Context(1, 1), dir.path(), o);
  ASSERT_TRUE(ds2.ok());
  EXPECT_EQ(ds2->reports[0].rejects_file, other.path() + "/transactions.rejects.csv");
}

// Rows are converted a batch at a time, column after column; what is reported must still be
// row by row: under fail the first bad row in the file, whichever column it fails in; under
// skip every bad row in file order, each at its first bad cell in role order (time before
// amount). A row with a doubled quote, converted on its own, keeps its place.
TEST(LoadDataset, FirstBadRowIsTheErrorWhateverItsColumn) {
  TempDir dir;
  dir.write("transactions.csv",
            "customer_id,timestamp,amount,category\n"
            "c1,2024-01-01,1,books\n"
            "c2,2024-01-02,x3,books\n"           // line 3: amount
            "c3,2024-13-03,3,books\n"            // line 4: timestamp
            "c4,2024-13-04,x5,books\n"           // line 5: both; timestamp comes first
            "c5,2024-01-05,5,\"say \"\"hi\"\"\"\n"  // line 6: good, quoted
            "c6,2024-01-06,x7,books\n"           // line 7: amount
            "c7,2024-01-07,7,books\n");
  for (int threads : {1, 2}) {
    auto failed = load(dir.path(), OnError::fail, threads);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.status().where(), dir.path() + "/transactions.csv:3:3");
    EXPECT_EQ(failed.status().what(), "amount 'x3' is not a number");
    auto skipped = load(dir.path(), OnError::skip, threads);
    ASSERT_TRUE(skipped.ok()) << skipped.status().message();
    const auto& r = skipped->reports[0];
    EXPECT_EQ(r.rows_read, 7);
    EXPECT_EQ(r.rows_accepted, 3);
    ASSERT_EQ(r.rejects.size(), 4u);
    EXPECT_EQ(r.rejects[0].line, 3);
    EXPECT_EQ(r.rejects[1].line, 4);
    EXPECT_EQ(r.rejects[2].line, 5);
    EXPECT_EQ(r.rejects[2].column, 2);
    EXPECT_EQ(r.rejects[3].line, 7);
    EXPECT_EQ(r.columns[1].invalid, 2);  // timestamp
    EXPECT_EQ(r.columns[2].invalid, 2);  // amount
    const auto& cats = skipped->log.transactions.categories.values();
    EXPECT_NE(std::find(cats.begin(), cats.end(), "say \"hi\""), cats.end());
  }
}

// ---------------------------------------------------------------------------------------
// Determinism

std::string random_transactions(int rows, std::uint32_t seed, bool quoted) {
  std::mt19937 rng(seed);
  std::string s = kTxHeader;
  const char* cats[] = {"books", "toys", "food, fresh", "garden"};
  for (int i = 0; i < rows; ++i) {
    const int c = static_cast<int>(rng() % 97);
    s += fmt::format("cust{},o{},2024-{:02d}-{:02d}T{:02d}:00:00Z,{}.{:02d},{},p{},{}{}{},web,card,0.{},{}\n",
                     c, rng() % 500, 1 + rng() % 12, 1 + rng() % 28, rng() % 3,
                     rng() % 200, rng() % 100, 1 + rng() % 3, rng() % 40, quoted ? "\"" : "",
                     quoted ? cats[rng() % 4] : "plain", quoted ? "\"" : "", rng() % 5,
                     rng() % 2);
  }
  return s;
}

TEST(LoadDataset, RowOrderDoesNotChangeFinalizedLog) {
  const std::string text = random_transactions(600, 7, true);
  std::vector<std::string> lines;
  std::istringstream in(text.substr(kTxHeader.size()));
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::mt19937 rng(3);
  std::shuffle(lines.begin(), lines.end(), rng);
  std::string shuffled = kTxHeader;
  for (const auto& l : lines) shuffled += l + "\n";
  TempDir a, b;
  a.write("transactions.csv", text);
  b.write("transactions.csv", shuffled);
  auto da = load(a.path());
  auto db = load(b.path());
  ASSERT_TRUE(da.ok() && db.ok());
  EXPECT_EQ(dump(da->log), dump(db->log));
}

TEST(LoadDataset, MultiThreadedParseEqualsSingleThreaded) {
  for (bool quoted : {false, true}) {
    TempDir dir;
    dir.write("transactions.csv", random_transactions(3000, 11, quoted));
    auto one = load(dir.path(), OnError::fail, 1);
    ASSERT_TRUE(one.ok()) << one.status().message();
    for (std::size_t chunk : {std::size_t{97}, std::size_t{1000}, std::size_t{65536}}) {
      for (int threads : {1, 2, 4}) {
        auto many = load(dir.path(), OnError::fail, threads, chunk);
        ASSERT_TRUE(many.ok()) << many.status().message();
        EXPECT_EQ(dump(one->log), dump(many->log)) << chunk << " " << threads;
      }
    }
  }
}

TEST(LoadDataset, ChunkedErrorsMatchSequentialOrder) {
  std::string text = random_transactions(2000, 5, false);
  // Two bad rows far apart: under fail the first one is reported at any chunking.
  auto pos = text.find('\n', text.size() / 3);
  text.insert(pos + 1, "bad,o1,2024-01-01T00:00:00Z,NOPE,1,p1,plain,web,card,0.1,0\n");
  auto pos2 = text.find('\n', 2 * text.size() / 3);
  text.insert(pos2 + 1, "bad2,o1,2024-01-01T00:00:00Z,1,1,p1,plain,web,card,0.1\n");
  TempDir dir;
  dir.write("transactions.csv", text);
  auto one = load(dir.path(), OnError::fail, 1);
  auto many = load(dir.path(), OnError::fail, 4, 500);
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.status().message(), many.status().message());
  EXPECT_EQ(one.status().what(), "amount 'NOPE' is not a number");
  auto s1 = load(dir.path(), OnError::skip, 1);
  auto s4 = load(dir.path(), OnError::skip, 4, 500);
  ASSERT_TRUE(s1.ok() && s4.ok());
  EXPECT_EQ(s1->reports[0].rows_rejected, 2);
  ASSERT_EQ(s4->reports[0].rejects.size(), 2u);
  EXPECT_EQ(s1->reports[0].rejects[1].line, s4->reports[0].rejects[1].line);
  EXPECT_EQ(dump(s1->log), dump(s4->log));
}

TEST(LoadDataset, IrregularQuotesFallBackToSequential) {
  std::string text = "customer_id,timestamp,amount,category\n";
  for (int i = 0; i < 400; ++i)
    text += fmt::format("c{},2024-01-01,{},{}\n", i % 13, i, i % 50 == 0 ? "5\"x" : "y");
  text += "z,2024-01-01,1,\"a\nb\"\n";
  TempDir dir;
  dir.write("transactions.csv", text);
  auto one = load(dir.path(), OnError::fail, 1);
  auto many = load(dir.path(), OnError::fail, 3, 300);
  ASSERT_TRUE(one.ok() && many.ok());
  EXPECT_EQ(dump(one->log), dump(many->log));
  EXPECT_EQ(one->log.transactions.size(), 401);
}

// ---------------------------------------------------------------------------------------
// Compression

std::string gzip(const std::string& s) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, s.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  zs.avail_in = static_cast<uInt>(s.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string zstd(const std::string& s) {
  std::string out(ZSTD_compressBound(s.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), s.data(), s.size(), 3));
  return out;
}

TEST(LoadDataset, ReadsGzipAndZstd) {
  const std::string text = random_transactions(300, 2, true);
  TempDir plain, gz, zs;
  plain.write("transactions.csv", text);
  gz.write("transactions.csv.gz", gzip(text));
  zs.write("transactions.csv.zst", zstd(text));
  auto a = load(plain.path());
  auto b = load(gz.path());
  auto c = load(zs.path());
  ASSERT_TRUE(a.ok() && b.ok() && c.ok()) << b.status().message() << c.status().message();
  EXPECT_EQ(dump(a->log), dump(b->log));
  EXPECT_EQ(dump(a->log), dump(c->log));
}

TEST(LoadDataset, RejectsTruncatedGzip) {
  const std::string text = random_transactions(2000, 2, false);
  const std::string z = gzip(text);
  TempDir dir;
  const auto f = dir.write("transactions.csv.gz", z.substr(0, z.size() / 2));
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().code(), Code::invalid_input);
  EXPECT_EQ(ds.status().where(), f);
  EXPECT_EQ(ds.status().what().rfind("unexpected end of compressed data after ", 0), 0u)
      << ds.status().what();
  EXPECT_NE(ds.status().what().find(" bytes"), std::string::npos);
}

TEST(LoadDataset, RejectsTruncatedZstd) {
  const std::string text = random_transactions(2000, 2, false);
  const std::string z = zstd(text);
  TempDir dir;
  const auto f = dir.write("transactions.csv.zst", z.substr(0, z.size() / 2));
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().where(), f);
  EXPECT_EQ(ds.status().what().rfind("unexpected end of compressed data after ", 0), 0u)
      << ds.status().what();
}

// ---------------------------------------------------------------------------------------
// JSON Lines and the other streams

TEST(LoadDataset, ReadsJsonLinesWithInferredKeys) {
  TempDir dir;
  dir.write("transactions.jsonl",
            "{\"CustomerID\": 17850, \"InvoiceDate\": \"2024-01-01\", \"amount\": 12.5}\n"
            "\n"
            "{\"CustomerID\": \"a\", \"InvoiceDate\": \"2024-01-02\", \"amount\": \"3\"}\n");
  auto ds = load(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  ASSERT_EQ(ds->log.transactions.size(), 2);
  EXPECT_EQ(ds->log.external_id(0), "17850");
  EXPECT_DOUBLE_EQ(ds->log.transactions.amount[1], 3);
}

TEST(LoadDataset, JsonLinesErrorsNameTheLine) {
  TempDir dir;
  const auto f = dir.write("transactions.jsonl",
                           "{\"customer_id\": \"a\", \"timestamp\": \"2024-01-01\", \"amount\": 1}\n"
                           "{\"customer_id\": \"b\", \"timestamp\": \"2024-01-01\", \"amount\": 1\n"
                           "{\"customer_id\": \"c\", \"timestamp\": \"2024-01-01\", \"amount\": \"x\"}\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().where(), f + ":2");
  EXPECT_EQ(ds.status().what(), "line is not valid JSON");
  auto sk = load(dir.path(), OnError::skip);
  ASSERT_TRUE(sk.ok());
  EXPECT_EQ(sk->reports[0].rows_rejected, 2);
  EXPECT_EQ(sk->reports[0].rejects[1].reason, "amount 'x' is not a number");
  EXPECT_EQ(sk->reports[0].rejects[1].line, 3);
}

TEST(LoadDataset, ReadsAllSimulatorStreamsAndIgnoresTruth) {
  TempDir dir;
  dir.write("transactions.csv", kTxHeader + "c1,o1,2024-01-02,10,1,p1,books,web,card,0,0\n"
                                            "c2,o2,2024-01-03,5,1,p2,toys,app,card,0.2,0\n");
  dir.write("sessions.csv",
            "customer_id,timestamp,duration_s,pages,category,search,device\n"
            "c1,2024-01-01T09:00:00Z,120,4,books,1,web\nc3,2024-01-01,30,1,,0,app\n");
  dir.write("emails.csv", "customer_id,timestamp,event,campaign\nc1,2024-01-01,open,spring\n"
                          "c2,2024-01-01,clicked,\n");
  dir.write("support.csv", "customer_id,timestamp,topic,sentiment\nc2,2024-01-05,refund,-0.5\n");
  dir.write("customers.csv", "customer_id,signup_date,region,age,loyalty_tier,gender\n"
                             "c1,2023-05-01,north,34,gold,f\nc2,2023-06-01,south,,silver,m\n"
                             "c9,2023-07-01,north,51,,f\n");
  dir.write("referrals.csv", "referrer_id,referred_id,timestamp\nc1,c2,2023-06-01\n");
  dir.write("truth.csv", "customer_id,segment\nc1,1\n");
  auto ds = load(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  const auto& log = ds->log;
  for (auto s : {events::Stream::transactions, events::Stream::sessions, events::Stream::emails,
                 events::Stream::support, events::Stream::customers, events::Stream::referrals})
    EXPECT_TRUE(log.has(s));
  EXPECT_EQ(log.customers(), 4);  // c1 c2 c3 c9
  EXPECT_EQ(log.sessions.size(), 2);
  EXPECT_EQ(log.sessions.search[0], 1);
  EXPECT_EQ(log.emails.event[1], events::EmailEvent::click);
  EXPECT_FLOAT_EQ(log.support.sentiment[0], -0.5f);
  EXPECT_EQ(log.attributes.size(), 3);
  EXPECT_TRUE(std::isnan(log.attributes.age[1]));
  EXPECT_EQ(log.attributes.protected_columns, (std::vector<std::string>{"gender"}));
  EXPECT_EQ(log.referrals.size(), 1);
  EXPECT_EQ(log.external_id(log.referrals.referred[0]), "c2");
  EXPECT_NE(std::find(ds->notes.begin(), ds->notes.end(), "truth.csv ignored"), ds->notes.end());
  EXPECT_EQ(ds->reports.size(), 6u);
  EXPECT_EQ(log.transactions.offsets.size(), 5u);
}

TEST(LoadDataset, RejectsTwoFilesForOneStream) {
  TempDir dir;
  dir.write("transactions.csv", "customer_id,timestamp,amount\nc,2024-01-01,1\n");
  dir.write("transactions.csv.gz", gzip("customer_id,timestamp,amount\nc,2024-01-01,1\n"));
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().what(),
            "two files for stream transactions: transactions.csv and transactions.csv.gz");
}

}  // namespace
}  // namespace kohort::io

namespace kohort::io {
namespace {

// ---------------------------------------------------------------------------------------
// kohort.toml

TEST(DatasetConfig, MapsFileColumnsAndDateFormat) {
  TempDir dir;
  dir.write("kohort.toml",
            "[transactions]\nfile = \"orders.csv\"\ncustomer = \"Kunde\"\ntime = \"Datum\"\n"
            "amount = \"Umsatz\"\ntime_format = \"D/M/YYYY\"\n");
  dir.write("orders.csv", "Kunde;Datum;Umsatz\nk1;3/4/2024;5\nk2;4/4/2024;6\n");
  dir.write("transactions.csv", "customer_id,timestamp,amount\nx,2024-01-01,1\n");
  auto ds = load(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  ASSERT_EQ(ds->log.transactions.size(), 2);
  EXPECT_EQ(ds->log.transactions.time[0], days_from_civil(2024, 4, 3) * kSecondsPerDay);
  EXPECT_EQ(ds->reports[0].column_roles[0].second, "Kunde");
  EXPECT_EQ(ds->reports[0].file, dir.path() + "/orders.csv");
  EXPECT_NE(std::find(ds->notes.begin(), ds->notes.end(),
                      "transactions.csv ignored (kohort.toml names orders.csv for transactions)"),
            ds->notes.end());
}

TEST(DatasetConfig, RejectsUnknownKeyWithLocation) {
  TempDir dir;
  const auto t = dir.write("kohort.toml", "[transactions]\ncustmer = \"Kunde\"\n");
  dir.write("transactions.csv", "customer_id,timestamp,amount\nx,2024-01-01,1\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().code(), Code::invalid_argument);
  EXPECT_EQ(ds.status().where(), t + ":2:1");
  EXPECT_EQ(ds.status().what(), "unknown key 'custmer' in [transactions]");
  EXPECT_EQ(ds.status().hint().rfind("known keys: file, sqlite, postgresql, table, query, allow_outside, delimiter, customer, time, time_format, amount", 0),
            0u);
}

TEST(DatasetConfig, RejectsMappedColumnMissingFromHeader) {
  TempDir dir;
  const auto t = dir.write("kohort.toml", "[transactions]\ncustomer = \"Kunde\"\n");
  const auto f = dir.write("transactions.csv", "customer_id,timestamp,amount\nx,2024-01-01,1\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().where(), t + ":2:12");
  EXPECT_EQ(ds.status().what(),
            "transactions.customer is mapped to column 'Kunde', which " + f +
                " does not have; the header has: customer_id, timestamp, amount");
}

TEST(DatasetConfig, RejectsBadSyntaxAndUnknownStream) {
  TempDir dir;
  const auto t = dir.write("kohort.toml", "[transactions\n");
  dir.write("transactions.csv", "customer_id,timestamp,amount\nx,2024-01-01,1\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().code(), Code::invalid_argument);
  EXPECT_EQ(ds.status().where().rfind(t + ":1:", 0), 0u) << ds.status().where();
  dir.write("kohort.toml", "[orders]\nfile = \"x.csv\"\n");
  auto ds2 = load(dir.path());
  ASSERT_FALSE(ds2.ok());
  EXPECT_EQ(ds2.status().what(), "unknown stream [orders]");
}

}  // namespace
}  // namespace kohort::io

namespace kohort::io {
namespace {

void make_db(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const char* sql =
      "CREATE TABLE orders(cust TEXT, ts TEXT, amt REAL, note TEXT);"
      "INSERT INTO orders VALUES('k1', '2024-01-02', 12.5, 'a,b');"
      "INSERT INTO orders VALUES('k2', '2024-01-03', 3, NULL);"
      "INSERT INTO orders VALUES('k2', '2024-01-04', -1, 'say \"x\"');";
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST(DatasetConfig, ReadsSqliteTableAndQuery) {
  TempDir dir;
  make_db(dir.path() + "/shop.db");
  dir.write("kohort.toml", "[transactions]\nsqlite = \"shop.db\"\ntable = \"orders\"\n"
                           "customer = \"cust\"\ntime = \"ts\"\namount = \"amt\"\n");
  auto ds = load(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  ASSERT_EQ(ds->log.transactions.size(), 3);
  EXPECT_DOUBLE_EQ(ds->log.transactions.amount[0], 12.5);
  EXPECT_EQ(ds->reports[0].ignored, (std::vector<std::string>{"note"}));
  dir.write("kohort.toml",
            "[transactions]\nsqlite = \"shop.db\"\n"
            "query = \"SELECT cust AS customer_id, ts AS timestamp, amt AS amount FROM orders "
            "WHERE amt > 0\"\n");
  auto q = load(dir.path());
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->log.transactions.size(), 2);
}

TEST(DatasetConfig, SqliteErrorsNameTheKey) {
  TempDir dir;
  make_db(dir.path() + "/shop.db");
  const auto t = dir.write("kohort.toml", "[transactions]\nsqlite = \"shop.db\"\ntable = \"nope\"\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().code(), Code::invalid_argument);
  EXPECT_EQ(ds.status().where(), t + ":2:10");
  EXPECT_EQ(ds.status().what(), "SQLite: no such table: nope");
  dir.write("kohort.toml", "[transactions]\nsqlite = \"shop.db\"\n");
  EXPECT_EQ(load(dir.path()).status().what(),
            "[transactions] sqlite needs exactly one of table and query");
  dir.write("kohort.toml", "[transactions]\nsqlite = \"missing.db\"\ntable = \"t\"\n");
  EXPECT_EQ(load(dir.path()).status().code(), Code::not_found);
}

TEST(DatasetConfig, PostgresqlSourceNeedsOneSourceAndOneOfTableAndQuery) {
  TempDir dir;
  dir.write("transactions.csv", "customer_id,timestamp,amount\nx,2024-01-01,1\n");
  auto t = dir.write("kohort.toml", "[transactions]\nfile = \"transactions.csv\"\n"
                                    "postgresql = \"postgresql:///shop\"\ntable = \"orders\"\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().where(), t + ":3:14");
  EXPECT_EQ(ds.status().what(), "[transactions] names more than one source (file, sqlite, postgresql)");
  dir.write("kohort.toml", "[transactions]\npostgresql = \"postgresql:///shop\"\n");
  EXPECT_EQ(load(dir.path()).status().what(),
            "[transactions] postgresql needs exactly one of table and query");
  dir.write("kohort.toml", "[transactions]\npostgresql = \"\"\ntable = \"orders\"\n");
  EXPECT_EQ(load(dir.path()).status().what(), "[transactions] postgresql is empty");
  dir.write("kohort.toml", "[transactions]\ntable = \"orders\"\n");
  EXPECT_EQ(load(dir.path()).status().what(), "[transactions] table and query need sqlite or postgresql");
}

TEST(DatasetConfig, SqliteBadRowNamesRowAsLine) {
  TempDir dir;
  make_db(dir.path() + "/shop.db");
  dir.write("kohort.toml", "[transactions]\nsqlite = \"shop.db\"\n"
                           "query = \"SELECT cust AS customer_id, ts AS timestamp, note AS amount "
                           "FROM orders\"\n");
  auto ds = load(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().where(), dir.path() + "/shop.db:query:2:3");
  EXPECT_EQ(ds.status().what(), "amount 'a,b' is not a number");
}

}  // namespace
}  // namespace kohort::io

namespace kohort::io {
namespace {

// Hostile input: random bytes after a valid header end in a value or in invalid_input, never
// in a crash or an internal error, whatever the chunking and the error policy.
TEST(LoadDataset, RandomBytesGiveValueOrInvalidInput) {
  std::mt19937 rng(99);
  const char alphabet[] = {'a', '1', '2', ',', ';', '"', '\n', '\r', ' ', '-', ':', 'T', '.',
                           '\t', 'N', '\0', '\xEF', '\xBB', '\xBF', '9'};
  for (int round = 0; round < 150; ++round) {
    std::string text = round % 3 == 0 ? "" : "customer_id,timestamp,amount,category\n";
    const int len = static_cast<int>(rng() % 400);
    for (int i = 0; i < len; ++i) text.push_back(alphabet[rng() % sizeof alphabet]);
    TempDir dir;
    dir.write(round % 5 == 0 ? "transactions.jsonl" : "transactions.csv", text);
    for (OnError e : {OnError::fail, OnError::quarantine}) {
      auto ds = load(dir.path(), e, 2, 1 + rng() % 64);
      if (!ds.ok()) {
        EXPECT_EQ(ds.status().code(), Code::invalid_input) << ds.status().message();
      } else {
        const auto& r = ds->reports[0];
        EXPECT_EQ(r.rows_read, r.rows_accepted + r.rows_rejected);
      }
    }
  }
}

TEST(Dataset, OrderIdsGroupEachCustomersLinesWhereverTheyStand) {
  TempDir dir;
  // c1's order A has lines on both sides of order B, and across parse chunks; c2 reuses "A".
  std::string text = "customer_id,order_id,timestamp,amount\n";
  text += "c1,A,2024-01-01,1\nc2,A,2024-01-05,9\nc1,B,2024-01-02,2\n";
  for (int i = 0; i < 300; ++i) text += fmt::format("c3,Z{},2024-02-01,1\n", i % 7);
  text += "c1,A,2024-01-03,3\nc1,,2024-01-04,4\n";
  dir.write("transactions.csv", text);
  auto ds = load(dir.path(), OnError::fail, 2, 256);
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  const auto& t = ds->log.transactions;
  const auto c1 = ds->log.find("c1");
  ASSERT_EQ(t.offsets[static_cast<std::size_t>(c1) + 1] - t.offsets[static_cast<std::size_t>(c1)], 4);
  const auto o = [&](int i) { return t.order[static_cast<std::size_t>(t.offsets[static_cast<std::size_t>(c1)] + i)]; };
  EXPECT_EQ(o(0), o(2));  // A, A
  EXPECT_NE(o(0), o(1));  // A, B
  EXPECT_EQ(o(3), events::kMissingCode);
  // Codes count up in order of first appearance; c2's "A" is its own order.
  EXPECT_EQ(o(0), 0);
  EXPECT_EQ(o(1), 1);
  const auto c2 = ds->log.find("c2");
  EXPECT_EQ(t.order[static_cast<std::size_t>(t.offsets[static_cast<std::size_t>(c2)])], 2);
  // c3: 300 lines in 7 orders.
  const auto c3 = ds->log.find("c3");
  std::set<events::code_t> orders(t.order.begin() + t.offsets[static_cast<std::size_t>(c3)],
                                  t.order.begin() + t.offsets[static_cast<std::size_t>(c3) + 1]);
  EXPECT_EQ(orders.size(), 7u);
}

}  // namespace
}  // namespace kohort::io
