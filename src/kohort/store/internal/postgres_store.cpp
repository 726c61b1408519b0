#include "kohort/store/internal/postgres_store.h"

#include <libpq-fe.h>

#include <charconv>
#include <functional>
#include <cmath>
#include <cstring>
#include <limits>
#include <cstdlib>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "kohort/core/hash.h"
#include "kohort/core/secrets.h"
#include "kohort/core/time.h"
#include "kohort/store/internal/location.h"
#include "kohort/store/internal/migrations.h"
#include "kohort/store/internal/publish_plan.h"

namespace kohort::store::internal {

namespace {

// Serialises migrations of concurrent openers (a session-level advisory lock; any constant
// that other software is unlikely to use).
constexpr std::int64_t kMigrationLock = 0x6b6f686f7274;  // "kohort"
// Times travel as seconds since the epoch and are formatted on our side, so both backends
// return identical text. date_part gives a double; extract gives numeric since PostgreSQL 14,
// which costs about 0.3 s more per million rows.
constexpr std::string_view kEpoch = "date_part('epoch', {})::bigint";
// COPY data is sent in pieces of about this many bytes.
constexpr std::size_t kCopyChunk = 1 << 20;

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;
using PgResult = std::unique_ptr<PGresult, ResultClearer>;

void ignore_notice(void* /*arg*/, const char* /*message*/) {}

std::string trimmed(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string epoch(std::string_view column) { return fmt::format(fmt::runtime(kEpoch), column); }

std::int64_t to_int64(const char* text) {
  std::int64_t v = 0;
  std::from_chars(text, text + std::strlen(text), v);
  return v;
}

// COPY text format: backslash, tab, newline and carriage return are escaped.
void append_copy_text(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out.push_back(c);
    }
  }
}

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string where, std::string url, Conn conn)
      : where_(std::move(where)), url_(std::move(url)), conn_(std::move(conn)) {}

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
  // A finished run without a version (an assignment day, a monitor run); returns its run_id.
  Result<std::string> insert_run(const std::string& started_at, const std::string& command, const std::string& metrics_json,
                                 const std::string& options_json);
  Status copy_in(std::string_view sql, std::string_view doing, const std::function<bool(std::string&)>& next_row);
  Status write_day_rows(const AssignDayRequest& request, const DayPlan& plan);
  Status error(std::string_view doing, const PGresult* res) const {
    std::string message = trimmed(res != nullptr ? PQresultErrorMessage(res) : "");
    if (message.empty()) message = trimmed(PQerrorMessage(conn_.get()));
    message = scrub_secrets(message, url_);
    std::string hint;
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      hint = "the connection to the server was lost; is the server running?";
    } else if (const char* state =
                   res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr) {
      const std::string_view s(state);
      if (s == "42501") hint = "grant the store's user the rights to create and write tables";
      if (s == "3F000") hint = "create the schema named in search_path first";
      if (s == "53100") hint = "free disk space on the database server";
    }
    return Status::io_error(where_,
                            fmt::format("PostgreSQL failed while {}: {}", doing, message), hint);
  }

  // Runs `sql` with text parameters; fails unless the result has `expect` status.
  Result<PgResult> run(std::string_view sql, std::initializer_list<const char*> params,
                       std::string_view doing, ExecStatusType expect = PGRES_TUPLES_OK) {
    const std::string text(sql);
    std::vector<const char*> values(params);
    PgResult res(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(values.size()), nullptr,
                              values.data(), nullptr, nullptr, 0));
    if (PQresultStatus(res.get()) != expect) return error(doing, res.get());
    return res;
  }

  Status command(std::string_view sql, std::string_view doing) {
    const std::string text(sql);
    PgResult res(PQexec(conn_.get(), text.c_str()));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return error(doing, res.get());
    return {};
  }

  Result<bool> version_exists(std::int64_t version);
  Status not_found_version(std::int64_t version) const {
    return Status::not_found(where_, fmt::format("model version {} does not exist", version),
                             "list the versions that exist with kohort models list");
  }
  Result<std::vector<VersionInfo>> read_versions(std::string_view tail);
  Status copy_assignments(std::int64_t version, const PublishPlan& plan,
                          const std::vector<std::int64_t>& since);

  class Transaction {
   public:
    explicit Transaction(PostgresStore& s) : s_(s) {}
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction() {
      if (open_) PQclear(PQexec(s_.conn_.get(), "ROLLBACK"));
    }
    Status begin(std::string_view doing) {
      KOHORT_RETURN_IF_ERROR(s_.command("BEGIN", doing));
      open_ = true;
      return {};
    }
    Status commit(std::string_view doing) {
      open_ = false;  // after a failed COMMIT the transaction is gone either way
      return s_.command("COMMIT", doing);
    }

   private:
    PostgresStore& s_;
    bool open_ = false;
  };

  std::string where_;
  std::string url_;  // the URL as given: only to scrub its secrets from messages
  Conn conn_;
};

Status PostgresStore::migrate(int target) {
  const std::string lock = std::to_string(kMigrationLock);
  KOHORT_RETURN_IF_ERROR(run("SELECT pg_advisory_lock($1::bigint)", {lock.c_str()},
                             "waiting for other openers' migrations")
                             .status());
  const auto unlock = [&] {
    PQclear(PQexecParams(conn_.get(), "SELECT pg_advisory_unlock($1::bigint)", 1, nullptr,
                         std::vector<const char*>{lock.c_str()}.data(), nullptr, nullptr, 0));
  };
  Status status = [&]() -> Status {
    KOHORT_RETURN_IF_ERROR(
        command(kPostgresMigrationsTable, "creating the schema_migrations table"));
    KOHORT_ASSIGN_OR_RETURN(const int current, schema_version());
    if (current > latest_schema_version()) {
      return Status{Code::corruption, where_,
              fmt::format("the store's schema version {} is newer than this kohort knows ({})",
                          current, latest_schema_version()),
              "use a newer kohort with this store, or open another store"};
    }
    for (const Migration& m : migrations()) {
      if (m.version > target) break;
      if (m.version <= current) continue;
      Transaction tx(*this);
      KOHORT_RETURN_IF_ERROR(tx.begin("starting a migration"));
      KOHORT_RETURN_IF_ERROR(command(
          m.postgres_sql, fmt::format("applying migration {} ({})", m.version, m.description)));
      const std::string v = std::to_string(m.version);
      KOHORT_RETURN_IF_ERROR(run("INSERT INTO schema_migrations (version) VALUES ($1::integer)",
                                 {v.c_str()}, "recording a migration", PGRES_COMMAND_OK)
                                 .status());
      KOHORT_RETURN_IF_ERROR(tx.commit("committing a migration"));
    }
    return {};
  }();
  unlock();
  return status;
}

Result<int> PostgresStore::schema_version() {
  KOHORT_ASSIGN_OR_RETURN(
      PgResult res,
      run("SELECT coalesce(max(version), 0) FROM schema_migrations", {}, "reading the schema version"));
  return static_cast<int>(to_int64(PQgetvalue(res.get(), 0, 0)));
}

namespace {

// A customer value's three COPY columns, each after a tab: \N for NaN (unknown).
void append_value(std::string& out, const CustomerValue& v) {
  for (const float x : {v.clv, v.p_alive, v.churn_risk}) {
    if (std::isnan(x)) out += "\t\\N";
    else fmt::format_to(std::back_inserter(out), "\t{}", x);
  }
}

CustomerValue value_at(PGresult* res, int row, int col) {
  const auto read = [&](int c) {
    return PQgetisnull(res, row, c) != 0 ? std::numeric_limits<float>::quiet_NaN() : std::strtof(PQgetvalue(res, row, c), nullptr);
  };
  return {read(col), read(col + 1), read(col + 2)};
}

}  // namespace

Status PostgresStore::copy_assignments(std::int64_t version, const PublishPlan& plan,
                                       const std::vector<std::int64_t>& since) {
  {
    PgResult res(PQexec(conn_.get(),
                        "COPY assignment_history (version, customer_id, segment, confidence, "
                        "since, clv, p_alive, churn_risk) FROM STDIN"));
    if (PQresultStatus(res.get()) != PGRES_COPY_IN) return error("writing the assignments", res.get());
  }
  const std::string version_text = std::to_string(version);
  std::string buffer;
  buffer.reserve(kCopyChunk + 4096);
  std::int64_t last_since = 0;
  std::string since_text;
  bool ok = true;
  for (std::size_t i = 0; i < plan.sorted.size() && ok; ++i) {
    const AssignmentRecord& a = *plan.sorted[i];
    if (i == 0 || since[i] != last_since) {
      last_since = since[i];
      since_text = format_datetime(last_since);
    }
    buffer += version_text;
    buffer.push_back('\t');
    append_copy_text(buffer, a.customer_id);
    // Shortest text that reads back as the same float: confidences round-trip exactly.
    fmt::format_to(std::back_inserter(buffer), "\t{}\t{}\t{}", a.segment, a.confidence,
                   since_text);
    append_value(buffer, a.value);
    buffer.push_back('\n');
    if (buffer.size() >= kCopyChunk) {
      ok = PQputCopyData(conn_.get(), buffer.data(), static_cast<int>(buffer.size())) == 1;
      buffer.clear();
    }
  }
  if (ok && !buffer.empty())
    ok = PQputCopyData(conn_.get(), buffer.data(), static_cast<int>(buffer.size())) == 1;
  if (PQputCopyEnd(conn_.get(), ok ? nullptr : "client failed to send data") != 1 || !ok)
    return error("writing the assignments", nullptr);
  PgResult res(PQgetResult(conn_.get()));
  const bool copied = PQresultStatus(res.get()) == PGRES_COMMAND_OK;
  Status status = copied ? Status() : error("writing the assignments", res.get());
  // Drain: libpq wants results read until it returns null.
  while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);
  return status;
}

Result<std::int64_t> PostgresStore::publish(const PublishRequest& request) {
  KOHORT_ASSIGN_OR_RETURN(const PublishPlan plan, plan_publish(where_, request));
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("starting to publish"));
  // One publisher at a time; readers (ACCESS SHARE) are not blocked.
  KOHORT_RETURN_IF_ERROR(command("LOCK TABLE model_versions IN EXCLUSIVE MODE",
                                 "waiting for other publishers"));
  KOHORT_ASSIGN_OR_RETURN(PgResult last, run("SELECT coalesce(max(version), 0) FROM model_versions",
                                             {}, "reading the latest version"));
  const std::int64_t previous = to_int64(PQgetvalue(last.get(), 0, 0));
  const std::int64_t version = previous + 1;
  const std::string previous_text = std::to_string(previous);
  const std::string version_text = std::to_string(version);

  PreviousAssignments before;
  {
    KOHORT_ASSIGN_OR_RETURN(
        PgResult res,
        run(fmt::format("SELECT customer_id, segment, {} FROM assignment_history "
                        "WHERE version = $1::bigint ORDER BY customer_id",
                        epoch("since")),
            {previous_text.c_str()}, "reading the previous assignments"));
    const int n = PQntuples(res.get());
    for (int i = 0; i < n; ++i) {
      before.add(std::string_view(PQgetvalue(res.get(), i, 0),
                                  static_cast<std::size_t>(PQgetlength(res.get(), i, 0))),
                 static_cast<std::int32_t>(to_int64(PQgetvalue(res.get(), i, 1))),
                 to_int64(PQgetvalue(res.get(), i, 2)));
    }
  }
  const std::vector<std::int64_t> since = carry_since(plan, before);

  const std::string k_text = std::to_string(request.k);
  const std::string customers_text = std::to_string(plan.sorted.size());
  KOHORT_RETURN_IF_ERROR(
      run("INSERT INTO model_versions (version, created_at, as_of, kohort_version, algorithm, k, "
          "customers, model_json, fingerprint) VALUES ($1::bigint, now(), $2::timestamptz, $3, "
          "$4, $5::integer, $6::bigint, $7, $8)",
          {version_text.c_str(), plan.as_of.c_str(), request.kohort_version.c_str(),
           request.algorithm.c_str(), k_text.c_str(), customers_text.c_str(),
           request.model_json.c_str(), plan.fingerprint.c_str()},
          "writing the version", PGRES_COMMAND_OK)
          .status());
  for (const SegmentRecord& s : request.segments) {
    const std::string id = std::to_string(s.id);
    const std::string size = std::to_string(s.size);
    const std::string share = fmt::format("{}", s.share);
    KOHORT_RETURN_IF_ERROR(
        run("INSERT INTO segments (version, segment, name, size, share, profile_json) VALUES "
            "($1::bigint, $2::integer, $3, $4::bigint, $5::double precision, $6)",
            {version_text.c_str(), id.c_str(), s.name.c_str(), size.c_str(), share.c_str(),
             s.profile_json.c_str()},
            "writing the segments", PGRES_COMMAND_OK)
            .status());
  }
  KOHORT_RETURN_IF_ERROR(copy_assignments(version, plan, since));
  // Fresh statistics after a bulk load: without them the planner sorts a version's rows
  // instead of reading them in primary-key order (1M rows: 1.8 s instead of 0.5 s).
  KOHORT_RETURN_IF_ERROR(command("ANALYZE assignment_history", "updating statistics"));
  KOHORT_RETURN_IF_ERROR(
      run("INSERT INTO runs (started_at, finished_at, status, command, metrics_json, error, "
          "version, options_json) VALUES (coalesce($1::timestamptz, now()), clock_timestamp(), 'ok', "
          "$2, $3, '', $4::bigint, $5)",
          {plan.run_started_at.empty() ? nullptr : plan.run_started_at.c_str(),
           request.command.c_str(), request.run_metrics_json.c_str(), version_text.c_str(),
           request.run_options_json.c_str()},
          "recording the run", PGRES_COMMAND_OK)
          .status());
  KOHORT_RETURN_IF_ERROR(tx.commit("committing the new version"));
  return version;
}

Result<std::vector<VersionInfo>> PostgresStore::read_versions(std::string_view tail) {
  KOHORT_ASSIGN_OR_RETURN(
      PgResult res,
      run(fmt::format("SELECT version, {}, {}, kohort_version, algorithm, fingerprint, k, "
                      "customers FROM model_versions {}",
                      epoch("created_at"), epoch("as_of"), tail),
          {}, "reading the versions"));
  std::vector<VersionInfo> out;
  for (int i = 0; i < PQntuples(res.get()); ++i) {
    VersionInfo v;
    v.version = to_int64(PQgetvalue(res.get(), i, 0));
    v.created_at = format_datetime(to_int64(PQgetvalue(res.get(), i, 1)));
    v.as_of = format_datetime(to_int64(PQgetvalue(res.get(), i, 2)));
    v.kohort_version = PQgetvalue(res.get(), i, 3);
    v.algorithm = PQgetvalue(res.get(), i, 4);
    v.fingerprint = PQgetvalue(res.get(), i, 5);
    v.k = static_cast<std::int32_t>(to_int64(PQgetvalue(res.get(), i, 6)));
    v.customers = to_int64(PQgetvalue(res.get(), i, 7));
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::optional<VersionInfo>> PostgresStore::latest() {
  KOHORT_ASSIGN_OR_RETURN(auto rows, read_versions("ORDER BY version DESC LIMIT 1"));
  if (rows.empty()) return std::optional<VersionInfo>();
  return std::optional<VersionInfo>(std::move(rows.front()));
}

Result<std::vector<VersionInfo>> PostgresStore::versions() {
  return read_versions("ORDER BY version");
}

Result<bool> PostgresStore::version_exists(std::int64_t version) {
  const std::string v = std::to_string(version);
  KOHORT_ASSIGN_OR_RETURN(PgResult res, run("SELECT 1 FROM model_versions WHERE version = $1::bigint",
                                            {v.c_str()}, "looking up a version"));
  return PQntuples(res.get()) > 0;
}

Result<std::string> PostgresStore::model_json(std::int64_t version) {
  const std::string v = std::to_string(version);
  KOHORT_ASSIGN_OR_RETURN(
      PgResult res, run("SELECT model_json, fingerprint FROM model_versions WHERE version = $1::bigint",
                        {v.c_str()}, "reading a model"));
  if (PQntuples(res.get()) == 0) return not_found_version(version);
  return checked_model(version,
                       std::string(PQgetvalue(res.get(), 0, 0),
                                   static_cast<std::size_t>(PQgetlength(res.get(), 0, 0))),
                       PQgetvalue(res.get(), 0, 1));
}

Result<std::vector<SegmentRecord>> PostgresStore::segments(std::int64_t version) {
  KOHORT_ASSIGN_OR_RETURN(const bool exists, version_exists(version));
  if (!exists) return not_found_version(version);
  const std::string v = std::to_string(version);
  KOHORT_ASSIGN_OR_RETURN(
      PgResult res,
      run("SELECT segment, name, size, share, profile_json FROM segments "
          "WHERE version = $1::bigint ORDER BY segment",
          {v.c_str()}, "reading the segments"));
  std::vector<SegmentRecord> out;
  for (int i = 0; i < PQntuples(res.get()); ++i) {
    SegmentRecord s;
    s.id = static_cast<std::int32_t>(to_int64(PQgetvalue(res.get(), i, 0)));
    s.name = PQgetvalue(res.get(), i, 1);
    s.size = to_int64(PQgetvalue(res.get(), i, 2));
    s.share = std::strtod(PQgetvalue(res.get(), i, 3), nullptr);
    s.profile_json = PQgetvalue(res.get(), i, 4);
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<AssignmentRecord>> PostgresStore::assignments(std::int64_t version) {
  KOHORT_ASSIGN_OR_RETURN(const bool exists, version_exists(version));
  if (!exists) return not_found_version(version);
  const std::string v = std::to_string(version);
  KOHORT_ASSIGN_OR_RETURN(
      PgResult res,
      run(fmt::format("SELECT customer_id, segment, confidence, {}, clv, p_alive, churn_risk FROM assignment_history "
                      "WHERE version = $1::bigint ORDER BY customer_id",
                      epoch("since")),
          {v.c_str()}, "reading the assignments"));
  const int n = PQntuples(res.get());
  std::vector<AssignmentRecord> out;
  out.reserve(static_cast<std::size_t>(n));
  std::int64_t last_since = 0;
  std::string since_text;
  for (int i = 0; i < n; ++i) {
    AssignmentRecord a;
    a.customer_id.assign(PQgetvalue(res.get(), i, 0),
                         static_cast<std::size_t>(PQgetlength(res.get(), i, 0)));
    a.segment = static_cast<std::int32_t>(to_int64(PQgetvalue(res.get(), i, 1)));
    a.confidence = std::strtof(PQgetvalue(res.get(), i, 2), nullptr);
    a.value = value_at(res.get(), i, 4);
    const std::int64_t s = to_int64(PQgetvalue(res.get(), i, 3));
    if (i == 0 || s != last_since) {
      last_since = s;
      since_text = format_datetime(s);
    }
    a.since = since_text;
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::vector<RunRecord>> PostgresStore::runs() {
  KOHORT_ASSIGN_OR_RETURN(
      PgResult res,
      run(fmt::format("SELECT run_id, {}, {}, status, command, metrics_json, error, version, "
                      "options_json FROM runs ORDER BY run_id",
                      epoch("started_at"), epoch("finished_at")),
          {}, "reading the runs"));
  std::vector<RunRecord> out;
  for (int i = 0; i < PQntuples(res.get()); ++i) {
    RunRecord r;
    r.run_id = to_int64(PQgetvalue(res.get(), i, 0));
    r.started_at = format_datetime(to_int64(PQgetvalue(res.get(), i, 1)));
    r.finished_at = format_datetime(to_int64(PQgetvalue(res.get(), i, 2)));
    r.status = PQgetvalue(res.get(), i, 3);
    r.command = PQgetvalue(res.get(), i, 4);
    r.metrics_json = PQgetvalue(res.get(), i, 5);
    r.error = PQgetvalue(res.get(), i, 6);
    if (PQgetisnull(res.get(), i, 7) == 0) r.version = to_int64(PQgetvalue(res.get(), i, 7));
    r.options_json = PQgetvalue(res.get(), i, 8);
    out.push_back(std::move(r));
  }
  return out;
}

Status PostgresStore::record_failed_run(const FailedRun& failed) {
  const FailedRunText t = failed_run_text(failed);
  return run("INSERT INTO runs (started_at, finished_at, status, command, metrics_json, error, options_json) "
             "VALUES (coalesce($1::timestamptz, now()), clock_timestamp(), 'failed', $2, '{}', $3, $4)",
             {t.started_at.empty() ? nullptr : t.started_at.c_str(), t.command.c_str(), t.error.c_str(),
              t.options_json.c_str()},
             "recording a failed run", PGRES_COMMAND_OK)
      .status();
}

// COPY ... FROM STDIN of the rows next_row() appends (one per call; false when done).
Status PostgresStore::copy_in(std::string_view sql, std::string_view doing,
                              const std::function<bool(std::string&)>& next_row) {
  {
    PgResult res(PQexec(conn_.get(), std::string(sql).c_str()));
    if (PQresultStatus(res.get()) != PGRES_COPY_IN) return error(doing, res.get());
  }
  std::string buffer;
  bool ok = true;
  while (ok && next_row(buffer)) {
    if (buffer.size() >= kCopyChunk) {
      ok = PQputCopyData(conn_.get(), buffer.data(), static_cast<int>(buffer.size())) == 1;
      buffer.clear();
    }
  }
  if (ok && !buffer.empty()) ok = PQputCopyData(conn_.get(), buffer.data(), static_cast<int>(buffer.size())) == 1;
  if (PQputCopyEnd(conn_.get(), ok ? nullptr : "client failed to send data") != 1 || !ok) return error(doing, nullptr);
  PgResult res(PQgetResult(conn_.get()));
  Status status = PQresultStatus(res.get()) == PGRES_COMMAND_OK ? Status() : error(doing, res.get());
  while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);
  return status;
}

Status PostgresStore::write_day_rows(const AssignDayRequest& request, const DayPlan& plan) {
  for (const SegmentDayRecord& seg : request.segments) {
    const std::string id = std::to_string(seg.segment), size = std::to_string(seg.size),
                      entered = std::to_string(seg.entered), exited = std::to_string(seg.exited),
                      conf = fmt::format("{}", seg.mean_confidence);
    KOHORT_RETURN_IF_ERROR(run("INSERT INTO assign_day_segments (as_of, status, segment, size, entered, exited, "
                               "mean_confidence) VALUES ($1::timestamptz, $2, $3::integer, $4::bigint, $5::bigint, "
                               "$6::bigint, $7::double precision)",
                               {plan.as_of.c_str(), plan.status.c_str(), id.c_str(), size.c_str(), entered.c_str(),
                                exited.c_str(), conf.c_str()},
                               "writing the day's segments", PGRES_COMMAND_OK)
                               .status());
  }
  const std::string version = std::to_string(request.version);
  std::size_t i = 0;
  std::int64_t last_since = 0;
  std::string since_text;
  KOHORT_RETURN_IF_ERROR(copy_in(
      "COPY assignment_standing (as_of, customer_id, version, segment, raw_segment, confidence, since, smoothed, "
      "clv, p_alive, churn_risk) FROM STDIN",
      "writing the day's assignments", [&](std::string& out) {
        if (i == plan.sorted.size()) return false;
        const CustomerDay& c = *plan.sorted[i++];
        if (i == 1 || c.since != last_since) last_since = c.since, since_text = format_datetime(c.since);
        out += plan.as_of;
        out.push_back('\t');
        append_copy_text(out, c.customer_id);
        fmt::format_to(std::back_inserter(out), "\t{}\t{}\t{}\t{}\t{}\t", version, c.segment, c.raw_segment,
                       c.confidence, since_text);
        if (c.smoothed.empty()) {
          out += "\\N";
        } else {
          out += "\\\\x";  // bytea hex, its backslash escaped for COPY
          for (unsigned char b : vector_bytes(c.smoothed)) fmt::format_to(std::back_inserter(out), "{:02x}", b);
        }
        append_value(out, c.value);
        out.push_back('\n');
        return true;
      }));
  std::size_t t = 0;
  return copy_in("COPY transitions (as_of, customer_id, from_segment, to_segment, reason) FROM STDIN",
                 "writing the transitions", [&](std::string& out) {
                   if (t == request.transitions.size()) return false;
                   const TransitionRecord& r = request.transitions[t++];
                   out += plan.as_of;
                   out.push_back('\t');
                   append_copy_text(out, r.customer_id);
                   out += r.from ? fmt::format("\t{}", *r.from) : std::string("\t\\N");
                   out += r.to ? fmt::format("\t{}", *r.to) : std::string("\t\\N");
                   out += "\t" + r.reason + "\n";
                   return true;
                 });
}

Result<std::string> PostgresStore::insert_run(const std::string& started_at, const std::string& command,
                                              const std::string& metrics_json, const std::string& options_json) {
  KOHORT_ASSIGN_OR_RETURN(
      PgResult row,
      run("INSERT INTO runs (started_at, finished_at, status, command, metrics_json, error, version, options_json) "
          "VALUES (coalesce($1::timestamptz, now()), clock_timestamp(), 'ok', $2, $3, '', NULL, $4) RETURNING run_id",
          {started_at.empty() ? nullptr : started_at.c_str(), command.c_str(), metrics_json.c_str(), options_json.c_str()},
          "recording the run"));
  return std::string(PQgetvalue(row.get(), 0, 0));
}

Status PostgresStore::publish_day(const AssignDayRequest& request) {
  KOHORT_ASSIGN_OR_RETURN(const DayPlan plan, plan_day(where_, request));
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("starting to record an assignment day"));
  KOHORT_RETURN_IF_ERROR(command("LOCK TABLE assign_days IN EXCLUSIVE MODE", "waiting for other assignment days"));
  KOHORT_ASSIGN_OR_RETURN(const bool exists, version_exists(request.version));
  if (!exists)
    return Status::invalid_input(where_, fmt::format("model version {} does not exist", request.version),
                                 "assign with a published version (kohort fit publishes one)");
  const std::string version = std::to_string(request.version);
  KOHORT_ASSIGN_OR_RETURN(PgResult segs, run("SELECT segment FROM segments WHERE version = $1::bigint", {version.c_str()},
                                             "reading the segments"));
  std::vector<std::int32_t> ids;
  for (int r = 0; r < PQntuples(segs.get()); ++r) ids.push_back(static_cast<std::int32_t>(to_int64(PQgetvalue(segs.get(), r, 0))));
  KOHORT_RETURN_IF_ERROR(check_day_segments(where_, request, ids));
  if (request.current) {
    KOHORT_ASSIGN_OR_RETURN(PgResult last, run(fmt::format("SELECT {} FROM assign_days WHERE status = 'current' "
                                                           "ORDER BY as_of DESC LIMIT 1", epoch("as_of")),
                                               {}, "reading the current day"));
    if (PQntuples(last.get()) > 0) {
      const std::string latest = format_datetime(to_int64(PQgetvalue(last.get(), 0, 0)));
      if (plan.as_of < latest)
        return Status::invalid_input(where_, fmt::format("the day {} is before the current assignment of {}", plan.as_of, latest),
                                     "assign a day on or after the current one");
    }
  }
  for (const char* table : {"assign_days", "assign_day_segments"})
    KOHORT_RETURN_IF_ERROR(run(fmt::format("DELETE FROM {} WHERE as_of = $1::timestamptz AND status = $2", table),
                               {plan.as_of.c_str(), plan.status.c_str()}, "replacing the day", PGRES_COMMAND_OK)
                               .status());
  if (request.current)
    for (const char* table : {"assignment_standing", "transitions"})
      KOHORT_RETURN_IF_ERROR(run(fmt::format("DELETE FROM {} WHERE as_of = $1::timestamptz", table), {plan.as_of.c_str()},
                                 "replacing the day", PGRES_COMMAND_OK)
                                 .status());
  KOHORT_ASSIGN_OR_RETURN(const std::string run_id,
                          insert_run(plan.run_started_at, request.command, request.figures_json, request.options_json));
  KOHORT_RETURN_IF_ERROR(run("INSERT INTO assign_days (as_of, status, version, created_at, figures_json, run_id) VALUES "
                             "($1::timestamptz, $2, $3::bigint, now(), $4, $5::bigint)",
                             {plan.as_of.c_str(), plan.status.c_str(), version.c_str(), request.figures_json.c_str(),
                              run_id.c_str()},
                             "recording the day", PGRES_COMMAND_OK)
                             .status());
  KOHORT_RETURN_IF_ERROR(write_day_rows(request, plan));
  KOHORT_RETURN_IF_ERROR(command("DELETE FROM assignment_standing WHERE as_of < (SELECT as_of FROM assign_days "
                                 "WHERE status = 'current' ORDER BY as_of DESC LIMIT 1 OFFSET 1)",
                                 "dropping old standings"));
  return tx.commit("committing the day");
}

Result<std::vector<AssignDayInfo>> PostgresStore::assign_days() {
  KOHORT_ASSIGN_OR_RETURN(PgResult res, run(fmt::format("SELECT {}, status, version, {}, figures_json FROM assign_days "
                                                        "ORDER BY as_of, status DESC",
                                                        epoch("as_of"), epoch("created_at")),
                                            {}, "reading the assignment days"));
  std::vector<AssignDayInfo> out;
  for (int i = 0; i < PQntuples(res.get()); ++i)
    out.push_back({format_datetime(to_int64(PQgetvalue(res.get(), i, 0))), to_int64(PQgetvalue(res.get(), i, 2)),
                   PQgetvalue(res.get(), i, 1), PQgetvalue(res.get(), i, 4),
                   format_datetime(to_int64(PQgetvalue(res.get(), i, 3))), {}});
  KOHORT_ASSIGN_OR_RETURN(PgResult segs, run(fmt::format("SELECT {}, status, segment, size, entered, exited, mean_confidence "
                                                         "FROM assign_day_segments ORDER BY as_of, status DESC, segment",
                                                         epoch("as_of")),
                                             {}, "reading the assignment days"));
  for (int i = 0; i < PQntuples(segs.get()); ++i) {
    const std::string day = format_datetime(to_int64(PQgetvalue(segs.get(), i, 0)));
    const std::string status = PQgetvalue(segs.get(), i, 1);
    for (AssignDayInfo& d : out)
      if (d.as_of == day && d.status == status)
        d.segments.push_back({static_cast<std::int32_t>(to_int64(PQgetvalue(segs.get(), i, 2))),
                              to_int64(PQgetvalue(segs.get(), i, 3)), to_int64(PQgetvalue(segs.get(), i, 4)),
                              to_int64(PQgetvalue(segs.get(), i, 5)), std::strtod(PQgetvalue(segs.get(), i, 6), nullptr)});
  }
  return out;
}

Result<std::vector<CustomerDay>> PostgresStore::day_standing(const std::string& as_of) {
  const auto t = parse_iso8601(as_of);
  if (!t) return Status::invalid_argument(where_, fmt::format("'{}' is not an ISO 8601 date", as_of));
  const std::string day = format_datetime(*t);
  KOHORT_ASSIGN_OR_RETURN(
      PgResult res, run(fmt::format("SELECT customer_id, segment, raw_segment, confidence, {}, smoothed, clv, p_alive, "
                                    "churn_risk FROM assignment_standing WHERE as_of = $1::timestamptz ORDER BY customer_id",
                                    epoch("since")),
                        {day.c_str()}, "reading the day's assignments"));
  const int n = PQntuples(res.get());
  if (n == 0)
    return Status::not_found(where_, fmt::format("the store keeps no assignment of the day {}", day),
                             "the standing of the two latest assignment days is kept");
  std::vector<CustomerDay> out(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    CustomerDay& c = out[static_cast<std::size_t>(i)];
    c.customer_id.assign(PQgetvalue(res.get(), i, 0), static_cast<std::size_t>(PQgetlength(res.get(), i, 0)));
    c.segment = static_cast<std::int32_t>(to_int64(PQgetvalue(res.get(), i, 1)));
    c.raw_segment = static_cast<std::int32_t>(to_int64(PQgetvalue(res.get(), i, 2)));
    c.confidence = std::strtof(PQgetvalue(res.get(), i, 3), nullptr);
    c.since = to_int64(PQgetvalue(res.get(), i, 4));
    c.value = value_at(res.get(), i, 6);
    if (PQgetisnull(res.get(), i, 5) == 0) {
      std::size_t len = 0;
      unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(res.get(), i, 5)), &len);
      auto v = bytes != nullptr ? vector_from_bytes({reinterpret_cast<const char*>(bytes), len}) : std::nullopt;
      PQfreemem(bytes);
      if (!v)
        return Status{Code::corruption, where_, fmt::format("the day {} has a damaged smoothed vector", day),
                      "restore the store from a backup"};
      c.smoothed = std::move(*v);
    }
  }
  return out;
}

Result<std::vector<TransitionRecord>> PostgresStore::transitions(const std::string& from, const std::string& to) {
  std::string lo = "1970-01-01T00:00:00Z", hi = "9999-12-31T00:00:00Z";
  for (auto [text, out] : {std::pair{&from, &lo}, std::pair{&to, &hi}}) {
    if (text->empty()) continue;
    const auto t = parse_iso8601(*text);
    if (!t) return Status::invalid_argument(where_, fmt::format("'{}' is not an ISO 8601 date", *text));
    *out = format_datetime(*t);
  }
  KOHORT_ASSIGN_OR_RETURN(
      PgResult res, run(fmt::format("SELECT {}, customer_id, from_segment, to_segment, reason FROM transitions WHERE "
                                    "as_of >= $1::timestamptz AND as_of <= $2::timestamptz ORDER BY as_of, customer_id",
                                    epoch("as_of")),
                        {lo.c_str(), hi.c_str()}, "reading the transitions"));
  std::vector<TransitionRecord> out;
  for (int i = 0; i < PQntuples(res.get()); ++i) {
    TransitionRecord t;
    t.as_of = format_datetime(to_int64(PQgetvalue(res.get(), i, 0)));
    t.customer_id.assign(PQgetvalue(res.get(), i, 1), static_cast<std::size_t>(PQgetlength(res.get(), i, 1)));
    if (PQgetisnull(res.get(), i, 2) == 0) t.from = static_cast<std::int32_t>(to_int64(PQgetvalue(res.get(), i, 2)));
    if (PQgetisnull(res.get(), i, 3) == 0) t.to = static_cast<std::int32_t>(to_int64(PQgetvalue(res.get(), i, 3)));
    t.reason = PQgetvalue(res.get(), i, 4);
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::int64_t> PostgresStore::record_monitor_run(const MonitorRunRequest& request) {
  KOHORT_ASSIGN_OR_RETURN(const MonitorPlan plan, plan_monitor_run(where_, request));
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("recording a monitor run"));
  KOHORT_ASSIGN_OR_RETURN(const bool exists, version_exists(request.version));
  if (!exists)
    return Status::invalid_input(where_, fmt::format("model version {} does not exist", request.version),
                                 "monitor a published version (kohort fit publishes one)");
  KOHORT_ASSIGN_OR_RETURN(const std::string run_id,
                          insert_run(plan.run_started_at, request.command, request.figures_json, request.options_json));
  const std::string version = std::to_string(request.version);
  KOHORT_ASSIGN_OR_RETURN(PgResult row, run("INSERT INTO monitor_runs (as_of, version, verdict, created_at, figures_json, run_id) "
                                            "VALUES ($1::timestamptz, $2::bigint, $3, now(), $4, $5::bigint) RETURNING id",
                                            {plan.as_of.c_str(), version.c_str(), request.verdict.c_str(),
                                             request.figures_json.c_str(), run_id.c_str()},
                                            "recording a monitor run"));
  const std::int64_t id = to_int64(PQgetvalue(row.get(), 0, 0));
  KOHORT_RETURN_IF_ERROR(tx.commit("recording a monitor run"));
  return id;
}

Result<std::vector<MonitorRunInfo>> PostgresStore::monitor_runs() {
  KOHORT_ASSIGN_OR_RETURN(PgResult res, run(fmt::format("SELECT id, {}, version, verdict, figures_json, {} FROM monitor_runs "
                                                        "ORDER BY id",
                                                        epoch("as_of"), epoch("created_at")),
                                            {}, "reading the monitor runs"));
  std::vector<MonitorRunInfo> out;
  for (int i = 0; i < PQntuples(res.get()); ++i)
    out.push_back({to_int64(PQgetvalue(res.get(), i, 0)), format_datetime(to_int64(PQgetvalue(res.get(), i, 1))),
                   to_int64(PQgetvalue(res.get(), i, 2)), PQgetvalue(res.get(), i, 3), PQgetvalue(res.get(), i, 4),
                   format_datetime(to_int64(PQgetvalue(res.get(), i, 5)))});
  return out;
}

Result<ForgetSummary> PostgresStore::forget(const std::vector<std::string>& ids) {
  KOHORT_RETURN_IF_ERROR(check_forget(where_, ids));
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("forgetting customers"));
  ForgetSummary out;
  const std::pair<const char*, std::int64_t*> tables[] = {
      {"DELETE FROM assignment_history WHERE customer_id = $1", &out.assignment_rows},
      {"DELETE FROM assignment_standing WHERE customer_id = $1", &out.standing_rows},
      {"DELETE FROM transitions WHERE customer_id = $1", &out.transition_rows},
      {"DELETE FROM dead_letters WHERE customer_id = $1", &out.dead_letter_rows}};
  for (const auto& [sql, count] : tables)
    for (const std::string& id : ids) {
      KOHORT_ASSIGN_OR_RETURN(PgResult res, run(sql, {id.c_str()}, "forgetting customers", PGRES_COMMAND_OK));
      *count += to_int64(PQcmdTuples(res.get()));
    }
  for (const std::string& id : ids) {
    const std::string key = sha256_fingerprint(id);
    KOHORT_RETURN_IF_ERROR(run("INSERT INTO forgotten (customer_key, forgotten_at) VALUES ($1, now()) "
                               "ON CONFLICT (customer_key) DO UPDATE SET forgotten_at = excluded.forgotten_at",
                               {key.c_str()}, "recording the forgotten customers", PGRES_COMMAND_OK)
                               .status());
  }
  KOHORT_RETURN_IF_ERROR(tx.commit("forgetting customers"));
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> PostgresStore::forgotten() {
  KOHORT_ASSIGN_OR_RETURN(PgResult res, run(fmt::format("SELECT customer_key, {} FROM forgotten ORDER BY customer_key COLLATE \"C\"",
                                                        epoch("forgotten_at")),
                                            {}, "reading the forgotten customers"));
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < PQntuples(res.get()); ++i)
    out.emplace_back(PQgetvalue(res.get(), i, 0), format_datetime(to_int64(PQgetvalue(res.get(), i, 1))));
  return out;
}

Result<std::optional<std::string>> PostgresStore::watermark(const std::string& name) {
  KOHORT_ASSIGN_OR_RETURN(PgResult res, run(fmt::format("SELECT {} FROM export_watermarks WHERE destination = $1", epoch("as_of")),
                                            {name.c_str()}, "reading a watermark"));
  if (PQntuples(res.get()) == 0) return std::optional<std::string>();
  return std::optional<std::string>(format_datetime(to_int64(PQgetvalue(res.get(), 0, 0))));
}

Status PostgresStore::set_watermark(const std::string& name, const std::string& as_of) {
  KOHORT_ASSIGN_OR_RETURN(const std::string when, plan_watermark(where_, name, as_of));
  return run("INSERT INTO export_watermarks (destination, as_of, exported_at) VALUES ($1, $2::timestamptz, now()) "
             "ON CONFLICT (destination) DO UPDATE SET as_of = excluded.as_of, exported_at = excluded.exported_at",
             {name.c_str(), when.c_str()}, "recording a watermark", PGRES_COMMAND_OK)
      .status();
}

Status PostgresStore::record_delivery(const DeliveryRecord& request) {
  KOHORT_ASSIGN_OR_RETURN(const DeliveryRecord r, plan_delivery(where_, request));
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("recording a webhook delivery"));
  for (const std::string& id : r.delivered)
    KOHORT_RETURN_IF_ERROR(run("DELETE FROM dead_letters WHERE destination = $1 AND event_id = $2", {r.destination.c_str(), id.c_str()},
                               "recording a webhook delivery", PGRES_COMMAND_OK)
                               .status());
  for (const DeadLetter& d : r.failed) {
    const std::string attempts = std::to_string(d.attempts);
    KOHORT_RETURN_IF_ERROR(
        run("INSERT INTO dead_letters (destination, event_id, customer_id, as_of, payload_json, attempts, last_error, failed_at) "
            "VALUES ($1, $2, $3, $4::timestamptz, $5, $6::bigint, $7, now()) ON CONFLICT (destination, event_id) DO UPDATE SET "
            "attempts = dead_letters.attempts + excluded.attempts, last_error = excluded.last_error, failed_at = excluded.failed_at",
            {r.destination.c_str(), d.event_id.c_str(), d.customer_id.c_str(), d.as_of.c_str(), d.payload_json.c_str(),
             attempts.c_str(), d.last_error.c_str()},
            "recording the dead letters", PGRES_COMMAND_OK)
            .status());
  }
  if (r.watermark) KOHORT_RETURN_IF_ERROR(set_watermark(*r.watermark, r.through));
  return tx.commit("recording a webhook delivery");
}

Result<std::vector<DeadLetter>> PostgresStore::dead_letters(const std::string& destination) {
  KOHORT_ASSIGN_OR_RETURN(
      PgResult res, run(fmt::format("SELECT destination, event_id, customer_id, {}, payload_json, attempts, last_error, {} "
                                    "FROM dead_letters WHERE $1 = '' OR destination = $1 "
                                    "ORDER BY destination COLLATE \"C\", as_of, event_id COLLATE \"C\"",
                                    epoch("as_of"), epoch("failed_at")),
                        {destination.c_str()}, "reading the dead letters"));
  std::vector<DeadLetter> out;
  for (int i = 0; i < PQntuples(res.get()); ++i)
    out.push_back({PQgetvalue(res.get(), i, 0), PQgetvalue(res.get(), i, 1), PQgetvalue(res.get(), i, 2),
                   format_datetime(to_int64(PQgetvalue(res.get(), i, 3))), PQgetvalue(res.get(), i, 4),
                   to_int64(PQgetvalue(res.get(), i, 5)), PQgetvalue(res.get(), i, 6),
                   format_datetime(to_int64(PQgetvalue(res.get(), i, 7)))});
  return out;
}

Result<std::optional<std::int64_t>> PostgresStore::pinned_version() {
  KOHORT_ASSIGN_OR_RETURN(PgResult res, run("SELECT value FROM settings WHERE key = 'pinned_version'", {}, "reading the pin"));
  if (PQntuples(res.get()) == 0) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(to_int64(PQgetvalue(res.get(), 0, 0)));
}

Status PostgresStore::pin_version(std::optional<std::int64_t> version) {
  if (!version) return run("DELETE FROM settings WHERE key = 'pinned_version'", {}, "unpinning", PGRES_COMMAND_OK).status();
  const std::string v = std::to_string(*version);
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("pinning a version"));
  KOHORT_ASSIGN_OR_RETURN(const bool exists, version_exists(*version));
  if (!exists) return not_found_version(*version);
  KOHORT_RETURN_IF_ERROR(run("INSERT INTO settings (key, value) VALUES ('pinned_version', $1) ON CONFLICT (key) DO UPDATE "
                             "SET value = excluded.value",
                             {v.c_str()}, "pinning a version", PGRES_COMMAND_OK)
                             .status());
  return tx.commit("pinning a version");
}

Result<std::vector<std::pair<std::int32_t, std::string>>> PostgresStore::segment_labels() {
  KOHORT_ASSIGN_OR_RETURN(PgResult res, run("SELECT segment, name FROM segment_labels ORDER BY segment", {}, "reading segment names"));
  std::vector<std::pair<std::int32_t, std::string>> out;
  for (int i = 0; i < PQntuples(res.get()); ++i)
    out.emplace_back(static_cast<std::int32_t>(to_int64(PQgetvalue(res.get(), i, 0))), PQgetvalue(res.get(), i, 1));
  return out;
}

Status PostgresStore::label_segment(std::int32_t id, const std::string& name) {
  if (name.empty() || !valid_text(name))
    return Status::invalid_input(where_, "a segment name must be non-empty UTF-8 text", "pass the name in quotes");
  const std::string sid = std::to_string(id);
  Transaction tx(*this);
  KOHORT_RETURN_IF_ERROR(tx.begin("naming a segment"));
  KOHORT_ASSIGN_OR_RETURN(PgResult upd, run("UPDATE segments SET name = $1 WHERE segment = $2::integer AND version = "
                                            "(SELECT max(version) FROM model_versions)",
                                            {name.c_str(), sid.c_str()}, "naming a segment", PGRES_COMMAND_OK));
  if (std::string_view(PQcmdTuples(upd.get())) == "0")
    return Status::not_found(where_, fmt::format("the latest version has no segment {}", id),
                             "list the segments with kohort segments list");
  KOHORT_RETURN_IF_ERROR(run("INSERT INTO segment_labels (segment, name, set_at) VALUES ($1::integer, $2, now()) "
                             "ON CONFLICT (segment) DO UPDATE SET name = excluded.name, set_at = excluded.set_at",
                             {sid.c_str(), name.c_str()}, "naming a segment", PGRES_COMMAND_OK)
                             .status());
  return tx.commit("naming a segment");
}

// A session-level advisory lock: released on unlock or when the connection ends.
class AdvisoryRunLock final : public RunLock {
 public:
  AdvisoryRunLock(PGconn* conn, std::string key) : conn_(conn), key_(std::move(key)) {}
  ~AdvisoryRunLock() override {
    const char* values[] = {key_.c_str()};
    PQclear(PQexecParams(conn_, "SELECT pg_advisory_unlock($1::bigint)", 1, nullptr, values, nullptr, nullptr, 0));
  }
  AdvisoryRunLock(const AdvisoryRunLock&) = delete;
  AdvisoryRunLock& operator=(const AdvisoryRunLock&) = delete;

 private:
  PGconn* conn_;
  std::string key_;
};

Result<std::unique_ptr<RunLock>> PostgresStore::lock_runs(const std::string& what) {
  const std::string key = std::to_string(kMigrationLock + 1);
  KOHORT_ASSIGN_OR_RETURN(PgResult res, run("SELECT pg_try_advisory_lock($1::bigint)", {key.c_str()}, "taking the run lock"));
  if (std::string_view(PQgetvalue(res.get(), 0, 0)) != "t")
    return Status(Code::conflict, where_, fmt::format("another {} is running on this store", what),
                  "wait for it to finish, then run again (a run that was killed releases the lock at once)");
  return std::unique_ptr<RunLock>(std::make_unique<AdvisoryRunLock>(conn_.get(), key));
}

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& location, int schema_version) {
  const std::string where = redact(location);
  // libpq reads a URL only with a lower-case scheme; anything else it would echo back whole as
  // a key=value string. Every message it writes is scrubbed of the URL's secrets.
  const std::string url = lower_url_scheme(location);
  const auto scrub = [&](std::string_view m) { return scrub_secrets(scrub_secrets(m, url), location); };
  if (const std::string problem = url_userinfo_problem(url); !problem.empty())
    return Status::invalid_argument(where, "malformed PostgreSQL URL: " + problem,
                                    "percent-encode reserved characters in the user name and password");
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (options == nullptr) {
    const std::string message = trimmed(parse_error != nullptr ? parse_error : "out of memory");
    PQfreemem(parse_error);
    return Status::invalid_argument(where, fmt::format("malformed PostgreSQL URL: {}", scrub(message)),
                                    "write it as postgresql://user[:password]@host[:port]/database, with "
                                    "reserved characters in the password percent-encoded (/ as %2F, @ as %40)");
  }
  PQconninfoFree(options);
  Conn conn(PQconnectdb(url.c_str()));
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::io_error(
        where,
        fmt::format("cannot connect to {}: {}", where,
                    conn != nullptr ? scrub(trimmed(PQerrorMessage(conn.get()))) : "out of memory"),
        "is the server running and accepting connections there? check host, port, user, "
        "password and database in the URL");
  }
  // libpq prints server notices to stderr by default; library code does not print.
  PQsetNoticeProcessor(conn.get(), ignore_notice, nullptr);
  auto store = std::make_unique<PostgresStore>(where, url, std::move(conn));
  KOHORT_RETURN_IF_ERROR(store->migrate(schema_version));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace kohort::store::internal
