#include "kohort/store/internal/migrations.h"

#include <array>

namespace kohort::store::internal {

namespace {

// Times are ISO 8601 UTC text in SQLite ("YYYY-MM-DDTHH:MM:SSZ") and TIMESTAMPTZ in
// PostgreSQL. Customer ids compare as bytes in both (SQLite's BINARY collation, "C" in
// PostgreSQL), so that "ordered by customer_id" means the same thing everywhere.
// assignment_history is WITHOUT ROWID in SQLite: clustered on its primary key (version,
// customer_id), the order it is written and read in. `assignments`, the latest version's rows,
// is a view over it rather than a copy: a lookup by customer is one primary-key seek, and a
// publish writes each assignment once. assignment_history has no foreign key to
// model_versions: PostgreSQL checks one with a trigger per row (COPY of 1M rows: 10 s instead
// of 2.6 s), and publish writes the rows in the transaction that writes their version.
constexpr std::string_view kSqlite1 = R"sql(
CREATE TABLE model_versions (
  version INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  as_of TEXT NOT NULL,
  kohort_version TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  k INTEGER NOT NULL,
  customers INTEGER NOT NULL,
  model_json TEXT NOT NULL,
  fingerprint TEXT NOT NULL
);
CREATE TABLE segments (
  version INTEGER NOT NULL REFERENCES model_versions (version),
  segment INTEGER NOT NULL,
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  share REAL NOT NULL,
  profile_json TEXT NOT NULL,
  PRIMARY KEY (version, segment)
);
CREATE TABLE assignment_history (
  version INTEGER NOT NULL,
  customer_id TEXT NOT NULL,
  segment INTEGER NOT NULL,
  confidence REAL NOT NULL,
  since TEXT NOT NULL,
  PRIMARY KEY (version, customer_id)
) WITHOUT ROWID;
CREATE VIEW assignments AS
  SELECT customer_id, version, segment, confidence, since FROM assignment_history
  WHERE version = (SELECT max(version) FROM model_versions);
)sql";

constexpr std::string_view kPostgres1 = R"sql(
CREATE TABLE model_versions (
  version BIGINT PRIMARY KEY,
  created_at TIMESTAMPTZ NOT NULL,
  as_of TIMESTAMPTZ NOT NULL,
  kohort_version TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  k INTEGER NOT NULL,
  customers BIGINT NOT NULL,
  model_json TEXT NOT NULL,
  fingerprint TEXT NOT NULL
);
CREATE TABLE segments (
  version BIGINT NOT NULL REFERENCES model_versions (version),
  segment INTEGER NOT NULL,
  name TEXT NOT NULL,
  size BIGINT NOT NULL,
  share DOUBLE PRECISION NOT NULL,
  profile_json TEXT NOT NULL,
  PRIMARY KEY (version, segment)
);
CREATE TABLE assignment_history (
  version BIGINT NOT NULL,
  customer_id TEXT COLLATE "C" NOT NULL,
  segment INTEGER NOT NULL,
  confidence REAL NOT NULL,
  since TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (version, customer_id)
);
CREATE VIEW assignments AS
  SELECT customer_id, version, segment, confidence, since FROM assignment_history
  WHERE version = (SELECT max(version) FROM model_versions);
)sql";

constexpr std::string_view kSqlite2 = R"sql(
CREATE TABLE runs (
  run_id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  command TEXT NOT NULL,
  metrics_json TEXT NOT NULL,
  error TEXT NOT NULL,
  version INTEGER REFERENCES model_versions (version)
);
)sql";

constexpr std::string_view kPostgres2 = R"sql(
CREATE TABLE runs (
  run_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  command TEXT NOT NULL,
  metrics_json TEXT NOT NULL,
  error TEXT NOT NULL,
  version BIGINT REFERENCES model_versions (version)
);
)sql";

// Every option of a run, as given or defaulted, beside the command line.
constexpr std::string_view kBoth3 = R"sql(
ALTER TABLE runs ADD COLUMN options_json TEXT NOT NULL DEFAULT '{}';
)sql";

// Assignment days (kohort assign): each day's figures and per-segment counts (current days and
// days the alarm held back), the transitions of current days, and the standing of every
// customer after the two latest current days (the latest is the current assignment; the one
// before is where a re-run of the latest starts). A past day's full assignment is the
// version's assignments with the transitions up to that day applied.
constexpr std::string_view kSqlite4 = R"sql(
CREATE TABLE assign_days (
  as_of TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('current', 'held')),
  version INTEGER NOT NULL REFERENCES model_versions (version),
  created_at TEXT NOT NULL,
  figures_json TEXT NOT NULL,
  run_id INTEGER REFERENCES runs (run_id),
  PRIMARY KEY (as_of, status)
);
CREATE TABLE assign_day_segments (
  as_of TEXT NOT NULL,
  status TEXT NOT NULL,
  segment INTEGER NOT NULL,
  size INTEGER NOT NULL,
  entered INTEGER NOT NULL,
  exited INTEGER NOT NULL,
  mean_confidence REAL NOT NULL,
  PRIMARY KEY (as_of, status, segment)
) WITHOUT ROWID;
CREATE TABLE assignment_standing (
  as_of TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  segment INTEGER NOT NULL,
  raw_segment INTEGER NOT NULL,
  confidence REAL NOT NULL,
  since TEXT NOT NULL,
  smoothed BLOB,
  PRIMARY KEY (as_of, customer_id)
) WITHOUT ROWID;
CREATE TABLE transitions (
  as_of TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  from_segment INTEGER,
  to_segment INTEGER,
  reason TEXT NOT NULL CHECK (reason IN ('moved', 'held', 'new', 'left')),
  PRIMARY KEY (as_of, customer_id)
) WITHOUT ROWID;
)sql";

constexpr std::string_view kPostgres4 = R"sql(
CREATE TABLE assign_days (
  as_of TIMESTAMPTZ NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('current', 'held')),
  version BIGINT NOT NULL REFERENCES model_versions (version),
  created_at TIMESTAMPTZ NOT NULL,
  figures_json TEXT NOT NULL,
  run_id BIGINT REFERENCES runs (run_id),
  PRIMARY KEY (as_of, status)
);
CREATE TABLE assign_day_segments (
  as_of TIMESTAMPTZ NOT NULL,
  status TEXT NOT NULL,
  segment INTEGER NOT NULL,
  size BIGINT NOT NULL,
  entered BIGINT NOT NULL,
  exited BIGINT NOT NULL,
  mean_confidence DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (as_of, status, segment)
);
CREATE TABLE assignment_standing (
  as_of TIMESTAMPTZ NOT NULL,
  customer_id TEXT COLLATE "C" NOT NULL,
  version BIGINT NOT NULL,
  segment INTEGER NOT NULL,
  raw_segment INTEGER NOT NULL,
  confidence REAL NOT NULL,
  since TIMESTAMPTZ NOT NULL,
  smoothed BYTEA,
  PRIMARY KEY (as_of, customer_id)
);
CREATE TABLE transitions (
  as_of TIMESTAMPTZ NOT NULL,
  customer_id TEXT COLLATE "C" NOT NULL,
  from_segment INTEGER,
  to_segment INTEGER,
  reason TEXT NOT NULL CHECK (reason IN ('moved', 'held', 'new', 'left')),
  PRIMARY KEY (as_of, customer_id)
);
)sql";

// The store's settings (the pinned model version) and the names people gave segments, by id:
// a segment's id is its identity, so a name given once holds across refits.
constexpr std::string_view kSqlite5 = R"sql(
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE segment_labels (
  segment INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  set_at TEXT NOT NULL
);
)sql";

constexpr std::string_view kPostgres5 = R"sql(
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE segment_labels (
  segment INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  set_at TIMESTAMPTZ NOT NULL
);
)sql";

// Every kohort monitor run: its verdict and figures, against the version it monitored.
constexpr std::string_view kSqlite6 = R"sql(
CREATE TABLE monitor_runs (
  id INTEGER PRIMARY KEY,
  as_of TEXT NOT NULL,
  version INTEGER NOT NULL REFERENCES model_versions(version),
  verdict TEXT NOT NULL CHECK (verdict IN ('ok', 'watch', 'retrain')),
  created_at TEXT NOT NULL,
  figures_json TEXT NOT NULL,
  run_id INTEGER NOT NULL REFERENCES runs(run_id)
);
)sql";

constexpr std::string_view kPostgres6 = R"sql(
CREATE TABLE monitor_runs (
  id BIGSERIAL PRIMARY KEY,
  as_of TIMESTAMPTZ NOT NULL,
  version BIGINT NOT NULL REFERENCES model_versions(version),
  verdict TEXT NOT NULL CHECK (verdict IN ('ok', 'watch', 'retrain')),
  created_at TIMESTAMPTZ NOT NULL,
  figures_json TEXT NOT NULL,
  run_id BIGINT NOT NULL REFERENCES runs(run_id)
);
)sql";

// Customers erased on request: the SHA-256 of the id and when, so that later runs leave them out
// until they are seen again; the id itself is kept nowhere.
constexpr std::string_view kSqlite7 = R"sql(
CREATE TABLE forgotten (
  customer_key TEXT PRIMARY KEY,
  forgotten_at TEXT NOT NULL
);
)sql";

constexpr std::string_view kPostgres7 = R"sql(
CREATE TABLE forgotten (
  customer_key TEXT PRIMARY KEY,
  forgotten_at TIMESTAMPTZ NOT NULL
);
)sql";

// Per export destination, the last day it received (kohort export --delta).
constexpr std::string_view kSqlite8 = R"sql(
CREATE TABLE export_watermarks (
  destination TEXT PRIMARY KEY,
  as_of TEXT NOT NULL,
  exported_at TEXT NOT NULL
);
)sql";

constexpr std::string_view kPostgres8 = R"sql(
CREATE TABLE export_watermarks (
  destination TEXT PRIMARY KEY,
  as_of TIMESTAMPTZ NOT NULL,
  exported_at TIMESTAMPTZ NOT NULL
);
)sql";

// Webhook events not delivered by the last retry, per destination (kohort redeliver).
constexpr std::string_view kSqlite9 = R"sql(
CREATE TABLE dead_letters (
  destination TEXT NOT NULL,
  event_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  as_of TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  attempts INTEGER NOT NULL CHECK (attempts >= 0),
  last_error TEXT NOT NULL,
  failed_at TEXT NOT NULL,
  PRIMARY KEY (destination, event_id)
);
CREATE INDEX dead_letters_customer ON dead_letters (customer_id);
)sql";

constexpr std::string_view kPostgres9 = R"sql(
CREATE TABLE dead_letters (
  destination TEXT NOT NULL,
  event_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  as_of TIMESTAMPTZ NOT NULL,
  payload_json TEXT NOT NULL,
  attempts BIGINT NOT NULL CHECK (attempts >= 0),
  last_error TEXT NOT NULL,
  failed_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (destination, event_id)
);
CREATE INDEX dead_letters_customer ON dead_letters (customer_id);
)sql";

// Each customer's value (CLV, P(alive), churn risk) with their segment, in a version's
// assignments and a kept day's standing; NULL where unknown. The view shows them too.
constexpr std::string_view kSqlite10 = R"sql(
ALTER TABLE assignment_history ADD COLUMN clv REAL;
ALTER TABLE assignment_history ADD COLUMN p_alive REAL;
ALTER TABLE assignment_history ADD COLUMN churn_risk REAL;
ALTER TABLE assignment_standing ADD COLUMN clv REAL;
ALTER TABLE assignment_standing ADD COLUMN p_alive REAL;
ALTER TABLE assignment_standing ADD COLUMN churn_risk REAL;
DROP VIEW assignments;
CREATE VIEW assignments AS
  SELECT customer_id, version, segment, confidence, since, clv, p_alive, churn_risk FROM assignment_history
  WHERE version = (SELECT max(version) FROM model_versions);
)sql";

constexpr std::string_view kPostgres10 = R"sql(
ALTER TABLE assignment_history ADD COLUMN clv REAL, ADD COLUMN p_alive REAL, ADD COLUMN churn_risk REAL;
ALTER TABLE assignment_standing ADD COLUMN clv REAL, ADD COLUMN p_alive REAL, ADD COLUMN churn_risk REAL;
CREATE OR REPLACE VIEW assignments AS
  SELECT customer_id, version, segment, confidence, since, clv, p_alive, churn_risk FROM assignment_history
  WHERE version = (SELECT max(version) FROM model_versions);
)sql";

constexpr std::array<Migration, 10> kMigrations = {{
    {1, "model versions, segments, assignments and their history", kSqlite1, kPostgres1},
    {2, "runs", kSqlite2, kPostgres2},
    {3, "the options of each run", kBoth3, kBoth3},
    {4, "assignment days, standings and transitions", kSqlite4, kPostgres4},
    {5, "settings and the names people gave segments", kSqlite5, kPostgres5},
    {6, "monitor runs", kSqlite6, kPostgres6},
    {7, "forgotten customers", kSqlite7, kPostgres7},
    {8, "export watermarks", kSqlite8, kPostgres8},
    {9, "webhook dead letters", kSqlite9, kPostgres9},
    {10, "customer values with the assignments", kSqlite10, kPostgres10},
}};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace kohort::store::internal
