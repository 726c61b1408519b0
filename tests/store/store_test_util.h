// tests/store/store_test_util.h — one store per test on each backend, plus raw SQL access.
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#if KOHORT_WITH_POSTGRES
#include <libpq-fe.h>
#endif

#include "kohort/store/store.h"

namespace kohort::store::testing {

/// Where the PostgreSQL server of the test fixture is: KOHORT_TEST_PG_URL, else the url file
/// that tests/store/pg_server.sh wrote into KOHORT_TEST_PG_DIR. Empty with `reason` set when
/// there is none.
inline std::string postgres_base_url(std::string& reason) {
  if (const char* url = std::getenv("KOHORT_TEST_PG_URL"); url != nullptr && *url != '\0')
    return url;
  const char* dir = std::getenv("KOHORT_TEST_PG_DIR");
  if (dir == nullptr) {
    reason = "no PostgreSQL server: run the tests through ctest (it starts one with "
             "tests/store/pg_server.sh) or set KOHORT_TEST_PG_URL";
    return {};
  }
  std::ifstream url_file(std::string(dir) + "/url");
  std::string url;
  if (url_file && std::getline(url_file, url) && !url.empty()) return url;
  std::ifstream why(std::string(dir) + "/unavailable");
  std::string text;
  std::getline(why, text);
  reason = "no PostgreSQL server for the store tests: " +
           (text.empty() ? std::string("tests/store/pg_server.sh start did not run") : text);
  return {};
}

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

/// A fresh, empty store location for one test, and raw SQL on it.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual const std::string& location() const = 0;
  /// Runs statements; fails the test on error.
  virtual void exec(const std::string& sql) = 0;
  /// The first column of the first row as text ("" when there is no row).
  virtual std::string query_one(const std::string& sql) = 0;
  /// The SQL expression for "now" as the store writes it into applied_at.
  virtual std::string now_sql() const = 0;
};

class SqliteBackend final : public Backend {
 public:
  SqliteBackend() {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("kohort-store-test-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    location_ = (dir_ / "store.db").string();
  }
  ~SqliteBackend() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& location() const override { return location_; }
  const std::filesystem::path& dir() const { return dir_; }
  void exec(const std::string& sql) override {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(location_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err != nullptr ? err : "") << " in: " << sql;
    sqlite3_free(err);
    sqlite3_close(db);
  }
  std::string query_one(const std::string& sql) override {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(location_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db) << " in: " << sql;
    std::string out;
    if (st != nullptr && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr)
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }
  std::string now_sql() const override { return "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"; }

 private:
  std::filesystem::path dir_;
  std::string location_;
};

#if KOHORT_WITH_POSTGRES
/// Each test gets its own schema (through search_path in the URL), so tests may run in
/// parallel against one server.
class PostgresBackend final : public Backend {
 public:
  explicit PostgresBackend(std::string base_url) : base_(std::move(base_url)) {
    static std::atomic<int> counter{0};
    schema_ = "kohort_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    run_on_base("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " + schema_);
    location_ = base_ + (base_.find('?') == std::string::npos ? "?" : "&") +
                "options=-csearch_path%3D" + schema_;
  }
  ~PostgresBackend() override { run_on_base("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE"); }
  const std::string& location() const override { return location_; }
  void exec(const std::string& sql) override { run(location_, sql); }
  std::string query_one(const std::string& sql) override { return run(location_, sql); }
  std::string now_sql() const override { return "now()"; }

 private:
  void run_on_base(const std::string& sql) { run(base_, sql); }
  static std::string run(const std::string& url, const std::string& sql) {
    PGconn* conn = PQconnectdb(url.c_str());
    std::string out;
    if (PQstatus(conn) != CONNECTION_OK) {
      ADD_FAILURE() << "cannot connect: " << PQerrorMessage(conn);
    } else {
      PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
      PGresult* res = PQexec(conn, sql.c_str());
      const ExecStatusType st = PQresultStatus(res);
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        ADD_FAILURE() << PQresultErrorMessage(res) << " in: " << sql;
      } else if (st == PGRES_TUPLES_OK && PQntuples(res) > 0) {
        out = PQgetvalue(res, 0, 0);
      }
      PQclear(res);
    }
    PQfinish(conn);
    return out;
  }

  std::string base_;
  std::string schema_;
  std::string location_;
};
#endif

/// Parameterised fixture: GetParam() is "sqlite" or "postgres".
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      backend_ = std::make_unique<SqliteBackend>();
      return;
    }
#if KOHORT_WITH_POSTGRES
    std::string reason;
    const std::string url = postgres_base_url(reason);
    if (url.empty()) {
      if (running_in_ci()) FAIL() << reason << " (CI=true: PostgreSQL tests must run)";
      GTEST_SKIP() << reason;
    }
    backend_ = std::make_unique<PostgresBackend>(url);
#else
    GTEST_SKIP() << "built without KOHORT_WITH_POSTGRES";
#endif
  }

  std::unique_ptr<Store> open_store() {
    auto store = Store::open(backend_->location());
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::unique_ptr<Backend> backend_;
};

inline std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

/// A request with `n` customers "c000000"… over `k` segments; customer i is in segment
/// (i + shift) % k.
inline PublishRequest make_request(std::int64_t n, int k, const std::string& as_of, int shift = 0,
                                   std::uint32_t seed = 7) {
  PublishRequest r;
  r.model_json = R"({"format":"kohort-model","k":)" + std::to_string(k) + "}";
  r.as_of = as_of;
  r.kohort_version = "0.1.0";
  r.algorithm = "kmeans";
  r.k = k;
  r.command = "kohort fit data/ --k " + std::to_string(k);
  r.run_metrics_json = R"({"silhouette":0.5})";
  std::vector<std::int64_t> sizes(static_cast<std::size_t>(k), 0);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> conf(0.0f, 1.0f);
  r.assignments.reserve(static_cast<std::size_t>(n));
  char id[32];
  for (std::int64_t i = 0; i < n; ++i) {
    std::snprintf(id, sizeof id, "c%07lld", static_cast<long long>(i));
    const auto segment = static_cast<std::int32_t>((i + shift) % k);
    ++sizes[static_cast<std::size_t>(segment)];
    r.assignments.push_back({id, segment, conf(rng), ""});
  }
  for (int s = 0; s < k; ++s) {
    r.segments.push_back({s, "segment " + std::to_string(s), sizes[static_cast<std::size_t>(s)],
                          n > 0 ? static_cast<double>(sizes[static_cast<std::size_t>(s)]) /
                                      static_cast<double>(n)
                                : 0.0,
                          R"({"recency_days":)" + std::to_string(10 * s) + "}"});
  }
  return r;
}

}  // namespace kohort::store::testing
