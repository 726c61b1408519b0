#include "kohort/sim/simulator.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kohort/core/atomic_file.h"
#include "kohort/core/context.h"
#include "kohort/core/time.h"
#include "kohort/sim/personas.h"

namespace kohort::sim {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kStreams[] = {"transactions", "sessions",  "emails", "support",
                                         "customers",    "referrals", "truth"};

std::string temp_dir(std::string_view name) {
  std::string leaf = "kohort_sim_test_";
  leaf.append(std::to_string(::getpid())).append("_").append(name);
  const fs::path p = fs::temp_directory_path() / leaf;
  fs::remove_all(p);
  return p.string();
}

// dir/stream.csv plus an optional compression suffix.
std::string file(const std::string& dir, std::string_view stream, std::string_view suffix = "") {
  std::string p = dir;
  p.append("/").append(stream).append(".csv").append(suffix);
  return p;
}

std::string slurp(const std::string& path) {
  std::string out;
  EXPECT_TRUE(read_file(path, out).ok()) << path;
  return out;
}

// A CSV file split into fields (the simulator writes no quotes).
struct Table {
  std::string text;
  std::vector<std::string_view> header;
  std::vector<std::vector<std::string_view>> rows;

  int col(std::string_view name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    ADD_FAILURE() << "no column " << name;
    return 0;
  }
};

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> f;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t c = line.find(',', pos);
    f.push_back(line.substr(pos, c == std::string_view::npos ? c : c - pos));
    if (c == std::string_view::npos) return f;
    pos = c + 1;
  }
}

std::unique_ptr<Table> load(const std::string& path) {
  auto t = std::make_unique<Table>();
  t->text = slurp(path);
  std::string_view all = t->text;
  bool first = true;
  while (!all.empty()) {
    const std::size_t nl = all.find('\n');
    const std::string_view line = all.substr(0, nl);
    all = nl == std::string_view::npos ? std::string_view() : all.substr(nl + 1);
    if (first)
      t->header = split(line);
    else
      t->rows.push_back(split(line));
    first = false;
  }
  return t;
}

double num(std::string_view s) { return std::stod(std::string(s)); }
Seconds when(std::string_view s) {
  const auto t = parse_iso8601(s);
  EXPECT_TRUE(t.has_value()) << s;
  return t.value_or(0);
}

SimulateOptions options(index_t n, const std::string& dir) {
  SimulateOptions o;
  o.customers = n;
  o.out_dir = dir;
  o.block_customers = 500;
  return o;
}

SimulateSummary run(const SimulateOptions& o, int threads = 2, std::uint64_t seed = 7) {
  auto r = simulate(Context(threads, seed), o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : SimulateSummary{};
}

// One shared dataset of 6000 customers (12 blocks of 500), generated once.
class SimDataset : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = temp_dir("shared");
    opts_ = options(6000, dir_);
    summary_ = run(opts_);
    for (std::string_view s : kStreams) tables_[std::string(s)] = load(file(dir_, s));
  }
  static void TearDownTestSuite() {
    tables_.clear();
    fs::remove_all(dir_);
  }
  static const Table& table(const std::string& s) { return *tables_.at(s); }

  static inline std::string dir_;
  static inline SimulateOptions opts_;
  static inline SimulateSummary summary_;
  static inline std::map<std::string, std::unique_ptr<Table>> tables_;
};

TEST_F(SimDataset, HeadersAreExact) {
  const std::map<std::string, std::string> want = {
      {"transactions",
       "customer_id,order_id,timestamp,amount,quantity,product_id,category,channel,"
       "payment_method,discount,returned"},
      {"sessions", "customer_id,timestamp,duration_s,pages,category,search,device"},
      {"emails", "customer_id,timestamp,event,campaign"},
      {"support", "customer_id,timestamp,topic,sentiment"},
      {"customers", "customer_id,signup_date,region,age,loyalty_tier,gender,email"},
      {"referrals", "referrer_id,referred_id,timestamp"},
      {"truth", "customer_id,persona,lambda,p_dropout,mean_order_value,alive_at_end"}};
  for (const auto& [stream, header] : want) {
    const std::string text = slurp(file(dir_, stream));
    EXPECT_EQ(text.substr(0, text.find('\n')), header) << stream;
  }
}

TEST_F(SimDataset, SummaryCountsEveryRowAndByte) {
  ASSERT_EQ(summary_.files.size(), 7u);
  EXPECT_EQ(summary_.customers, 6000);
  for (const auto& f : summary_.files) {
    EXPECT_EQ(static_cast<std::size_t>(f.rows), table(f.stream).rows.size()) << f.stream;
    EXPECT_EQ(f.bytes, fs::file_size(f.path)) << f.stream;
  }
  EXPECT_EQ(table("customers").rows.size(), 6000u);
  EXPECT_EQ(table("truth").rows.size(), 6000u);
  EXPECT_EQ(table("truth").rows.front()[0], "C0000001");
  EXPECT_EQ(table("truth").rows.back()[0], "C0006000");
  // ~60 order lines per customer on average over two years (calibration of the table).
  EXPECT_GT(table("transactions").rows.size(), 6000u * 30);
  EXPECT_LT(table("transactions").rows.size(), 6000u * 100);
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
}

TEST_F(SimDataset, EveryEventLiesInsideThePeriod) {
  const Seconds start = opts_.start, end = opts_.end();
  for (std::string_view s : {"transactions", "sessions", "emails", "support", "referrals"}) {
    const Table& t = table(std::string(s));
    const int c = t.col("timestamp");
    ASSERT_FALSE(t.rows.empty()) << s;
    for (const auto& r : t.rows) {
      ASSERT_EQ(r.size(), t.header.size()) << s;
      ASSERT_EQ(r[c].size(), 20u) << r[c];
      ASSERT_EQ(r[c].back(), 'Z');
      const Seconds ts = when(r[c]);
      ASSERT_GE(ts, start) << s << " " << r[c];
      ASSERT_LT(ts, end) << s << " " << r[c];
    }
  }
}

TEST_F(SimDataset, FieldsHaveTheirDomains) {
  const Table& tx = table("transactions");
  std::set<std::string_view> categories(kCategories.begin(), kCategories.end());
  for (const auto& r : tx.rows) {
    const std::string_view amount = r[3], discount = r[9];
    ASSERT_EQ(amount[amount.size() - 3], '.') << amount;
    ASSERT_GT(num(amount), 0);
    ASSERT_GE(num(r[4]), 1);
    ASSERT_EQ(discount.size(), 4u) << discount;
    ASSERT_GE(num(discount), 0);
    ASSERT_LE(num(discount), 1);
    ASSERT_TRUE(r[10] == "0" || r[10] == "1");
    ASSERT_TRUE(categories.count(r[6])) << r[6];
    ASSERT_TRUE(r[7] == "web" || r[7] == "app" || r[7] == "store") << r[7];
  }
  for (const auto& r : table("sessions").rows) {
    ASSERT_TRUE(r[6] == "web" || r[6] == "app") << r[6];
    ASSERT_TRUE(r[5] == "0" || r[5] == "1");
    ASSERT_GE(num(r[3]), 1);
  }
  std::set<std::string_view> events;
  for (const auto& r : table("emails").rows) events.insert(r[2]);
  EXPECT_EQ(events, (std::set<std::string_view>{"sent", "open", "click", "unsubscribe"}));
  for (const auto& r : table("support").rows) {
    ASSERT_GE(num(r[3]), -1);
    ASSERT_LE(num(r[3]), 1);
  }
  int missing_age = 0;
  std::set<std::string_view> tiers, genders;
  for (const auto& r : table("customers").rows) {
    ASSERT_TRUE(parse_iso8601(r[1]).has_value()) << r[1];
    ASSERT_EQ(r[1].size(), 10u);
    if (r[3].empty())
      ++missing_age;
    else
      ASSERT_GE(num(r[3]), 18);
    tiers.insert(r[4]);
    genders.insert(r[5]);
  }
  EXPECT_GT(missing_age, 100);
  EXPECT_LT(missing_age, 1200);
  EXPECT_EQ(tiers.size(), kTiers.size());
  EXPECT_EQ(genders.size(), kGenders.size());
}

TEST_F(SimDataset, ReferralEndpointsExistAndTheReferrerCameFirst) {
  const Table& ref = table("referrals");
  ASSERT_GT(ref.rows.size(), 100u);
  std::map<std::string_view, Seconds> signup;
  for (const auto& r : table("customers").rows) signup[r[0]] = when(r[1]);
  std::set<std::string_view> referred;
  for (const auto& r : ref.rows) {
    ASSERT_TRUE(signup.count(r[0])) << r[0];
    ASSERT_TRUE(signup.count(r[1])) << r[1];
    EXPECT_LT(r[0], r[1]);  // fixed-width ids: the referrer has the smaller id
    EXPECT_LE(signup[r[0]], when(r[2]));
    EXPECT_TRUE(referred.insert(r[1]).second) << "referred twice: " << r[1];
  }
}

TEST_F(SimDataset, PersonaSharesMatchTheTable) {
  const auto table_rows = personas();
  ASSERT_GE(table_rows.size(), 12u);
  std::vector<double> count(table_rows.size(), 0);
  for (const auto& r : table("truth").rows) count[static_cast<std::size_t>(num(r[1]))] += 1;
  double total_share = 0;
  for (std::size_t k = 0; k < table_rows.size(); ++k) {
    const double p = table_rows[k].share, n = 6000;
    total_share += p;
    EXPECT_NEAR(count[k] / n, p, 4.5 * std::sqrt(p * (1 - p) / n)) << "persona " << k;
  }
  EXPECT_NEAR(total_share, 1.0, 1e-9);
}

// Per-customer observed features, by persona.
struct Observed {
  std::vector<int> persona;
  std::vector<double> orders, value, lines, store, returned, sessions, opens, sent, support,
      gift_season, app_sessions;
};

Observed observe(const std::map<std::string, std::unique_ptr<Table>>& t) {
  Observed o;
  const auto& truth = *t.at("truth");
  const std::size_t n = truth.rows.size();
  o.persona.resize(n);
  for (auto* v : {&o.orders, &o.value, &o.lines, &o.store, &o.returned, &o.sessions, &o.opens,
                  &o.sent, &o.support, &o.gift_season, &o.app_sessions})
    v->assign(n, 0.0);
  auto index = [](std::string_view id) { return std::stoul(std::string(id.substr(1))) - 1; };
  for (const auto& r : truth.rows) o.persona[index(r[0])] = static_cast<int>(num(r[1]));
  std::string_view last_order;
  for (const auto& r : t.at("transactions")->rows) {
    const auto i = index(r[0]);
    if (r[1] != last_order) {
      o.orders[i] += 1;
      o.gift_season[i] += civil_from_days(day_of(when(r[2]))).month >= 11;
    }
    last_order = r[1];
    o.value[i] += num(r[3]);
    o.lines[i] += 1;
    o.store[i] += r[7] == "store";
    o.returned[i] += r[10] == "1";
  }
  for (const auto& r : t.at("sessions")->rows) {
    o.sessions[index(r[0])] += 1;
    o.app_sessions[index(r[0])] += r[6] == "app";
  }
  for (const auto& r : t.at("emails")->rows) {
    o.sent[index(r[0])] += r[2] == "sent";
    o.opens[index(r[0])] += r[2] == "open";
  }
  for (const auto& r : t.at("support")->rows) o.support[index(r[0])] += 1;
  return o;
}

// Σ num / Σ den over the customers of persona k.
double ratio(const Observed& o, const std::vector<double>& num_v, const std::vector<double>* den,
             int k) {
  double a = 0, b = 0;
  for (std::size_t i = 0; i < o.persona.size(); ++i)
    if (o.persona[i] == k) {
      a += num_v[i];
      b += den ? (*den)[i] : 1.0;
    }
  return a / b;
}

TEST_F(SimDataset, NeighbouringPersonasOverlapOnEveryNumericFeature) {
  const Observed o = observe(tables_);
  std::vector<double> mov(o.orders.size());
  for (std::size_t i = 0; i < mov.size(); ++i)
    mov[i] = o.orders[i] > 0 ? o.value[i] / o.orders[i] : -1;
  std::vector<double> lambda, truth_mov;
  for (const auto& r : table("truth").rows) {
    lambda.push_back(num(r[2]));
    truth_mov.push_back(num(r[4]));
  }
  const int np = static_cast<int>(personas().size());
  const std::map<std::string, const std::vector<double>*> features = {
      {"orders", &o.orders},
      {"mean order value", &mov},
      {"sessions", &o.sessions},
      {"lambda", &lambda},
      {"truth mean order value", &truth_mov}};
  for (const auto& [name, f] : features) {
    std::vector<double> lo(static_cast<std::size_t>(np), 1e300),
        hi(static_cast<std::size_t>(np), -1e300);
    for (std::size_t i = 0; i < f->size(); ++i) {
      if ((*f)[i] < 0) continue;
      const auto k = static_cast<std::size_t>(o.persona[i]);
      lo[k] = std::min(lo[k], (*f)[i]);
      hi[k] = std::max(hi[k], (*f)[i]);
    }
    for (int k = 0; k + 1 < np; ++k) {
      const auto a = static_cast<std::size_t>(k), b = a + 1;
      EXPECT_LE(std::max(lo[a], lo[b]), std::min(hi[a], hi[b]))
          << name << ": personas " << k << " and " << k + 1 << " do not overlap";
    }
  }
}

TEST_F(SimDataset, PersonasDifferAcrossStreams) {
  const Observed o = observe(tables_);
  // Rows as documented in personas.cpp: 2 high rate and app heavy, 3 high value, 4 many
  // sessions, 8 many returns and support contacts, 10 high open rate, 11 store heavy.
  EXPECT_GT(ratio(o, o.orders, nullptr, 2), 2 * ratio(o, o.orders, nullptr, 3));
  EXPECT_GT(ratio(o, o.value, &o.orders, 3), 2 * ratio(o, o.value, &o.orders, 1));
  EXPECT_GT(ratio(o, o.sessions, nullptr, 4), 2 * ratio(o, o.sessions, nullptr, 3));
  EXPECT_GT(ratio(o, o.returned, &o.lines, 8), 4 * ratio(o, o.returned, &o.lines, 0));
  EXPECT_GT(ratio(o, o.support, nullptr, 8), 2 * ratio(o, o.support, nullptr, 4));
  EXPECT_GT(ratio(o, o.opens, &o.sent, 10), 2 * ratio(o, o.opens, &o.sent, 11));
  EXPECT_GT(ratio(o, o.store, &o.lines, 11), 3 * ratio(o, o.store, &o.lines, 2));
  // 5 has the Nov–Dec peak (q4 = 3): about half its orders fall in those two months.
  EXPECT_GT(ratio(o, o.gift_season, &o.orders, 5), 2 * ratio(o, o.gift_season, &o.orders, 2));
  EXPECT_GT(ratio(o, o.app_sessions, &o.sessions, 2), 2 * ratio(o, o.app_sessions, &o.sessions, 3));
}

TEST_F(SimDataset, SomeCustomersStartLateAndSomeLapseDuringThePeriod) {
  const Table& truth = table("truth");
  int alive = 0;
  for (const auto& r : truth.rows) alive += r[5] == "1";
  EXPECT_GT(alive, 1000);
  EXPECT_LT(alive, 5500);
  // Persona 6 starts late: its median first purchase is in the second half of the period.
  std::map<std::string_view, Seconds> first;
  for (const auto& r : table("transactions").rows) first.emplace(r[0], when(r[2]));
  std::vector<Seconds> late;
  for (const auto& r : truth.rows)
    if (r[1] == "6" && first.count(r[0])) late.push_back(first[r[0]]);
  ASSERT_GT(late.size(), 100u);
  std::nth_element(late.begin(), late.begin() + static_cast<std::ptrdiff_t>(late.size() / 2),
                   late.end());
  EXPECT_GT(late[late.size() / 2], opts_.start + 365 * kSecondsPerDay);
}

TEST(Simulator, SameBytesAtOneAndThreeThreads) {
  const std::string a = temp_dir("t1"), b = temp_dir("t3");
  SimulateOptions oa = options(2000, a), ob = options(2000, b);
  oa.block_customers = ob.block_customers = 300;  // 7 blocks, ragged last one
  run(oa, 1, 11);
  run(ob, 3, 11);
  for (std::string_view s : kStreams) {
    const std::string x = slurp(file(a, s)), y = slurp(file(b, s));
    EXPECT_GT(x.size(), 40u) << s;
    EXPECT_TRUE(x == y) << s << " differs between 1 and 3 threads";
  }
  const std::string c = temp_dir("seed");
  SimulateOptions oc = options(2000, c);
  oc.block_customers = 300;
  run(oc, 2, 12);
  EXPECT_NE(slurp(file(a, "transactions")), slurp(file(c, "transactions")));
  fs::remove_all(a);
  fs::remove_all(b);
  fs::remove_all(c);
}

TEST(Simulator, TransactionsOnlyWritesTheSameTransactions) {
  const std::string a = temp_dir("all"), b = temp_dir("tx");
  SimulateOptions oa = options(2000, a), ob = options(2000, b);
  ob.streams = StreamSelection::transactions;
  run(oa);
  const SimulateSummary s = run(ob);
  ASSERT_EQ(s.files.size(), 2u);
  EXPECT_EQ(s.files[0].stream, "transactions");
  EXPECT_EQ(s.files[1].stream, "truth");
  EXPECT_FALSE(fs::exists(file(b, "sessions")));
  EXPECT_TRUE(slurp(file(a, "transactions")) == slurp(file(b, "transactions")));
  EXPECT_TRUE(slurp(file(a, "truth")) == slurp(file(b, "truth")));
  fs::remove_all(a);
  fs::remove_all(b);
}

std::string gunzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  EXPECT_NE(f, nullptr);
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(n, 0);
  gzclose(f);
  return out;
}

std::string unzstd(const std::string& path) {
  const std::string in = slurp(path);
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  std::string out;
  std::vector<char> buf(ZSTD_DStreamOutSize());
  std::size_t rc = 0;
  while (src.pos < src.size) {
    ZSTD_outBuffer dst{buf.data(), buf.size(), 0};
    rc = ZSTD_decompressStream(d, &dst, &src);
    EXPECT_FALSE(ZSTD_isError(rc));
    if (ZSTD_isError(rc)) break;
    out.append(buf.data(), dst.pos);
  }
  EXPECT_EQ(rc, 0u);  // ended on a frame boundary
  ZSTD_freeDCtx(d);
  return out;
}

TEST(Simulator, CompressedFilesDecompressToThePlainBytes) {
  const std::string plain = temp_dir("plain"), gz = temp_dir("gz"), zst = temp_dir("zst");
  SimulateOptions o = options(1500, plain);
  run(o);
  o.out_dir = gz;
  o.compress = Compression::gz;
  const SimulateSummary sg = run(o, 3);
  o.out_dir = zst;
  o.compress = Compression::zst;
  run(o, 1);
  for (std::string_view s : kStreams) {
    const std::string want = slurp(file(plain, s));
    EXPECT_TRUE(gunzip(file(gz, s, ".gz")) == want) << s;
    EXPECT_TRUE(unzstd(file(zst, s, ".zst")) == want) << s;
    EXPECT_FALSE(fs::exists(file(gz, s)));
  }
  EXPECT_LT(sg.files[0].bytes, fs::file_size(file(plain, "transactions")) / 2);
  fs::remove_all(plain);
  fs::remove_all(gz);
  fs::remove_all(zst);
}

TEST(Simulator, DriftFaultWritesEveryLaterAmountTimesAHundred) {
  const std::string a = temp_dir("nofault"), b = temp_dir("fault");
  SimulateOptions oa = options(300, a), ob = options(300, b);
  const Seconds drift = *parse_iso8601("2024-01-01");
  ob.drift = drift;
  ob.drift_kind = DriftKind::fault;
  run(oa);
  run(ob);
  const auto ta = load(file(a, "transactions")), tb = load(file(b, "transactions"));
  ASSERT_EQ(ta->rows.size(), tb->rows.size());  // the same events: only amounts differ
  int after = 0;
  for (std::size_t i = 0; i < ta->rows.size(); ++i) {
    const auto& ra = ta->rows[i];
    const auto& rb = tb->rows[i];
    ASSERT_EQ(ra[2], rb[2]);
    const bool later = when(ra[2]) >= drift;
    after += later;
    EXPECT_NEAR(num(rb[3]), num(ra[3]) * (later ? 100 : 1), 1e-6) << i;
  }
  EXPECT_GT(after, 100);
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(Simulator, DriftEmergeAddsAPersonaThatBuysOnlyAfterTheDate) {
  const std::string dir = temp_dir("emerge");
  SimulateOptions o = options(3000, dir);
  const Seconds drift = *parse_iso8601("2024-01-01");
  o.drift = drift;
  o.drift_kind = DriftKind::emerge;
  run(o);
  const int emerging = static_cast<int>(personas().size());
  std::map<std::string, int> persona;
  int count = 0;
  const auto truth = load(file(dir, "truth"));
  for (const auto& r : truth->rows) {
    persona[std::string(r[0])] = static_cast<int>(num(r[1]));
    count += persona[std::string(r[0])] == emerging;
  }
  EXPECT_NEAR(count / 3000.0, kEmergingShare, 0.03);
  int bought = 0;
  const auto tx = load(file(dir, "transactions"));
  for (const auto& r : tx->rows) {
    if (persona[std::string(r[0])] != emerging) continue;
    ASSERT_GE(when(r[2]), drift);
    ++bought;
  }
  EXPECT_GT(bought, 100);
  fs::remove_all(dir);
}

TEST(Simulator, DriftShiftsBehaviourAfterTheDriftDate) {
  const std::string a = temp_dir("nodrift"), b = temp_dir("drift");
  SimulateOptions oa = options(4000, a), ob = options(4000, b);
  const Seconds drift = *parse_iso8601("2024-01-01");
  ob.drift = drift;
  run(oa);
  run(ob);
  std::map<std::string, int> persona;  // the same in both runs: drawn before any event
  const auto truth = load(file(a, "truth"));
  for (const auto& r : truth->rows) persona[std::string(r[0])] = static_cast<int>(num(r[1]));
  struct Shares {
    double discounted = 0, app = 0, lines = 0, slower = 0, faster = 0;
  };
  auto shares = [&](const std::string& dir, bool after) {
    const auto t = load(file(dir, "transactions"));
    Shares s;
    std::string_view last_order;
    for (const auto& r : t->rows) {
      if ((when(r[2]) >= drift) != after) continue;
      if (r[1] != last_order) {
        // personas 1, 4, 7 have drift_rate ≤ 0.8; 2 and 6 have ≥ 1.15 (personas.cpp)
        const int k = persona[std::string(r[0])];
        s.slower += k == 1 || k == 4 || k == 7;
        s.faster += k == 2 || k == 6;
      }
      last_order = r[1];
      s.lines += 1;
      s.discounted += r[9] != "0.00";
      s.app += r[7] == "app";
    }
    s.discounted /= s.lines;
    s.app /= s.lines;
    return s;
  };
  const Shares before_a = shares(a, false), before_b = shares(b, false);
  const Shares after_a = shares(a, true), after_b = shares(b, true);
  EXPECT_NEAR(before_a.discounted, before_b.discounted, 0.02);
  EXPECT_NEAR(before_a.app, before_b.app, 0.02);
  EXPECT_GT(after_b.discounted - after_a.discounted, 0.05);
  EXPECT_GT(after_b.app - after_a.app, 0.08);
  EXPECT_LT(after_b.slower, 0.9 * after_a.slower);
  EXPECT_GT(after_b.faster, 1.05 * after_a.faster);
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(Simulator, RewritingAFolderRemovesTheEarlierDataset) {
  const std::string dir = temp_dir("rewrite");
  SimulateOptions o = options(300, dir);
  run(o);
  ASSERT_TRUE(fs::exists(file(dir, "sessions")));
  fs::create_directories(fs::path(dir) / "notes");
  ASSERT_TRUE(write_file_atomic(file(dir, "mine"), "kept\n").ok());
  o.compress = Compression::zst;
  o.streams = StreamSelection::transactions;
  const SimulateSummary s = run(o);
  EXPECT_EQ(s.removed.size(), 7u);  // all seven plain files
  std::set<std::string> left;
  for (const auto& e : fs::directory_iterator(dir)) left.insert(e.path().filename().string());
  EXPECT_EQ(left,
            (std::set<std::string>{"mine.csv", "notes", "transactions.csv.zst", "truth.csv.zst"}));
  fs::remove_all(dir);
}

TEST(Simulator, RejectsZeroCustomersNamingTheFlag) {
  const auto r = simulate(Context(1, 1), options(0, temp_dir("zero")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_argument);
  EXPECT_EQ(r.status().where(), "--customers");
  EXPECT_EQ(r.status().what(), "0 is outside 1..100000000");
  SimulateOptions o = options(10, temp_dir("drift_outside"));
  o.drift = o.start - 1;
  EXPECT_EQ(simulate(Context(1, 1), o).status().where(), "--drift");
  o = options(10, temp_dir("days"));
  o.days = 0;
  EXPECT_EQ(simulate(Context(1, 1), o).status().where(), "--days");
}

TEST(Simulator, UnwritableOutFailsWithIoErrorNamingThePath) {
  const std::string dir = temp_dir("blocker");
  fs::create_directories(dir);
  const std::string blocker = (fs::path(dir) / "file").string();
  ASSERT_TRUE(write_file_atomic(blocker, "x").ok());
  const std::string out =
      (fs::path(blocker) / "dataset").string();  // a regular file where a folder should be
  const auto r = simulate(Context(1, 1), options(10, out));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::io_error);
  EXPECT_NE(r.status().where().find(out), std::string::npos) << r.status().message();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kohort::sim
