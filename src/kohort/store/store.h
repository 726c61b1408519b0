// kohort/store/store.h — versioned segmentations in SQLite (default) or PostgreSQL.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kohort/core/result.h"
#include "kohort/core/status.h"

namespace kohort::store {

/// One segment of a published version.
struct SegmentRecord {
  std::int32_t id = 0;       ///< the segment id the assignments use (≥ 0; unique per version)
  std::string name;          ///< human name, e.g. "loyal big spenders"
  std::int64_t size = 0;     ///< customers in the segment (≥ 0)
  double share = 0;          ///< size / customers, in [0, 1]
  std::string profile_json;  ///< a JSON document (object or array); "{}" when there is none
};

/// A customer's value under the fit's CLV models as of a day; NaN where unknown (stored as NULL:
/// no purchase yet, or models that could not be fitted).
struct CustomerValue {
  float clv = std::numeric_limits<float>::quiet_NaN();         ///< discounted expected spend over the model's horizon
  float p_alive = std::numeric_limits<float>::quiet_NaN();     ///< in [0, 1]
  float churn_risk = std::numeric_limits<float>::quiet_NaN();  ///< in [0, 1]: no purchase within the churn horizon
};

/// One customer's segment under a version.
struct AssignmentRecord {
  std::string customer_id;  ///< exactly as in the input (non-empty)
  std::int32_t segment = 0; ///< a SegmentRecord::id of the version, or -1 (outlier)
  float confidence = 0;     ///< in [0, 1]
  /// "YYYY-MM-DDTHH:MM:SSZ": the as-of instant from which the customer has been in this
  /// segment id under every version up to this one. Computed by the store; ignored on input.
  std::string since;
  CustomerValue value = {};  ///< as of the version's cut
};

/// Everything that becomes one new version.
struct PublishRequest {
  std::string model_json;  ///< the whole model document (valid JSON)
  std::string as_of;       ///< ISO 8601 date or date-time of the data cut (stored as UTC, seconds)
  std::string kohort_version, algorithm;  ///< non-empty
  std::int32_t k = 0;                     ///< number of segments of the model (≥ 0)
  std::vector<SegmentRecord> segments;
  std::vector<AssignmentRecord> assignments;  ///< any order; `since` ignored on input
  std::string run_metrics_json = "{}";        ///< valid JSON; recorded with the run
  std::string run_options_json = "{}";        ///< valid JSON: every option of the run, as given or
                                              ///< defaulted (no secrets); recorded with the run
  std::string command;                        ///< the command line that produced it
  /// ISO 8601 start of the run that produced it; empty: the publish time. Recorded with the run.
  std::string run_started_at;
};

/// A run that stopped with an error, as the store records it.
struct FailedRun {
  std::string command;               ///< the command line
  std::string error;                 ///< where and what went wrong
  std::string started_at;            ///< ISO 8601 start of the run; empty: the recording time
  std::string options_json = "{}";   ///< every option of the run (no secrets); "{}" if unknown
};

/// What a version is, without its bulk data.
struct VersionInfo {
  std::int64_t version = 0;  ///< 1, 2, … in publishing order
  std::string created_at;    ///< "YYYY-MM-DDTHH:MM:SSZ", the store's clock at publishing
  std::string as_of;         ///< "YYYY-MM-DDTHH:MM:SSZ"
  std::string kohort_version, algorithm;
  std::string fingerprint;   ///< "sha256:<64 hex digits>" of model_json's bytes
  std::int32_t k = 0;
  std::int64_t customers = 0;  ///< number of assignments
};

/// One run: a publish (status "ok", with the version it made) or a failed fit.
struct RunRecord {
  std::int64_t run_id = 0;
  std::string started_at, finished_at;  ///< "YYYY-MM-DDTHH:MM:SSZ"
  std::string status;                   ///< "ok" or "failed"
  std::string command;
  std::string metrics_json;             ///< "{}" for a failed run
  std::string options_json;             ///< every option of the run ("{}" when not recorded)
  std::string error;                    ///< empty for an ok run
  std::optional<std::int64_t> version;  ///< the version it published, if any
};

/// One customer's standing after an assignment day.
struct CustomerDay {
  std::string customer_id;        ///< exactly as in the input (non-empty, UTF-8, no NUL)
  std::int32_t segment = 0;       ///< the published segment: a segment id of the version
  std::int32_t raw_segment = 0;   ///< the model's own answer that day, before the stability controls
  float confidence = 0;           ///< in [0, 1]
  std::int64_t since = 0;         ///< seconds since the epoch: in `segment` since then
  std::vector<float> smoothed;    ///< the smoothed clustering-space vector; empty when none is kept
  CustomerValue value = {};       ///< as of the day
};

/// A change of a customer's published segment (or of their presence) on an assignment day.
struct TransitionRecord {
  std::string customer_id;
  std::optional<std::int32_t> from, to;  ///< absent: not there before (new) / no longer there (left)
  std::string as_of;                     ///< "YYYY-MM-DDTHH:MM:SSZ" of the day
  std::string reason;                    ///< moved | held | new | left
};

/// One segment's figures on an assignment day.
struct SegmentDayRecord {
  std::int32_t segment = 0;
  std::int64_t size = 0, entered = 0, exited = 0;
  double mean_confidence = 0;
};

/// Everything an assignment day writes.
struct AssignDayRequest {
  std::int64_t version = 0;   ///< the model version assigned with (must exist)
  std::string as_of;          ///< ISO 8601 instant of the day's cut
  bool current = true;        ///< false: held back by the alarm (only the day's figures are kept)
  std::string figures_json = "{}";  ///< valid JSON: the day's figures as `kohort assign --json` prints them
  std::vector<SegmentDayRecord> segments;
  std::vector<TransitionRecord> transitions;  ///< current days only
  std::vector<CustomerDay> customers;         ///< the day's standing of every assigned customer (current days only)
  std::string command, options_json = "{}", started_at;  ///< the run, as in PublishRequest
};

/// An assignment day as recorded.
struct AssignDayInfo {
  std::string as_of;          ///< "YYYY-MM-DDTHH:MM:SSZ"
  std::int64_t version = 0;
  std::string status;         ///< "current" (published) or "held" (the alarm held it back)
  std::string figures_json;
  std::string created_at;
  std::vector<SegmentDayRecord> segments;
};

/// A monitor run to record (kohort monitor).
struct MonitorRunRequest {
  std::int64_t version = 0;         ///< the model version monitored (must exist)
  std::string as_of;                ///< ISO 8601 instant the features were computed as of
  std::string verdict;              ///< "ok", "watch" or "retrain"
  std::string figures_json = "{}";  ///< valid JSON: what `kohort monitor --json` prints
  std::string command, options_json = "{}", started_at;  ///< the run, as in PublishRequest
};

/// A monitor run as recorded.
struct MonitorRunInfo {
  std::int64_t id = 0;       ///< 1, 2, … in recording order
  std::string as_of;         ///< "YYYY-MM-DDTHH:MM:SSZ"
  std::int64_t version = 0;
  std::string verdict;
  std::string figures_json;
  std::string created_at;
};

/// What Store::forget() erased.
struct ForgetSummary {
  std::int64_t assignment_rows = 0;  ///< rows of every version's assignments
  std::int64_t standing_rows = 0;    ///< rows of the kept assignment days' standing (with the smoothing state)
  std::int64_t transition_rows = 0;  ///< transitions of every day
  std::int64_t dead_letter_rows = 0; ///< webhook events not delivered (DeadLetter)
};

/// A webhook event that its destination did not take by the last retry (kohort redeliver
/// sends it again, with the same id, so a receiver that did take it after all can drop it).
struct DeadLetter {
  std::string destination;       ///< the webhook URL
  std::string event_id;          ///< the event's idempotency key, unique per destination
  std::string customer_id;       ///< whose event (kohort forget erases it)
  std::string as_of;             ///< ISO 8601: the assignment day of the event
  std::string payload_json;      ///< the event exactly as it was sent (a JSON object)
  std::int64_t attempts = 0;     ///< requests that carried it, over every run
  std::string last_error;        ///< what the last request got
  std::string failed_at;         ///< when it was last tried (set by the store; ignored on write)
};

/// What one webhook delivery (kohort assign --webhook, kohort redeliver) leaves behind.
struct DeliveryRecord {
  std::string destination;                  ///< the webhook URL
  std::optional<std::string> watermark;     ///< a watermark name and the day (ISO 8601) the
  std::string through;                      ///< destination now has everything up to; none: keep it
  std::vector<std::string> delivered;       ///< dead letters of the destination now delivered
  std::vector<DeadLetter> failed;           ///< events not delivered (attempts of this run)
};

/// Held while a run that must be alone on a store (an assignment day) works; released on
/// destruction or when the process ends, however it ends.
class RunLock {
 public:
  virtual ~RunLock() = default;
};

/// A segment store: published versions, their segments and assignments, and the runs that
/// made them. Both backends share one schema, created and upgraded by numbered migrations:
/// tables model_versions, segments, assignment_history (one row per version and customer,
/// with `since`), runs and schema_migrations, and the view assignments (the latest version's
/// rows, one per customer).
///
/// A Store object holds one connection: use it from one thread at a time. Several processes
/// may open the same store; publishes are serialised by the database (SQLite's write lock,
/// a PostgreSQL table lock), readers never see a half-published version.
/// Every error names the store location (passwords in a URL are shown as "***").
class Store {
 public:
  virtual ~Store() = default;

  /// Opens the store at `location`, creating it when absent, and applies any migrations this
  /// binary knows that the store lacks (each in its own transaction).
  /// `location`: a file path (SQLite, WAL mode; the file and its directory must be writable),
  /// or a "postgresql://" / "postgres://" URL (libpq syntax; `?options=-csearch_path%3Dname`
  /// puts the tables in schema `name`, which must exist).
  /// Fails with: invalid_argument (empty location; the file is not a SQLite database; the URL
  /// is malformed); not_found (the file's directory does not exist); io_error (the file or its
  /// directory cannot be written or read); io_error "cannot connect to …; is the server
  /// running?" (PostgreSQL unreachable or refusing); corruption (the store's schema is newer
  /// than this binary knows, or its bookkeeping is inconsistent); unsupported (a PostgreSQL
  /// URL in a build without KOHORT_WITH_POSTGRES).
  [[nodiscard]] static Result<std::unique_ptr<Store>> open(const std::string& location);

  /// Publishes atomically, in one transaction: either everything (version row, segments,
  /// assignments with their `since`, the run record) becomes the new latest version,
  /// or nothing changes — also when the process dies midway. Returns the new version number
  /// (1, 2, …). `since` is carried from the previous version for a customer whose segment id
  /// is unchanged, else it is this version's as_of.
  /// Fails with invalid_input, leaving the store untouched, naming the first bad field:
  /// empty or unparsable as_of, empty kohort_version/algorithm, k < 0, invalid JSON in
  /// model_json/profile_json/run_metrics_json, duplicate or negative segment ids, share outside
  /// [0, 1], a negative size, an empty or duplicate customer id, text that is not UTF-8 or
  /// holds a NUL (customer ids, names, versions, command), an assignment to a segment id
  /// not in `segments` (other than -1), a confidence outside [0, 1] or not finite.
  /// io_error when the database refuses the write.
  /// Cost: O(n log n) to sort n assignments, one read of the previous version's assignments,
  /// one bulk insert of n rows (SQLite: a prepared statement; PostgreSQL: COPY); memory O(n)
  /// beyond the request.
  [[nodiscard]] virtual Result<std::int64_t> publish(const PublishRequest& request) = 0;

  /// The newest version, or nullopt when nothing is published yet.
  [[nodiscard]] virtual Result<std::optional<VersionInfo>> latest() = 0;
  /// All versions, oldest first.
  [[nodiscard]] virtual Result<std::vector<VersionInfo>> versions() = 0;
  /// The model document of `version`, byte for byte as published. not_found when absent.
  [[nodiscard]] virtual Result<std::string> model_json(std::int64_t version) = 0;
  /// The segments of `version`, by id. not_found when the version is absent.
  [[nodiscard]] virtual Result<std::vector<SegmentRecord>> segments(std::int64_t version) = 0;
  /// The assignments of `version` (from the history), ordered by customer_id as bytes.
  /// not_found when the version is absent.
  [[nodiscard]] virtual Result<std::vector<AssignmentRecord>> assignments(
      std::int64_t version) = 0;
  /// All runs, oldest first.
  [[nodiscard]] virtual Result<std::vector<RunRecord>> runs() = 0;
  /// Records an assignment day atomically: its figures and, for a current day, the day's
  /// standing of every customer, its transitions and per-segment counts — all or nothing, also
  /// when the process dies midway. A day dated as an existing current day replaces it (its
  /// standing, transitions and counts), so a re-run of a day leaves the store as one run
  /// does; a held day replaces a held record of the same date. The standing of the two latest
  /// current days is kept (the one before the latest is what a re-run of the latest starts
  /// from); older standings are dropped, their transitions and counts kept.
  /// Fails with invalid_input, leaving the store untouched: a version that does not exist, an
  /// unparsable as_of, a current day dated before the latest current day, invalid JSON, a
  /// customer id that is empty, duplicate or not valid text, a segment not of the version (other
  /// than -1), a confidence outside [0, 1]; io_error when the database refuses the write.
  [[nodiscard]] virtual Status publish_day(const AssignDayRequest& request) = 0;
  /// Every assignment day, oldest first (a held day after the current one of the same date).
  [[nodiscard]] virtual Result<std::vector<AssignDayInfo>> assign_days() = 0;
  /// The standing after the current day `as_of` (ISO 8601), ordered by customer_id as bytes.
  /// not_found when that day's standing is not kept (never assigned, held, or dropped as old).
  [[nodiscard]] virtual Result<std::vector<CustomerDay>> day_standing(const std::string& as_of) = 0;
  /// The transitions of the current days in [from, to] (ISO 8601; empty: unbounded), by day
  /// and then customer_id.
  [[nodiscard]] virtual Result<std::vector<TransitionRecord>> transitions(const std::string& from,
                                                                          const std::string& to) = 0;
  /// Takes the store's run lock for `what` (e.g. "assign") without waiting: when another
  /// process holds it, fails at once with unavailable naming the store and `what`.
  [[nodiscard]] virtual Result<std::unique_ptr<RunLock>> lock_runs(const std::string& what) = 0;

  /// Records a monitor run (every run is kept, several per date too) with its run record, in
  /// one transaction; returns its id. Fails with invalid_input, leaving the store untouched: a
  /// version that does not exist, an unparsable as_of or started_at, a verdict other than ok,
  /// watch or retrain, invalid JSON, a command that is not valid text; io_error when the
  /// database refuses the write.
  [[nodiscard]] virtual Result<std::int64_t> record_monitor_run(const MonitorRunRequest& request) = 0;
  /// Every monitor run, oldest first.
  [[nodiscard]] virtual Result<std::vector<MonitorRunInfo>> monitor_runs() = 0;

  /// Erases customers `ids` (a right-to-erasure request) in one transaction: their assignments in
  /// every version, their standing and smoothing state on the kept days, their transitions, their
  /// webhook dead letters; and
  /// records each as forgotten now, by the SHA-256 of its id (the id itself is kept nowhere), so
  /// that later runs leave it out until it is seen again (model/forget.h). An id the store never
  /// held is recorded all the same. Fails with invalid_input, leaving the store untouched, for
  /// no ids or an id that is empty or not valid text; io_error when the database refuses.
  [[nodiscard]] virtual Result<ForgetSummary> forget(const std::vector<std::string>& ids) = 0;
  /// The forgotten customers: the SHA-256 of each id ("sha256:…", core/hash.h) and when it was
  /// forgotten (ISO 8601), ordered by the former.
  [[nodiscard]] virtual Result<std::vector<std::pair<std::string, std::string>>> forgotten() = 0;

  /// The last day exported to destination `name` (kohort export --delta), or nullopt when none.
  [[nodiscard]] virtual Result<std::optional<std::string>> watermark(const std::string& name) = 0;
  /// Records that destination `name` has everything up to the day `as_of` (ISO 8601). Fails
  /// with invalid_input for an empty name, text that is not valid, or an unparsable as_of.
  [[nodiscard]] virtual Status set_watermark(const std::string& name, const std::string& as_of) = 0;

  /// Records a webhook delivery in one transaction: removes the `delivered` dead letters, adds
  /// each `failed` event as a dead letter of the destination (one already there adds the
  /// attempts and takes the new error), and sets the watermark when one is named.
  /// Fails with invalid_input, leaving the store untouched: an empty destination, an event id
  /// or customer id that is empty or not valid text, a payload that is not a JSON object, an
  /// unparsable as_of or through, negative attempts; io_error when the database refuses.
  [[nodiscard]] virtual Status record_delivery(const DeliveryRecord& record) = 0;
  /// The dead letters of `destination` (empty: of every destination), ordered by destination,
  /// day and event id as bytes.
  [[nodiscard]] virtual Result<std::vector<DeadLetter>> dead_letters(const std::string& destination) = 0;

  /// The version `kohort assign` uses unless told otherwise, when one is pinned.
  [[nodiscard]] virtual Result<std::optional<std::int64_t>> pinned_version() = 0;
  /// Pins `version` (a rollback is a pin of an earlier one), or unpins with nullopt. Fails
  /// with not_found when the version does not exist.
  [[nodiscard]] virtual Status pin_version(std::optional<std::int64_t> version) = 0;
  /// The names people gave segments, by segment id (kohort segments rename).
  [[nodiscard]] virtual Result<std::vector<std::pair<std::int32_t, std::string>>> segment_labels() = 0;
  /// Names segment `id` (a segment of the latest version) for good: the latest version's
  /// segment row takes the name now, and every later version's matched segment keeps it.
  /// Fails with not_found for an id the latest version lacks, invalid_input for an empty name
  /// or one that is not UTF-8 text.
  [[nodiscard]] virtual Status label_segment(std::int32_t id, const std::string& name) = 0;

  /// The highest migration applied to the store.
  [[nodiscard]] virtual Result<int> schema_version() = 0;
  /// Records a failed run (a fit that stopped with an error) without touching versions; it
  /// finished now. Bytes of the command or error that are not valid UTF-8 (and NULs) are
  /// stored as '?'; options_json that is not valid JSON is stored as "{}", and a started_at
  /// that is not ISO 8601 as the recording time.
  [[nodiscard]] virtual Status record_failed_run(const FailedRun& run) = 0;
};

/// The schema version this binary creates and understands.
[[nodiscard]] int latest_schema_version();

/// The files a SQLite store at `location` consists of — the database and its `-wal`, `-shm`
/// and `-journal` companions and its `.lock` (the run lock), whether or not they exist yet; none for a PostgreSQL URL. No
/// command writes an output over one of them.
[[nodiscard]] std::vector<std::string> store_files(const std::string& location);

/// `location` fit for messages: the password of a URL (user:password@ or password=) replaced
/// by "***". File paths are returned unchanged.
[[nodiscard]] std::string redact_location(const std::string& location);

}  // namespace kohort::store
