// kohort/io/dataset.h — reading a customer dataset (one file per stream) into an EventLog.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/core/time.h"
#include "kohort/events/event_log.h"

namespace kohort::io {

/// What to do with a row that cannot be read (bad number or date, wrong field count, empty
/// customer id, …). Spelled as on the command line: --on-error=fail|skip|quarantine.
enum class OnError {
  fail,        ///< stop at the first bad row with invalid_input naming file:line:column
  skip,        ///< leave the row out and count it in StreamReport::rows_rejected
  quarantine,  ///< as skip, and also write it to <stream>.rejects.csv
};

/// Parses "fail|skip|quarantine"; false for anything else.
[[nodiscard]] bool parse_on_error(std::string_view text, OnError& out);

/// The canonical order of external customer ids, in which the log gives dense ids: numeric ids
/// (digits only) by value, then the others lexicographically (bytewise).
[[nodiscard]] bool canonical_id_less(std::string_view a, std::string_view b);

struct ReadOptions {
  OnError on_error = OnError::fail;
  /// Where rejects files go; empty: beside the data as <stream>.rejects.csv.
  std::string rejects_dir;
  /// Bytes per parse chunk (a tuning knob; results are identical for any value and any
  /// number of threads).
  std::size_t chunk_bytes = std::size_t{16} << 20;
  /// Bytes of (decompressed) text held at a time: a file is read in windows of about this
  /// size, each cut after its last complete record, parsed and appended to the log before the
  /// next is read. A record longer than a window widens it. A tuning knob like chunk_bytes:
  /// results, errors and rejects are identical for any value ≥ 1.
  std::size_t window_bytes = std::size_t{64} << 20;
  /// Role → column for the transactions stream ("customer", "time", "amount", …), as
  /// kohort.toml's [transactions] keys; these win over the file. `where` names the flag in
  /// messages ("--customer-column").
  struct ColumnOverride {
    std::string role, column, where;
  };
  std::vector<ColumnOverride> transaction_columns;
  /// A kohort.toml to use instead of the one in the dataset folder (file and database names
  /// in it stay relative to the dataset folder).
  std::string config;
  /// The run's "now", in seconds since the epoch. A row of an event stream (transactions,
  /// sessions, emails, support, referrals) timed after it is left out, and a signup date after
  /// it reads as unknown: every command reads the same rows, and a fit's as-of date comes from
  /// rows that are used. The library reads no clock: commands pass --now, the current time by
  /// default. Default here: no bound.
  Seconds now = std::numeric_limits<Seconds>::max();
  /// Times before this are implausible (a placeholder date such as 1970-01-01, a typo in the
  /// year): left out, or read as unknown, as after `now`. Default 1990-01-01.
  Seconds floor = days_from_civil(1990, 1, 1) * kSecondsPerDay;
  /// The longest record (bytes of text) a read accepts. A longer one fails with invalid_input
  /// at the file:line where it starts: a line that never ends (a corrupt or hostile file)
  /// cannot take all memory. Default 64 MiB; commands lower it under a small --memory-limit.
  std::size_t max_record_bytes = std::size_t{64} << 20;
  /// partition_dataset(): bytes of text each partition file buffers before writing a frame
  /// (results are identical for any value ≥ 1). Default 4 MiB; commands lower it so that the
  /// buffers of every partition together stay within a --memory-limit.
  std::size_t spill_frame_bytes = std::size_t{4} << 20;
  /// load_dataset(): read only these streams of a folder (empty: every stream found); the
  /// folder must still hold a transactions file. kohort export --data reads the customers alone.
  std::vector<events::Stream> streams;
};

/// Per role column of a stream: where it came from and how many cells were missing/invalid.
struct ColumnStats {
  std::string role;     ///< "amount", "time", …
  std::string source;   ///< the header name it was read from ("" when derived)
  index_t missing = 0;  ///< empty / NA cells among accepted rows
  index_t invalid = 0;  ///< rows rejected because of this column
};

/// A row that was not accepted (under skip/quarantine).
struct Reject {
  index_t line = 0;   ///< 1-based physical line where the row starts
  int column = 0;     ///< 1-based field; 0 for the whole row
  std::string reason;
  std::string text;   ///< the row's original text
};

struct StreamReport {
  std::string stream;  ///< "transactions", …
  std::string file;    ///< the path read
  index_t rows_read = 0, rows_accepted = 0, rows_rejected = 0;
  /// role -> source column: the inferred mapping, shown to the user. A derived amount reads
  /// "unit_price × quantity".
  std::vector<std::pair<std::string, std::string>> column_roles;
  std::vector<ColumnStats> columns;   ///< one per mapped role, in role order
  std::vector<std::string> ignored;   ///< source columns no role took
  std::vector<Reject> rejects;        ///< the first 1000 rejected rows (all go to the file)
  std::string rejects_file;           ///< written under quarantine when rows were rejected
  std::vector<std::pair<std::string, std::string>> time_formats;  ///< role -> format used
  /// Rows left out (event streams; not counted as rejected) or signup dates read as unknown
  /// (customers) because their time is after ReadOptions::now or before ReadOptions::floor,
  /// and the bounds that applied.
  index_t after_now = 0, before_floor = 0;
  Seconds now = 0, floor = 0;
  /// Text cells (ids, categories, header names) that were not UTF-8 and were read as
  /// Windows-1252 (see to_utf8() in core/text.h), and where the first one is (file:line:column).
  index_t recoded_cells = 0;
  std::string recoded_first;
};

struct Dataset {
  events::EventLog log;
  std::vector<StreamReport> reports;
  /// Things the user should know: files ignored ("truth.csv ignored"), unused columns,
  /// derived values.
  std::vector<std::string> notes;
};

/// Reads a dataset. `path` is a folder holding one file per stream, named by the stream
/// (transactions, sessions, emails, support, customers, referrals; .csv/.tsv/.jsonl,
/// optionally .gz/.zst), or a single transactions file. Only transactions is required;
/// other files in the folder are ignored with a note. A `kohort.toml` in the folder may name
/// another file per stream (`file = "orders.csv"`), a SQLite or PostgreSQL table or query
/// instead (`sqlite = "shop.db"` or `postgresql = "postgresql://user@host/db"`, with
/// `table = "orders"` or `query = "SELECT …"`; PostgreSQL rows stream through COPY in the
/// same bounded windows as a file, reported as "postgresql:orders"), map roles to
/// columns (`customer = "Kundennummer"`) and fix a time column's format
/// (`time_format = "D/M/YYYY"`); its mistakes are invalid_argument naming kohort.toml:line:col.
///
/// CSV/TSV: RFC 4180 (quoted fields, doubled quotes, embedded delimiters and newlines), UTF-8
/// BOM, CRLF; delimiter (comma, tab, semicolon, pipe) detected from the header line. Columns
/// are mapped to roles by header name (see StreamReport::column_roles); a missing required
/// column fails with invalid_input listing the header and the accepted names. Timestamps:
/// ISO 8601, YYYYMMDD, epoch seconds/milliseconds, M/D/YYYY [H:MM], D/M/YYYY — one format per
/// column, decided from its first rows.
///
/// Errors name `file:line:column` (1-based physical line, header = line 1; 1-based field).
/// Bad rows follow options.on_error; structural problems (empty file, unterminated quote,
/// missing column, unknown date format, truncated .gz/.zst) always fail.
///
/// The log is finalize()d and set_present() for each stream found. Customers are interned
/// in a canonical order of their external ids (numeric ids by value, then others
/// lexicographically); rows are ordered by (customer, time, row content) and dictionary codes
/// by first appearance in that order — so the log does not depend on the order of the input
/// rows, on ctx.threads() or on chunk_bytes.
/// Cost: O(bytes) parse on ctx.threads() threads plus O(rows · log rows) ordering. Memory:
/// the log's columns, plus for the stream being read its provisional columns and sort keys
/// (about 2–3× its share of the log), plus one window of text (options.window_bytes) and its
/// parsed rows, and with more than one thread a second window being read ahead. Files are
/// never held whole (a SQLite table is, as CSV text).
[[nodiscard]] Result<Dataset> load_dataset(const Context& ctx, const std::string& path,
                                           const ReadOptions& options);

namespace internal {
struct PartitionState;
}

/// A dataset split by customer into partitions on disk, for data larger than memory. Every
/// row of a customer, in every stream but referrals, is in the same partition (chosen by a
/// hash of the customer id); referrals, whose graph spans partitions, are read whole.
struct PartitionedDataset {
  std::uint32_t partitions = 0;
  /// Per stream, as load_dataset() reports it (rows read, accepted, rejected; mapping).
  std::vector<StreamReport> reports;
  std::vector<std::string> notes;
  /// The latest event time of the transactions, sessions, emails and support streams, as
  /// EventLog::last_event_time() of the whole dataset would give.
  Seconds last_event_time = events::kMissingTime;
  /// Uncompressed and compressed bytes of the partition files.
  std::uint64_t spill_text_bytes = 0, spill_file_bytes = 0;
  /// Counted on the way, over every accepted transaction: rows per value of the category,
  /// channel and payment_method columns (role → value text → rows; empty values not
  /// counted), and the transactions roles that are filled (mapped columns).
  std::map<std::string, std::map<std::string, std::int64_t>> transaction_values;
  std::set<std::string> transaction_roles;
  /// The referrals stream alone (finalized; its own customer ids), or null without one.
  std::shared_ptr<const Dataset> referrals;
  /// How to parse the partition files; the last copy removes the spill folder.
  std::shared_ptr<const internal::PartitionState> state;
};

/// The partition of a customer id among `partitions` (≥ 1): a hash of its text, so that every
/// row of a customer, in any stream, lands in the same partition.
[[nodiscard]] std::uint32_t partition_of_id(std::string_view customer, std::uint32_t partitions);

/// About how many bytes of text a dataset's files hold.
struct TextEstimate {
  std::uint64_t total = 0;         ///< every stream
  std::uint64_t transactions = 0;  ///< the transactions stream
  /// The memory reading the dataset whole and computing its features takes: 1.6 bytes per
  /// byte of transactions text or 0.8 per byte of all text, whichever is more.
  [[nodiscard]] std::uint64_t memory() const;
};

/// The text of the dataset's files (a compressed file counts 5× its size; a PostgreSQL source
/// 0): the basis for choosing a number of partitions. Fails as load_dataset() does when the
/// folder or a configured file is missing.
[[nodiscard]] Result<TextEstimate> estimate_text_bytes(const std::string& path,
                                                       const ReadOptions& options);

/// Every file reading `path` would open: the stream files (a SQLite source's database
/// included; a PostgreSQL source is no file) and the kohort.toml. What a command must never
/// write an output over. Fails as load_dataset() does when the folder or a configured file is
/// missing. O(files in the folder).
[[nodiscard]] Result<std::vector<std::string>> input_files(const std::string& path,
                                                           const ReadOptions& options);

/// The number of partitions that keeps reading and featurizing the data within
/// `memory_limit` bytes: 1 (read whole) when text.memory() fits in it, else enough partitions
/// for each to take at most a third of the limit (the rest holds the partitions' feature
/// tables and the merged table); at most 4096.
[[nodiscard]] std::uint32_t partitions_for(const TextEstimate& text, std::uint64_t memory_limit);

/// Reads a dataset as load_dataset() does — the same checks, errors (file:line:column),
/// on_error policy, rejects and reports — but writes each stream's accepted rows, unchanged,
/// to zstd-compressed files of `partitions` partitions in a new folder under `spill_dir`
/// (removed when the last copy of the result goes). Memory: a window of text per stream and
/// the partitions' write buffers (4 MiB each), plus the referrals stream. Disk: about a
/// fifth of the dataset's uncompressed text. Fails with io_error naming the spill file when
/// it cannot be written (disk full).
[[nodiscard]] Result<PartitionedDataset> partition_dataset(const Context& ctx,
                                                           const std::string& path,
                                                           const ReadOptions& options,
                                                           std::uint32_t partitions,
                                                           const std::string& spill_dir);

/// Partition k (0 ≤ k < partitions) as a Dataset: its customers (those with a row in it) in
/// the canonical order, their rows in every stream but referrals, each stream of the dataset
/// present (possibly with no rows), finalized — what load_dataset() would give for a dataset
/// holding only these customers. Reports and notes are left empty (see the
/// PartitionedDataset's). Memory: as load_dataset() for the partition's share of the data.
[[nodiscard]] Result<Dataset> load_partition(const Context& ctx, const PartitionedDataset& data,
                                             std::uint32_t k);

}  // namespace kohort::io
