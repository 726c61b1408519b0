#include "kohort/store/internal/sqlite_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <thread>
#include <utility>

#include <fmt/format.h>

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

 private:
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
                             "list the versions that exist with the store's versions()");
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
                         "confidence, since) VALUES (?, ?, ?, ?, ?)",
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
      Stmt st, prepare("SELECT customer_id, segment, confidence, since FROM assignment_history "
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
