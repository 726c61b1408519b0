#include "kohort/store/internal/sqlite_store.h"

#include <sqlite3.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <filesystem>
#include <string_view>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "kohort/core/hash.h"
#include "kohort/core/time.h"
#include "kohort/store/internal/migrations.h"
#include "kohort/store/internal/publish_plan.h"

namespace kohort::store::internal {

namespace {

constexpr std::string_view kNow = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";
// How long a writer waits for another process's write lock before giving up.
constexpr int kBusyTimeoutMs = 30000;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* st) const { sqlite3_finalize(st); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

std::string column_text(sqlite3_stmt* st, int col) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(sqlite3_column_bytes(st, col))};
}

std::string_view column_view(sqlite3_stmt* st, int col) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(sqlite3_column_bytes(st, col))};
}

// A customer value's three columns from `col` on: NULL for NaN (unknown).
void bind_value(sqlite3_stmt* st, int col, const CustomerValue& v) {
  for (const float x : {v.clv, v.p_alive, v.churn_risk}) {
    if (std::isnan(x)) sqlite3_bind_null(st, col++);
    else sqlite3_bind_double(st, col++, static_cast<double>(x));
  }
}

CustomerValue column_value(sqlite3_stmt* st, int col) {
  const auto read = [&](int c) {
    return sqlite3_column_type(st, c) == SQLITE_NULL ? std::numeric_limits<float>::quiet_NaN()
                                                     : static_cast<float>(sqlite3_column_double(st, c));
  };
  return {read(col), read(col + 1), read(col + 2)};
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, Db db) : path_(std::move(path)), db_(std::move(db)) {}

  Status migrate(int target);

  Result<std::int64_t> publish(const PublishRequest& request) override;
  Result<std::optional<VersionInfo>> latest() override;
  Result<std::vector<VersionInfo>> versions() override;
  Result<std::string> model_json(std::int64_t version) override;
  Result<std::vector<SegmentRecord>> segments(std::int64_t version) override;
  Result<std::vector<AssignmentRecord>> assignments(std::int64_t version) override;
  Result<std::vector<RunRecord>> runs() override;
  Result<int> schema_version() override;
  Status record_failed_run(const FailedRun& run) override;
  Status publish_day(const AssignDayRequest& request) override;
  Result<std::vector<AssignDayInfo>> assign_days() override;
  Result<std::vector<CustomerDay>> day_standing(const std::string& as_of) override;
  Result<std::vector<TransitionRecord>> transitions(const std::string& from, const std::string& to) override;
  Result<std::unique_ptr<RunLock>> lock_runs(const std::string& what) override;
  Result<std::int64_t> record_monitor_run(const MonitorRunRequest& request) override;
  Result<ForgetSummary> forget(const std::vector<std::string>& ids) override;
  Result<std::optional<std::string>> watermark(const std::string& name) override;
  Status set_watermark(const std::string& name, const std::string& as_of) override;
  Status record_delivery(const DeliveryRecord& record) override;
  Result<std::vector<DeadLetter>> dead_letters(const std::string& destination) override;
  Result<std::vector<std::pair<std::string, std::string>>> forgotten() override;
  Result<std::vector<MonitorRunInfo>> monitor_runs() override;
  Result<std::optional<std::int64_t>> pinned_version() override;
  Status pin_version(std::optional<std::int64_t> version) override;
  Result<std::vector<std::pair<std::int32_t, std::string>>> segment_labels() override;
  Status label_segment(std::int32_t id, const std::string& name) override;

 private:
  Result<std::int64_t> insert_run(const std::string& started_at, const std::string& command,
                                  const std::string& metrics_json, const std::string& options_json);
  Status write_day_rows(const AssignDayRequest& request, const DayPlan& plan);
  Result<std::vector<std::int32_t>> segment_ids(std::int64_t version);
  Status error(std::string_view doing) const {
    const int code = sqlite3_errcode(db_.get());
    std::string hint;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
      hint = "another process holds the store's write lock; retry when it has finished";
    } else if (code == SQLITE_FULL) {
      hint = "free disk space on the store's file system";
    } else if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM) {
      hint = "make the store file and its directory writable";
    } else if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
      return Status{Code::corruption, path_,
              fmt::format("the store file is damaged while {}: {}", doing,
                          sqlite3_errmsg(db_.get())),
              "restore the store from a backup"};
    }
    return Status::io_error(path_,
                            fmt::format("SQLite failed while {}: {}", doing,
                                        sqlite3_errmsg(db_.get())),
                            hint);
  }

  Status exec(std::string_view sql, std::string_view doing) {
    const std::string text(sql);
    if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      return error(doing);
    return {};
  }

  Result<Stmt> prepare(std::string_view sql, std::string_view doing) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &st, nullptr) !=
        SQLITE_OK)
      return error(doing);
    return Stmt(st);
  }

  Result<bool> version_exists(std::int64_t version);
  Status not_found_version(std::int64_t version) const {
    return Status::not_found(path_, fmt::format("model version {} does not exist", version),
                             "list the versions that exist with kohort models list");
  }
  Result<std::vector<VersionInfo>> read_versions(std::string_view where_clause);

  // Rolls back an open transaction unless committed.
  class Transaction {
   public:
    explicit Transaction(SqliteStore& s) : s_(s) {}
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction() {
      if (open_) sqlite3_exec(s_.db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Status begin(std::string_view doing) {
      KOHORT_RETURN_IF_ERROR(s_.exec("BEGIN IMMEDIATE", doing));
      open_ = true;
      return {};
    }
    Status commit(std::string_view doing) {
      KOHORT_RETURN_IF_ERROR(s_.exec("COMMIT", doing));
      open_ = false;
      return {};
    }

   private:
    SqliteStore& s_;
    bool open_ = false;
  };

  std::string path_;
  Db db_;
};

Status SqliteStore::migrate(int target) {
  KOHORT_RETURN_IF_ERROR(
      exec(kSqliteMigrationsTable, "creating the schema_migrations table"));
  for (const Migration& m : migrations()) {
    if (m.version > target) break;
    Transaction tx(*this);
    KOHORT_RETURN_IF_ERROR(tx.begin("starting a migration"));
    // Read inside the write transaction: another process may have migrated meanwhile.
    KOHORT_ASSIGN_OR_RETURN(const int current, schema_version());
    if (current > latest_schema_version()) {
      return Status{Code::corruption, path_,
              fmt::format("the store's schema version {} is newer than this kohort knows ({})",
                          current, latest_schema_version()),
              "use a newer kohort with this store, or open another store"};
    }
    if (current >= m.version) continue;
    KOHORT_RETURN_IF_ERROR(
        exec(m.sqlite_sql, fmt::format("applying migration {} ({})", m.version, m.description)));
    KOHORT_ASSIGN_OR_RETURN(
        Stmt st, prepare(fmt::format("INSERT INTO schema_migrations (version, applied_at) "
                                     "VALUES (?, {})",
                                     kNow),
                         "recording a migration"));
    sqlite3_bind_int(st.get(), 1, m.version);
    if (sqlite3_step(st.get()) != SQLITE_DONE) return error("recording a migration");
    KOHORT_RETURN_IF_ERROR(tx.commit("committing a migration"));
  }
  // A store newer than this binary, with nothing left to apply, is caught here.
  KOHORT_ASSIGN_OR_RETURN(const int current, schema_version());
  if (current > latest_schema_version()) {
    return Status{Code::corruption, path_,
            fmt::format("the store's schema version {} is newer than this kohort knows ({})",
                        current, latest_schema_version()),
            "use a newer kohort with this store, or open another store"};
  }
  return {};
}

Result<int> SqliteStore::schema_version() {
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT coalesce(max(version), 0) FROM schema_migrations",
                                           "reading the schema version"));
  if (sqlite3_step(st.get()) != SQLITE_ROW) return error("reading the schema version");
  return sqlite3_column_int(st.get(), 0);
}

Result<std::int64_t> SqliteStore::publish(const PublishRequest& request) {
  KOHORT_ASSIGN_OR_RETURN(const PublishPlan plan, plan_publish(path_, request));
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("starting to publish"));

  std::int64_t previous = 0;
  {
    KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT coalesce(max(version), 0) FROM model_versions",
                                             "reading the latest version"));
    if (sqlite3_step(st.get()) != SQLITE_ROW) return error("reading the latest version");
    previous = sqlite3_column_int64(st.get(), 0);
  }
  const std::int64_t version = previous + 1;

  PreviousAssignments before;
  {
    KOHORT_ASSIGN_OR_RETURN(
        Stmt st, prepare("SELECT customer_id, segment, since FROM assignment_history "
                         "WHERE version = ? ORDER BY customer_id",
                         "reading the previous assignments"));
    sqlite3_bind_int64(st.get(), 1, previous);
    int rc = 0;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      const auto since = parse_iso8601(column_view(st.get(), 2));
      if (!since) {
        return Status{Code::corruption, path_,
                fmt::format("version {} has an unreadable since '{}'", previous,
                            column_text(st.get(), 2)),
                "restore the store from a backup"};
      }
      before.add(column_view(st.get(), 0), sqlite3_column_int(st.get(), 1), *since);
    }
    if (rc != SQLITE_DONE) return error("reading the previous assignments");
  }
  const std::vector<std::int64_t> since = carry_since(plan, before);

  {
    KOHORT_ASSIGN_OR_RETURN(
        Stmt st,
        prepare(fmt::format("INSERT INTO model_versions (version, created_at, as_of, "
                            "kohort_version, algorithm, k, customers, model_json, fingerprint) "
                            "VALUES (?, {}, ?, ?, ?, ?, ?, ?, ?)",
                            kNow),
                "writing the version"));
    sqlite3_bind_int64(st.get(), 1, version);
    sqlite3_bind_text(st.get(), 2, plan.as_of.data(), static_cast<int>(plan.as_of.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(st.get(), 3, request.kohort_version.data(),
                      static_cast<int>(request.kohort_version.size()), SQLITE_STATIC);
    sqlite3_bind_text(st.get(), 4, request.algorithm.data(),
                      static_cast<int>(request.algorithm.size()), SQLITE_STATIC);
    sqlite3_bind_int(st.get(), 5, request.k);
    sqlite3_bind_int64(st.get(), 6, static_cast<std::int64_t>(plan.sorted.size()));
    sqlite3_bind_text64(st.get(), 7, request.model_json.data(), request.model_json.size(),
                        SQLITE_STATIC, SQLITE_UTF8);
    sqlite3_bind_text(st.get(), 8, plan.fingerprint.data(),
                      static_cast<int>(plan.fingerprint.size()), SQLITE_STATIC);
    if (sqlite3_step(st.get()) != SQLITE_DONE) return error("writing the version");
  }
  {
    KOHORT_ASSIGN_OR_RETURN(
        Stmt st, prepare("INSERT INTO segments (version, segment, name, size, share, "
                         "profile_json) VALUES (?, ?, ?, ?, ?, ?)",
                         "writing the segments"));
    for (const SegmentRecord& s : request.segments) {
      sqlite3_reset(st.get());
      sqlite3_bind_int64(st.get(), 1, version);
      sqlite3_bind_int(st.get(), 2, s.id);
      sqlite3_bind_text(st.get(), 3, s.name.data(), static_cast<int>(s.name.size()),
                        SQLITE_STATIC);
      sqlite3_bind_int64(st.get(), 4, s.size);
      sqlite3_bind_double(st.get(), 5, s.share);
      sqlite3_bind_text64(st.get(), 6, s.profile_json.data(), s.profile_json.size(),
                          SQLITE_STATIC, SQLITE_UTF8);
      if (sqlite3_step(st.get()) != SQLITE_DONE) return error("writing the segments");
    }
  }
  {
    KOHORT_ASSIGN_OR_RETURN(
        Stmt st, prepare("INSERT INTO assignment_history (version, customer_id, segment, "
                         "confidence, since, clv, p_alive, churn_risk) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         "writing the assignments"));
    // `since` takes few distinct values: format each once.
    std::int64_t last_since = 0;
    std::string last_text;
    for (std::size_t i = 0; i < plan.sorted.size(); ++i) {
      const AssignmentRecord& a = *plan.sorted[i];
      if (i == 0 || since[i] != last_since) {
        last_since = since[i];
        last_text = format_datetime(last_since);
      }
      sqlite3_reset(st.get());
      sqlite3_bind_int64(st.get(), 1, version);
      sqlite3_bind_text(st.get(), 2, a.customer_id.data(),
                        static_cast<int>(a.customer_id.size()), SQLITE_STATIC);
      sqlite3_bind_int(st.get(), 3, a.segment);
      sqlite3_bind_double(st.get(), 4, static_cast<double>(a.confidence));
      sqlite3_bind_text(st.get(), 5, last_text.data(), static_cast<int>(last_text.size()),
                        SQLITE_TRANSIENT);
      bind_value(st.get(), 6, a.value);
      if (sqlite3_step(st.get()) != SQLITE_DONE) return error("writing the assignments");
    }
  }
  {
    KOHORT_ASSIGN_OR_RETURN(
        Stmt st, prepare(fmt::format("INSERT INTO runs (started_at, finished_at, status, "
                                     "command, metrics_json, error, version, options_json) "
                                     "VALUES (coalesce(?, {0}), {0}, 'ok', ?, ?, '', ?, ?)",
                                     kNow),
                         "recording the run"));
    sqlite3_bind_text(st.get(), 5, request.run_options_json.data(),
                      static_cast<int>(request.run_options_json.size()), SQLITE_STATIC);
    if (!plan.run_started_at.empty()) {
      sqlite3_bind_text(st.get(), 1, plan.run_started_at.data(),
                        static_cast<int>(plan.run_started_at.size()), SQLITE_STATIC);
    }
    sqlite3_bind_text(st.get(), 2, request.command.data(),
                      static_cast<int>(request.command.size()), SQLITE_STATIC);
    sqlite3_bind_text(st.get(), 3, request.run_metrics_json.data(),
                      static_cast<int>(request.run_metrics_json.size()), SQLITE_STATIC);
    sqlite3_bind_int64(st.get(), 4, version);
    if (sqlite3_step(st.get()) != SQLITE_DONE) return error("recording the run");
  }
  KOHORT_RETURN_IF_ERROR(tx.commit("committing the new version"));
  return version;
}

Result<std::vector<VersionInfo>> SqliteStore::read_versions(std::string_view tail) {
  KOHORT_ASSIGN_OR_RETURN(
      Stmt st, prepare(fmt::format("SELECT version, created_at, as_of, kohort_version, "
                                   "algorithm, fingerprint, k, customers FROM model_versions {}",
                                   tail),
                       "reading the versions"));
  std::vector<VersionInfo> out;
  int rc = 0;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    VersionInfo v;
    v.version = sqlite3_column_int64(st.get(), 0);
    v.created_at = column_text(st.get(), 1);
    v.as_of = column_text(st.get(), 2);
    v.kohort_version = column_text(st.get(), 3);
    v.algorithm = column_text(st.get(), 4);
    v.fingerprint = column_text(st.get(), 5);
    v.k = sqlite3_column_int(st.get(), 6);
    v.customers = sqlite3_column_int64(st.get(), 7);
    out.push_back(std::move(v));
  }
  if (rc != SQLITE_DONE) return error("reading the versions");
  return out;
}

Result<std::optional<VersionInfo>> SqliteStore::latest() {
  KOHORT_ASSIGN_OR_RETURN(auto rows, read_versions("ORDER BY version DESC LIMIT 1"));
  if (rows.empty()) return std::optional<VersionInfo>();
  return std::optional<VersionInfo>(std::move(rows.front()));
}

Result<std::vector<VersionInfo>> SqliteStore::versions() {
  return read_versions("ORDER BY version");
}

Result<bool> SqliteStore::version_exists(std::int64_t version) {
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT 1 FROM model_versions WHERE version = ?",
                                           "looking up a version"));
  sqlite3_bind_int64(st.get(), 1, version);
  const int rc = sqlite3_step(st.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return error("looking up a version");
}

Result<std::string> SqliteStore::model_json(std::int64_t version) {
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT model_json, fingerprint FROM model_versions WHERE version = ?",
                                           "reading a model"));
  sqlite3_bind_int64(st.get(), 1, version);
  const int rc = sqlite3_step(st.get());
  if (rc == SQLITE_DONE) return not_found_version(version);
  if (rc != SQLITE_ROW) return error("reading a model");
  return checked_model(version, column_text(st.get(), 0), column_text(st.get(), 1));
}

Result<std::vector<SegmentRecord>> SqliteStore::segments(std::int64_t version) {
  KOHORT_ASSIGN_OR_RETURN(const bool exists, version_exists(version));
  if (!exists) return not_found_version(version);
  KOHORT_ASSIGN_OR_RETURN(
      Stmt st, prepare("SELECT segment, name, size, share, profile_json FROM segments "
                       "WHERE version = ? ORDER BY segment",
                       "reading the segments"));
  sqlite3_bind_int64(st.get(), 1, version);
  std::vector<SegmentRecord> out;
  int rc = 0;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    SegmentRecord s;
    s.id = sqlite3_column_int(st.get(), 0);
    s.name = column_text(st.get(), 1);
    s.size = sqlite3_column_int64(st.get(), 2);
    s.share = sqlite3_column_double(st.get(), 3);
    s.profile_json = column_text(st.get(), 4);
    out.push_back(std::move(s));
  }
  if (rc != SQLITE_DONE) return error("reading the segments");
  return out;
}

Result<std::vector<AssignmentRecord>> SqliteStore::assignments(std::int64_t version) {
  KOHORT_ASSIGN_OR_RETURN(const bool exists, version_exists(version));
  if (!exists) return not_found_version(version);
  KOHORT_ASSIGN_OR_RETURN(
      Stmt st, prepare("SELECT customer_id, segment, confidence, since, clv, p_alive, churn_risk FROM assignment_history "
                       "WHERE version = ? ORDER BY customer_id",
                       "reading the assignments"));
  sqlite3_bind_int64(st.get(), 1, version);
  std::vector<AssignmentRecord> out;
  int rc = 0;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    AssignmentRecord a;
    a.customer_id = column_text(st.get(), 0);
    a.segment = sqlite3_column_int(st.get(), 1);
    a.confidence = static_cast<float>(sqlite3_column_double(st.get(), 2));
    a.since = column_text(st.get(), 3);
    a.value = column_value(st.get(), 4);
    out.push_back(std::move(a));
  }
  if (rc != SQLITE_DONE) return error("reading the assignments");
  return out;
}

Result<std::vector<RunRecord>> SqliteStore::runs() {
  KOHORT_ASSIGN_OR_RETURN(
      Stmt st, prepare("SELECT run_id, started_at, finished_at, status, command, metrics_json, "
                       "error, version, options_json FROM runs ORDER BY run_id",
                       "reading the runs"));
  std::vector<RunRecord> out;
  int rc = 0;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    RunRecord r;
    r.run_id = sqlite3_column_int64(st.get(), 0);
    r.started_at = column_text(st.get(), 1);
    r.finished_at = column_text(st.get(), 2);
    r.status = column_text(st.get(), 3);
    r.command = column_text(st.get(), 4);
    r.metrics_json = column_text(st.get(), 5);
    r.error = column_text(st.get(), 6);
    if (sqlite3_column_type(st.get(), 7) != SQLITE_NULL)
      r.version = sqlite3_column_int64(st.get(), 7);
    r.options_json = column_text(st.get(), 8);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return error("reading the runs");
  return out;
}

Status SqliteStore::record_failed_run(const FailedRun& run) {
  const FailedRunText t = failed_run_text(run);
  KOHORT_ASSIGN_OR_RETURN(
      Stmt st, prepare(fmt::format("INSERT INTO runs (started_at, finished_at, status, command, "
                                   "metrics_json, error, version, options_json) "
                                   "VALUES (coalesce(?, {0}), {0}, 'failed', ?, '{{}}', ?, NULL, ?)",
                                   kNow),
                       "recording a failed run"));
  if (!t.started_at.empty())
    sqlite3_bind_text(st.get(), 1, t.started_at.data(), static_cast<int>(t.started_at.size()), SQLITE_STATIC);
  sqlite3_bind_text(st.get(), 2, t.command.data(), static_cast<int>(t.command.size()), SQLITE_STATIC);
  sqlite3_bind_text(st.get(), 3, t.error.data(), static_cast<int>(t.error.size()), SQLITE_STATIC);
  sqlite3_bind_text(st.get(), 4, t.options_json.data(), static_cast<int>(t.options_json.size()), SQLITE_STATIC);
  if (sqlite3_step(st.get()) != SQLITE_DONE) return error("recording a failed run");
  return {};
}

void bind(sqlite3_stmt* st, int i, std::string_view text) {
  sqlite3_bind_text64(st, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

Result<std::vector<std::int32_t>> SqliteStore::segment_ids(std::int64_t version) {
  KOHORT_ASSIGN_OR_RETURN(const bool exists, version_exists(version));
  if (!exists)
    return Status::invalid_input(path_, fmt::format("model version {} does not exist", version),
                                 "assign with a published version (kohort fit publishes one)");
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT segment FROM segments WHERE version = ?", "reading the segments"));
  sqlite3_bind_int64(st.get(), 1, version);
  std::vector<std::int32_t> ids;
  int rc = 0;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) ids.push_back(sqlite3_column_int(st.get(), 0));
  if (rc != SQLITE_DONE) return error("reading the segments");
  return ids;
}

Result<std::int64_t> SqliteStore::insert_run(const std::string& started_at, const std::string& command,
                                             const std::string& metrics_json, const std::string& options_json) {
  KOHORT_ASSIGN_OR_RETURN(
      Stmt st, prepare(fmt::format("INSERT INTO runs (started_at, finished_at, status, command, metrics_json, "
                                   "error, version, options_json) VALUES (coalesce(?, {0}), {0}, 'ok', ?, ?, '', NULL, ?)",
                                   kNow),
                       "recording the run"));
  if (!started_at.empty()) bind(st.get(), 1, started_at);
  bind(st.get(), 2, command);
  bind(st.get(), 3, metrics_json);
  bind(st.get(), 4, options_json);
  if (sqlite3_step(st.get()) != SQLITE_DONE) return error("recording the run");
  return sqlite3_last_insert_rowid(db_.get());
}

Status SqliteStore::write_day_rows(const AssignDayRequest& request, const DayPlan& plan) {
  KOHORT_ASSIGN_OR_RETURN(Stmt seg, prepare("INSERT INTO assign_day_segments (as_of, status, segment, size, entered, "
                                            "exited, mean_confidence) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                            "writing the day's segments"));
  for (const SegmentDayRecord& s : request.segments) {
    sqlite3_reset(seg.get());
    bind(seg.get(), 1, plan.as_of);
    bind(seg.get(), 2, plan.status);
    sqlite3_bind_int(seg.get(), 3, s.segment);
    sqlite3_bind_int64(seg.get(), 4, s.size);
    sqlite3_bind_int64(seg.get(), 5, s.entered);
    sqlite3_bind_int64(seg.get(), 6, s.exited);
    sqlite3_bind_double(seg.get(), 7, s.mean_confidence);
    if (sqlite3_step(seg.get()) != SQLITE_DONE) return error("writing the day's segments");
  }
  KOHORT_ASSIGN_OR_RETURN(Stmt row, prepare("INSERT INTO assignment_standing (as_of, customer_id, version, segment, "
                                            "raw_segment, confidence, since, smoothed, clv, p_alive, churn_risk) "
                                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                            "writing the day's assignments"));
  std::int64_t last_since = 0;
  std::string since_text;
  for (std::size_t i = 0; i < plan.sorted.size(); ++i) {
    const CustomerDay& c = *plan.sorted[i];
    if (i == 0 || c.since != last_since) last_since = c.since, since_text = format_datetime(c.since);
    // Bound without copies: every buffer outlives the step. A vector's bytes are its floats in
    // memory (little-endian), which is what vector_bytes() writes.
    sqlite3_reset(row.get());
    sqlite3_bind_text(row.get(), 1, plan.as_of.data(), static_cast<int>(plan.as_of.size()), SQLITE_STATIC);
    sqlite3_bind_text(row.get(), 2, c.customer_id.data(), static_cast<int>(c.customer_id.size()), SQLITE_STATIC);
    sqlite3_bind_int64(row.get(), 3, request.version);
    sqlite3_bind_int(row.get(), 4, c.segment);
    sqlite3_bind_int(row.get(), 5, c.raw_segment);
    sqlite3_bind_double(row.get(), 6, static_cast<double>(c.confidence));
    sqlite3_bind_text(row.get(), 7, since_text.data(), static_cast<int>(since_text.size()), SQLITE_STATIC);
    if (c.smoothed.empty()) {
      sqlite3_bind_null(row.get(), 8);
    } else {
      sqlite3_bind_blob64(row.get(), 8, c.smoothed.data(), c.smoothed.size() * sizeof(float), SQLITE_STATIC);
    }
    bind_value(row.get(), 9, c.value);
    if (sqlite3_step(row.get()) != SQLITE_DONE) return error("writing the day's assignments");
  }
  KOHORT_ASSIGN_OR_RETURN(Stmt tr, prepare("INSERT INTO transitions (as_of, customer_id, from_segment, to_segment, reason) "
                                           "VALUES (?, ?, ?, ?, ?)",
                                           "writing the transitions"));
  for (const TransitionRecord& t : request.transitions) {
    sqlite3_reset(tr.get());
    bind(tr.get(), 1, plan.as_of);
    bind(tr.get(), 2, t.customer_id);
    if (t.from) sqlite3_bind_int(tr.get(), 3, *t.from); else sqlite3_bind_null(tr.get(), 3);
    if (t.to) sqlite3_bind_int(tr.get(), 4, *t.to); else sqlite3_bind_null(tr.get(), 4);
    bind(tr.get(), 5, t.reason);
    if (sqlite3_step(tr.get()) != SQLITE_DONE) return error("writing the transitions");
  }
  return {};
}

Status SqliteStore::publish_day(const AssignDayRequest& request) {
  KOHORT_ASSIGN_OR_RETURN(const DayPlan plan, plan_day(path_, request));
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("starting to record an assignment day"));
  KOHORT_ASSIGN_OR_RETURN(const auto ids, segment_ids(request.version));
  KOHORT_RETURN_IF_ERROR(check_day_segments(path_, request, ids));
  if (request.current) {
    KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT max(as_of) FROM assign_days WHERE status = 'current'",
                                             "reading the current day"));
    if (sqlite3_step(st.get()) != SQLITE_ROW) return error("reading the current day");
    const std::string latest = column_text(st.get(), 0);
    if (!latest.empty() && plan.as_of < latest)
      return Status::invalid_input(path_, fmt::format("the day {} is before the current assignment of {}", plan.as_of, latest),
                                   "assign a day on or after the current one");
  }
  for (const char* table : {"assign_days", "assign_day_segments"}) {
    KOHORT_ASSIGN_OR_RETURN(Stmt del, prepare(fmt::format("DELETE FROM {} WHERE as_of = ? AND status = ?", table),
                                              "replacing the day"));
    bind(del.get(), 1, plan.as_of);
    bind(del.get(), 2, plan.status);
    if (sqlite3_step(del.get()) != SQLITE_DONE) return error("replacing the day");
  }
  if (request.current) {
    for (const char* table : {"assignment_standing", "transitions"}) {
      KOHORT_ASSIGN_OR_RETURN(Stmt del, prepare(fmt::format("DELETE FROM {} WHERE as_of = ?", table), "replacing the day"));
      bind(del.get(), 1, plan.as_of);
      if (sqlite3_step(del.get()) != SQLITE_DONE) return error("replacing the day");
    }
  }
  KOHORT_ASSIGN_OR_RETURN(const std::int64_t run_id,
                          insert_run(plan.run_started_at, request.command, request.figures_json, request.options_json));
  {
    KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare(fmt::format("INSERT INTO assign_days (as_of, status, version, created_at, "
                                                         "figures_json, run_id) VALUES (?, ?, ?, {}, ?, ?)",
                                                         kNow),
                                             "recording the day"));
    bind(st.get(), 1, plan.as_of);
    bind(st.get(), 2, plan.status);
    sqlite3_bind_int64(st.get(), 3, request.version);
    bind(st.get(), 4, request.figures_json);
    sqlite3_bind_int64(st.get(), 5, run_id);
    if (sqlite3_step(st.get()) != SQLITE_DONE) return error("recording the day");
  }
  KOHORT_RETURN_IF_ERROR(write_day_rows(request, plan));
  // Keep the standing of the two latest current days.
  KOHORT_RETURN_IF_ERROR(exec("DELETE FROM assignment_standing WHERE as_of < (SELECT as_of FROM assign_days "
                              "WHERE status = 'current' ORDER BY as_of DESC LIMIT 1 OFFSET 1)",
                              "dropping old standings"));
  return tx.commit("committing the day");
}

Result<std::vector<AssignDayInfo>> SqliteStore::assign_days() {
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT as_of, status, version, created_at, figures_json FROM assign_days "
                                           "ORDER BY as_of, status DESC",
                                           "reading the assignment days"));
  std::vector<AssignDayInfo> out;
  int rc = 0;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW)
    out.push_back({column_text(st.get(), 0), sqlite3_column_int64(st.get(), 2), column_text(st.get(), 1),
                   column_text(st.get(), 4), column_text(st.get(), 3), {}});
  if (rc != SQLITE_DONE) return error("reading the assignment days");
  KOHORT_ASSIGN_OR_RETURN(Stmt seg, prepare("SELECT segment, size, entered, exited, mean_confidence FROM "
                                            "assign_day_segments WHERE as_of = ? AND status = ? ORDER BY segment",
                                            "reading the assignment days"));
  for (AssignDayInfo& d : out) {
    sqlite3_reset(seg.get());
    bind(seg.get(), 1, d.as_of);
    bind(seg.get(), 2, d.status);
    while ((rc = sqlite3_step(seg.get())) == SQLITE_ROW)
      d.segments.push_back({sqlite3_column_int(seg.get(), 0), sqlite3_column_int64(seg.get(), 1),
                            sqlite3_column_int64(seg.get(), 2), sqlite3_column_int64(seg.get(), 3),
                            sqlite3_column_double(seg.get(), 4)});
    if (rc != SQLITE_DONE) return error("reading the assignment days");
  }
  return out;
}

Result<std::vector<CustomerDay>> SqliteStore::day_standing(const std::string& as_of) {
  const auto t = parse_iso8601(as_of);
  if (!t) return Status::invalid_argument(path_, fmt::format("'{}' is not an ISO 8601 date", as_of));
  const std::string day = format_datetime(*t);
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT customer_id, segment, raw_segment, confidence, since, smoothed, clv, "
                                           "p_alive, churn_risk FROM assignment_standing WHERE as_of = ? ORDER BY customer_id",
                                           "reading the day's assignments"));
  bind(st.get(), 1, day);
  std::vector<CustomerDay> out;
  int rc = 0;
  std::string last_text;
  std::int64_t last_since = 0;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    CustomerDay c;
    c.customer_id = column_text(st.get(), 0);
    c.segment = sqlite3_column_int(st.get(), 1);
    c.raw_segment = sqlite3_column_int(st.get(), 2);
    c.confidence = static_cast<float>(sqlite3_column_double(st.get(), 3));
    const std::string_view since = column_view(st.get(), 4);
    if (since != last_text) {
      const auto parsed = parse_iso8601(since);
      if (!parsed)
        return Status{Code::corruption, path_, fmt::format("the day {} has an unreadable since", day),
                      "restore the store from a backup"};
      last_text = since, last_since = *parsed;
    }
    c.since = last_since;
    c.value = column_value(st.get(), 6);
    const auto* blob = static_cast<const char*>(sqlite3_column_blob(st.get(), 5));
    if (blob != nullptr) {
      auto v = vector_from_bytes({blob, static_cast<std::size_t>(sqlite3_column_bytes(st.get(), 5))});
      if (!v)
        return Status{Code::corruption, path_, fmt::format("the day {} has a damaged smoothed vector", day),
                      "restore the store from a backup"};
      c.smoothed = std::move(*v);
    }
    out.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) return error("reading the day's assignments");
  if (out.empty())
    return Status::not_found(path_, fmt::format("the store keeps no assignment of the day {}", day),
                             "the standing of the two latest assignment days is kept");
  return out;
}

Result<std::vector<TransitionRecord>> SqliteStore::transitions(const std::string& from, const std::string& to) {
  std::string lo = "0000", hi = "9999";
  for (auto [text, out] : {std::pair{&from, &lo}, std::pair{&to, &hi}}) {
    if (text->empty()) continue;
    const auto t = parse_iso8601(*text);
    if (!t) return Status::invalid_argument(path_, fmt::format("'{}' is not an ISO 8601 date", *text));
    *out = format_datetime(*t);
  }
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT as_of, customer_id, from_segment, to_segment, reason FROM transitions "
                                           "WHERE as_of >= ? AND as_of <= ? ORDER BY as_of, customer_id",
                                           "reading the transitions"));
  bind(st.get(), 1, lo);
  bind(st.get(), 2, hi);
  std::vector<TransitionRecord> out;
  int rc = 0;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    TransitionRecord t;
    t.as_of = column_text(st.get(), 0);
    t.customer_id = column_text(st.get(), 1);
    if (sqlite3_column_type(st.get(), 2) != SQLITE_NULL) t.from = sqlite3_column_int(st.get(), 2);
    if (sqlite3_column_type(st.get(), 3) != SQLITE_NULL) t.to = sqlite3_column_int(st.get(), 3);
    t.reason = column_text(st.get(), 4);
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return error("reading the transitions");
  return out;
}

Result<std::int64_t> SqliteStore::record_monitor_run(const MonitorRunRequest& request) {
  KOHORT_ASSIGN_OR_RETURN(const MonitorPlan plan, plan_monitor_run(path_, request));
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("recording a monitor run"));
  KOHORT_ASSIGN_OR_RETURN(const bool exists, version_exists(request.version));
  if (!exists)
    return Status::invalid_input(path_, fmt::format("model version {} does not exist", request.version),
                                 "monitor a published version (kohort fit publishes one)");
  KOHORT_ASSIGN_OR_RETURN(const std::int64_t run_id,
                          insert_run(plan.run_started_at, request.command, request.figures_json, request.options_json));
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare(fmt::format("INSERT INTO monitor_runs (as_of, version, verdict, created_at, "
                                                       "figures_json, run_id) VALUES (?, ?, ?, {}, ?, ?)",
                                                       kNow),
                                           "recording a monitor run"));
  bind(st.get(), 1, plan.as_of);
  sqlite3_bind_int64(st.get(), 2, request.version);
  bind(st.get(), 3, request.verdict);
  bind(st.get(), 4, request.figures_json);
  sqlite3_bind_int64(st.get(), 5, run_id);
  if (sqlite3_step(st.get()) != SQLITE_DONE) return error("recording a monitor run");
  const std::int64_t id = sqlite3_last_insert_rowid(db_.get());
  KOHORT_RETURN_IF_ERROR(tx.commit("recording a monitor run"));
  return id;
}

Result<std::vector<MonitorRunInfo>> SqliteStore::monitor_runs() {
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT id, as_of, version, verdict, figures_json, created_at FROM monitor_runs "
                                           "ORDER BY id",
                                           "reading the monitor runs"));
  std::vector<MonitorRunInfo> out;
  int rc = 0;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW)
    out.push_back({sqlite3_column_int64(st.get(), 0), column_text(st.get(), 1), sqlite3_column_int64(st.get(), 2),
                   column_text(st.get(), 3), column_text(st.get(), 4), column_text(st.get(), 5)});
  if (rc != SQLITE_DONE) return error("reading the monitor runs");
  return out;
}

Result<ForgetSummary> SqliteStore::forget(const std::vector<std::string>& ids) {
  KOHORT_RETURN_IF_ERROR(check_forget(path_, ids));
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("forgetting customers"));
  ForgetSummary out;
  const std::pair<const char*, std::int64_t*> tables[] = {
      {"DELETE FROM assignment_history WHERE version IN (SELECT version FROM model_versions) AND customer_id = ?",
       &out.assignment_rows},
      {"DELETE FROM assignment_standing WHERE as_of IN (SELECT as_of FROM assign_days) AND customer_id = ?", &out.standing_rows},
      {"DELETE FROM transitions WHERE as_of IN (SELECT as_of FROM assign_days) AND customer_id = ?", &out.transition_rows},
      {"DELETE FROM dead_letters WHERE customer_id = ?", &out.dead_letter_rows}};
  for (const auto& [sql, count] : tables) {
    KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare(sql, "forgetting customers"));
    for (const std::string& id : ids) {
      sqlite3_reset(st.get());
      bind(st.get(), 1, id);
      if (sqlite3_step(st.get()) != SQLITE_DONE) return error("forgetting customers");
      *count += sqlite3_changes(db_.get());
    }
  }
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare(fmt::format("INSERT INTO forgotten (customer_key, forgotten_at) VALUES (?, {}) "
                                                       "ON CONFLICT (customer_key) DO UPDATE SET forgotten_at = excluded.forgotten_at",
                                                       kNow),
                                           "recording the forgotten customers"));
  for (const std::string& id : ids) {
    sqlite3_reset(st.get());
    bind(st.get(), 1, sha256_fingerprint(id));
    if (sqlite3_step(st.get()) != SQLITE_DONE) return error("recording the forgotten customers");
  }
  KOHORT_RETURN_IF_ERROR(tx.commit("forgetting customers"));
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> SqliteStore::forgotten() {
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT customer_key, forgotten_at FROM forgotten ORDER BY customer_key",
                                           "reading the forgotten customers"));
  std::vector<std::pair<std::string, std::string>> out;
  int rc = 0;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out.emplace_back(column_text(st.get(), 0), column_text(st.get(), 1));
  if (rc != SQLITE_DONE) return error("reading the forgotten customers");
  return out;
}

Result<std::optional<std::string>> SqliteStore::watermark(const std::string& name) {
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT as_of FROM export_watermarks WHERE destination = ?", "reading a watermark"));
  bind(st.get(), 1, name);
  const int rc = sqlite3_step(st.get());
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return error("reading a watermark");
  return std::optional<std::string>(column_text(st.get(), 0));
}

Status SqliteStore::set_watermark(const std::string& name, const std::string& as_of) {
  KOHORT_ASSIGN_OR_RETURN(const std::string when, plan_watermark(path_, name, as_of));
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare(fmt::format("INSERT INTO export_watermarks (destination, as_of, exported_at) "
                                                       "VALUES (?, ?, {}) ON CONFLICT (destination) DO UPDATE SET "
                                                       "as_of = excluded.as_of, exported_at = excluded.exported_at",
                                                       kNow),
                                           "recording a watermark"));
  bind(st.get(), 1, name);
  bind(st.get(), 2, when);
  if (sqlite3_step(st.get()) != SQLITE_DONE) return error("recording a watermark");
  return {};
}

Status SqliteStore::record_delivery(const DeliveryRecord& request) {
  KOHORT_ASSIGN_OR_RETURN(const DeliveryRecord r, plan_delivery(path_, request));
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("recording a webhook delivery"));
  KOHORT_ASSIGN_OR_RETURN(Stmt gone, prepare("DELETE FROM dead_letters WHERE destination = ? AND event_id = ?",
                                             "recording a webhook delivery"));
  for (const std::string& id : r.delivered) {
    sqlite3_reset(gone.get());
    bind(gone.get(), 1, r.destination);
    bind(gone.get(), 2, id);
    if (sqlite3_step(gone.get()) != SQLITE_DONE) return error("recording a webhook delivery");
  }
  KOHORT_ASSIGN_OR_RETURN(
      Stmt dead, prepare(fmt::format("INSERT INTO dead_letters (destination, event_id, customer_id, as_of, payload_json, attempts, "
                                     "last_error, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?, {}) ON CONFLICT (destination, event_id) "
                                     "DO UPDATE SET attempts = dead_letters.attempts + excluded.attempts, "
                                     "last_error = excluded.last_error, failed_at = excluded.failed_at",
                                     kNow),
                         "recording the dead letters"));
  for (const DeadLetter& d : r.failed) {
    sqlite3_reset(dead.get());
    bind(dead.get(), 1, r.destination);
    bind(dead.get(), 2, d.event_id);
    bind(dead.get(), 3, d.customer_id);
    bind(dead.get(), 4, d.as_of);
    bind(dead.get(), 5, d.payload_json);
    sqlite3_bind_int64(dead.get(), 6, d.attempts);
    bind(dead.get(), 7, d.last_error);
    if (sqlite3_step(dead.get()) != SQLITE_DONE) return error("recording the dead letters");
  }
  if (r.watermark) KOHORT_RETURN_IF_ERROR(set_watermark(*r.watermark, r.through));
  return tx.commit("recording a webhook delivery");
}

Result<std::vector<DeadLetter>> SqliteStore::dead_letters(const std::string& destination) {
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT destination, event_id, customer_id, as_of, payload_json, attempts, last_error, "
                                           "failed_at FROM dead_letters WHERE ? = '' OR destination = ? "
                                           "ORDER BY destination, as_of, event_id",
                                           "reading the dead letters"));
  bind(st.get(), 1, destination);
  bind(st.get(), 2, destination);
  std::vector<DeadLetter> out;
  int rc = 0;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW)
    out.push_back({column_text(st.get(), 0), column_text(st.get(), 1), column_text(st.get(), 2), column_text(st.get(), 3),
                   column_text(st.get(), 4), sqlite3_column_int64(st.get(), 5), column_text(st.get(), 6),
                   column_text(st.get(), 7)});
  if (rc != SQLITE_DONE) return error("reading the dead letters");
  return out;
}

Result<std::optional<std::int64_t>> SqliteStore::pinned_version() {
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT value FROM settings WHERE key = 'pinned_version'", "reading the pin"));
  const int rc = sqlite3_step(st.get());
  if (rc == SQLITE_DONE) return std::optional<std::int64_t>();
  if (rc != SQLITE_ROW) return error("reading the pin");
  return std::optional<std::int64_t>(std::stoll(column_text(st.get(), 0)));
}

Status SqliteStore::pin_version(std::optional<std::int64_t> version) {
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("pinning a version"));
  if (!version) {
    KOHORT_RETURN_IF_ERROR(exec("DELETE FROM settings WHERE key = 'pinned_version'", "unpinning"));
    return tx.commit("unpinning");
  }
  KOHORT_ASSIGN_OR_RETURN(const bool exists, version_exists(*version));
  if (!exists) return not_found_version(*version);
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("INSERT INTO settings (key, value) VALUES ('pinned_version', ?) "
                                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                           "pinning a version"));
  bind(st.get(), 1, std::to_string(*version));
  if (sqlite3_step(st.get()) != SQLITE_DONE) return error("pinning a version");
  return tx.commit("pinning a version");
}

Result<std::vector<std::pair<std::int32_t, std::string>>> SqliteStore::segment_labels() {
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare("SELECT segment, name FROM segment_labels ORDER BY segment", "reading segment names"));
  std::vector<std::pair<std::int32_t, std::string>> out;
  int rc = 0;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out.emplace_back(sqlite3_column_int(st.get(), 0), column_text(st.get(), 1));
  if (rc != SQLITE_DONE) return error("reading segment names");
  return out;
}

Status SqliteStore::label_segment(std::int32_t id, const std::string& name) {
  if (name.empty() || !valid_text(name))
    return Status::invalid_input(path_, "a segment name must be non-empty UTF-8 text", "pass the name in quotes");
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("naming a segment"));
  KOHORT_ASSIGN_OR_RETURN(Stmt upd, prepare("UPDATE segments SET name = ? WHERE segment = ? AND version = "
                                            "(SELECT max(version) FROM model_versions)",
                                            "naming a segment"));
  bind(upd.get(), 1, name);
  sqlite3_bind_int(upd.get(), 2, id);
  if (sqlite3_step(upd.get()) != SQLITE_DONE) return error("naming a segment");
  if (sqlite3_changes(db_.get()) == 0)
    return Status::not_found(path_, fmt::format("the latest version has no segment {}", id),
                             "list the segments with kohort segments list");
  KOHORT_ASSIGN_OR_RETURN(Stmt st, prepare(fmt::format("INSERT INTO segment_labels (segment, name, set_at) VALUES (?, ?, {}) "
                                                       "ON CONFLICT (segment) DO UPDATE SET name = excluded.name, "
                                                       "set_at = excluded.set_at",
                                                       kNow),
                                           "naming a segment"));
  sqlite3_bind_int(st.get(), 1, id);
  bind(st.get(), 2, name);
  if (sqlite3_step(st.get()) != SQLITE_DONE) return error("naming a segment");
  return tx.commit("naming a segment");
}

// An exclusive flock on the store's lock file: released when closed, also by a killed process.
class FileRunLock final : public RunLock {
 public:
  explicit FileRunLock(int fd) : fd_(fd) {}
  ~FileRunLock() override { ::close(fd_); }
  FileRunLock(const FileRunLock&) = delete;
  FileRunLock& operator=(const FileRunLock&) = delete;

 private:
  int fd_;
};

Result<std::unique_ptr<RunLock>> SqliteStore::lock_runs(const std::string& what) {
  const std::string file = path_ + ".lock";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::io_error(file, fmt::format("cannot open the store's lock file: {}", std::strerror(errno)),
                            "make the store's directory writable");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      return Status(Code::conflict, path_, fmt::format("another {} is running on this store", what),
                    "wait for it to finish, then run again (a run that was killed releases the lock at once)");
    return Status::io_error(file, fmt::format("cannot lock the store: {}", std::strerror(err)));
  }
  return std::unique_ptr<RunLock>(std::make_unique<FileRunLock>(fd));
}

// Checks what SQLite would otherwise report as a bare "unable to open database file".
Status check_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  fs::path dir = p.parent_path();
  if (dir.empty()) dir = ".";
  const auto st = fs::status(p, ec);
  if (fs::is_directory(st)) {
    return Status::invalid_argument(path, "the store path is a directory",
                                    "give a file path, e.g. " + (p / "kohort.db").string());
  }
  if (!fs::is_directory(dir, ec)) {
    return Status::not_found(path,
                             fmt::format("the store's directory '{}' does not exist", dir.string()),
                             "create the directory first, or choose another store path");
  }
  // WAL mode needs to create "-wal" and "-shm" files beside the store.
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::io_error(path,
                            fmt::format("cannot write in the store's directory '{}': {}",
                                        dir.string(), std::strerror(errno)),
                            "make the directory writable, or choose another store path");
  }
  if (fs::exists(st) && ::access(path.c_str(), R_OK | W_OK) != 0) {
    return Status::io_error(path,
                            fmt::format("cannot read and write the store file: {}",
                                        std::strerror(errno)),
                            "make the file readable and writable, or choose another store path");
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, int schema_version) {
  KOHORT_RETURN_IF_ERROR(check_path(path));
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return Status::io_error(path,
                            fmt::format("cannot open the store file: {}",
                                        raw != nullptr ? sqlite3_errmsg(raw) : "out of memory"),
                            "check the path and its permissions");
  }
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  // The first statement reads the header: this is where a foreign file shows.
  // Switching a new file to WAL takes an exclusive lock, and SQLite answers SQLITE_BUSY at once
  // (without the busy handler) while another process opening the same new store holds it, so
  // wait for it here, within the same budget as any other lock.
  int wal_rc = SQLITE_BUSY;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (int attempt = 0;; ++attempt) {
    sqlite3_stmt* st = nullptr;
    wal_rc = sqlite3_prepare_v2(db.get(), "PRAGMA journal_mode=WAL", -1, &st, nullptr);
    if (wal_rc == SQLITE_OK) wal_rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if ((wal_rc != SQLITE_BUSY && wal_rc != SQLITE_LOCKED) ||
        std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1 + attempt, 50)));
  }
  if (wal_rc == SQLITE_NOTADB) {
    return Status::invalid_argument(path, "the file is not a SQLite database",
                                    "give the path of a kohort store, or a new file name to "
                                    "create one");
  }
  if (wal_rc != SQLITE_ROW && wal_rc != SQLITE_DONE) {
    return Status::io_error(path,
                            fmt::format("cannot open the store file: {}", sqlite3_errmsg(db.get())),
                            "check the file and its permissions");
  }
  // A kohort store has schema_migrations; refuse to add tables to someone else's database.
  {
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db.get(),
                       "SELECT (SELECT count(*) FROM sqlite_schema), "
                       "(SELECT count(*) FROM sqlite_schema WHERE name = 'schema_migrations')",
                       -1, &q, nullptr);
    Stmt guard(q);
    if (q == nullptr || sqlite3_step(q) != SQLITE_ROW) {
      return Status::io_error(path,
                              fmt::format("cannot read the store file: {}", sqlite3_errmsg(db.get())),
                              "check the file and its permissions");
    }
    if (sqlite3_column_int(q, 0) > 0 && sqlite3_column_int(q, 1) == 0) {
      return Status::invalid_argument(path,
                                      "the file is a SQLite database but not a kohort store "
                                      "(it has no schema_migrations table)",
                                      "give the path of a kohort store, or a new file name to "
                                      "create one");
    }
  }
  // FULL: a committed version survives a power cut, not only a crash of the process.
  if (sqlite3_exec(db.get(), "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536", nullptr, nullptr,
                   nullptr) != SQLITE_OK) {
    return Status::io_error(path, fmt::format("cannot configure SQLite: {}",
                                              sqlite3_errmsg(db.get())));
  }
  auto store = std::make_unique<SqliteStore>(path, std::move(db));
  KOHORT_RETURN_IF_ERROR(store->migrate(schema_version));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace kohort::store::internal
