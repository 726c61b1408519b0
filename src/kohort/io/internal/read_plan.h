// kohort/io/internal/read_plan.h — one stream file: its plan, chunk outputs, merged columns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kohort/core/status.h"
#include "kohort/events/event_log.h"
#include "kohort/io/dataset.h"
#include "kohort/io/internal/config.h"
#include "kohort/io/internal/local_dict.h"
#include "kohort/io/internal/schema.h"
#include "kohort/io/internal/timestamp.h"

namespace kohort::io::internal {

/// How one stream file is read: where it is, its format and header, the role of each column,
/// and what becomes of bad rows.
struct Plan {
  events::Stream stream = events::Stream::transactions;
  std::string file;
  bool jsonl = false;
  char delimiter = ',';
  std::vector<std::string> header;  ///< names as UTF-8 (one that was not is read as Windows-1252)
  index_t header_recoded = 0;       ///< header names that were not UTF-8
  std::span<const RoleSpec> roles;
  Mapping map;
  std::vector<bool> required;           ///< per role slot
  std::vector<TimeFormat> time_format;  ///< per role slot (time kinds)
  /// Per role slot: the format was taken as M/D/YYYY though no sample told it from D/M/YYYY.
  std::vector<bool> time_ambiguous;
  OnError on_error = OnError::fail;
  const StreamConfig* config = nullptr;  ///< from kohort.toml, or null
  /// Routing (partition_dataset): when > 0, accepted rows are not converted into columns but
  /// sent whole to partition hash(customer) % partitions.
  std::uint32_t partitions = 0;
  int customer_slot = -1;  ///< the customer role, when routing
  int time_slot = -1;      ///< the event time role, when routing (its latest value is kept)
  /// The role whose time must lie in [floor, now] (the event time; the signup date of the
  /// customers stream), or -1; outside, the row is dropped (drop_out_of_range) or the time
  /// reads as unknown.
  int bounded_slot = -1;
  bool drop_out_of_range = true;
  Seconds now = std::numeric_limits<Seconds>::max();
  Seconds floor = std::numeric_limits<Seconds>::min();
  std::vector<std::uint8_t> count_values;  ///< per role, when routing: count rows per value
  /// The order id role: kept as a 64-bit hash of the id (ColumnData::key), not interned. Order
  /// ids are nearly unique per row group, and only group a customer's lines, so their text is
  /// never needed and a dictionary of them would be the largest thing in memory.
  int keyed_slot = -1;
  /// Per role slot, how a parsed number is kept until the log has it (Width): as wide as the
  /// log's column (wider only for the factors of a derived amount, which are multiplied in
  /// double), so that the provisional columns take no more memory than the final ones.
  std::vector<std::uint8_t> width;
  /// The mapped role slots in slot order, with what the conversion needs of each (set with
  /// width).
  struct Active {
    std::size_t r;
    std::size_t c;
    Kind kind;
    std::uint8_t width;
    bool required;
    bool keyed;
  };
  std::vector<Active> active;
};

/// How a parsed number is kept: money (and the factors of a derived amount) as double, other
/// numbers as the log's float, flags and email events as a byte.
enum Width : std::uint8_t { kDouble = 0, kFloat = 1, kByte = 2 };

/// One role's provisional column: the vector its kind and width use is filled, the others
/// stay empty.
struct ColumnData {
  std::vector<double> num;  ///< kDouble numbers
  std::vector<float> f32;   ///< kFloat numbers (NaN when missing)
  /// kByte: a flag (1 when the value is 1, else 0) or an email event
  std::vector<std::uint8_t> u8;
  std::vector<Seconds> time;
  std::vector<std::int32_t> code;
  std::vector<std::uint64_t> key;  ///< the keyed role: hash of the value, 0 when missing
};

/// What one chunk of a window parses into (or, when routing, sends on), with its counts,
/// rejects and first error.
struct ChunkOut {
  std::vector<ColumnData> cols;
  std::vector<LocalDict> dicts;  ///< per role slot; id roles share dicts[0]'s customer dict below
  LocalDict customers;
  std::vector<std::uint64_t> hash;
  std::vector<index_t> missing, invalid;
  std::vector<Reject> rejects;
  index_t rows_read = 0;
  std::optional<Status> error;
  bool irregular = false;
  /// Code cells waiting to be interned, per role: interning a column at a time in prefetched
  /// batches keeps one dictionary hot and overlaps its cache misses.
  struct Pending {
    std::string_view value;
    std::size_t row;
  };
  std::vector<std::vector<Pending>> pending;  ///< a reused mini-batch of kPendingRows rows
  std::vector<std::string_view> prev_value;   ///< per role: the last resolved value …
  std::vector<std::int32_t> prev_code;        ///< … and its code (-1: none yet)
  std::size_t pending_rows = 0;
  /// Routing: each accepted row's text (a view into the window) and its partition.
  struct Routed {
    std::string_view raw;
    std::uint32_t part;
  };
  std::vector<Routed> routed;
  Seconds max_time = events::kMissingTime;
  std::vector<std::vector<std::int64_t>> value_counts;  ///< per role: rows per code of dicts[r]
  /// Times outside [plan.floor, plan.now] (rows dropped, or times read as unknown).
  index_t after_now = 0, before_floor = 0;
  /// Whether the chunk holds a byte ≥ 0x80 at all (else no cell needs a UTF-8 check); cells
  /// that are not UTF-8, read as Windows-1252, live here while the chunk's views need them
  /// (a deque: its strings never move).
  bool check_utf8 = false;
  std::deque<std::string> recoded;
  index_t recoded_cells = 0;
  std::string recoded_first;  ///< file:line:column of the chunk's first
};

/// JSON Lines: one object per line; values become text and go through the same conversion.
struct JsonRow {
  std::vector<std::string> text;
  std::vector<std::string_view> views;
};

/// Everything read from one stream, with provisional customer codes (into the dataset-wide
/// dictionary) and provisional dictionary codes (per role).
struct ParsedStream {
  Plan plan;
  StreamReport report;
  std::vector<ColumnData> cols;
  std::vector<LocalDict> dicts;  ///< owning copies (stable = false)
  std::vector<std::uint64_t> hash;
  /// Routing: rows per value of the counted code roles (role name → value → rows).
  std::map<std::string, std::map<std::string, std::int64_t>> value_counts;
};

/// What a stream's windows add up to besides its columns.
struct Totals {
  std::vector<index_t> missing, invalid;
  index_t rows_read = 0, rejected = 0;
  std::vector<Reject> rejects;              ///< the first kReportRejects
  std::string rejects_text;                 ///< every rejected row, under quarantine
  Seconds max_time = events::kMissingTime;  ///< the latest event time (routing only)
  index_t after_now = 0, before_floor = 0;
  index_t recoded_cells = 0;
  std::string recoded_first;
};

}  // namespace kohort::io::internal
