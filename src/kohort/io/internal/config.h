// kohort/io/internal/config.h — the dataset folder's kohort.toml: stream files and column maps.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kohort/core/result.h"
#include "kohort/events/event_log.h"
#include "kohort/io/internal/timestamp.h"

namespace kohort::io::internal {

/// One mapped role: role name → header column, and where the key was written.
struct RoleOverride {
  std::string role;
  std::string column;
  std::string where;  ///< "path/kohort.toml:line:column"
};

/// What kohort.toml says about one stream.
struct StreamConfig {
  std::string file;        ///< relative to the folder; "" = discover by name
  std::string file_where;  ///< where `file` (or `sqlite`) was written
  std::string sqlite;      ///< a SQLite file (relative to the folder) to read instead
  std::string postgresql;  ///< a PostgreSQL connection string (URL or key=value) to read instead
  std::string table;       ///< with sqlite or postgresql: the table to read whole
  std::string query;       ///< with sqlite or postgresql: a SELECT giving the stream's rows
  /// Whether `file` or `sqlite` may name a file outside the dataset folder (allow_outside =
  /// true). Without it such a path is refused: a kohort.toml cannot make a command read (and
  /// echo) any file on the machine.
  bool allow_outside = false;
  /// The field delimiter (`delimiter = ","`, `";"`, `"\t"` or `"tab"`, `"|"`, or
  /// `"whitespace"` for kWhitespace), or 0: detected from the header line.
  char delimiter = 0;
  std::vector<RoleOverride> roles;
  /// role name → time format, for time roles whose format is given (e.g. time_format).
  std::vector<std::pair<std::string, TimeFormat>> formats;
};

/// Per stream (indexed by events::Stream), parsed from a kohort.toml such as
///   [transactions]
///   file = "orders.csv"
///   customer = "Kundennummer"
///   time = "Datum"
///   time_format = "D/M/YYYY"
/// Keys are the stream's role names, `file` (inside the dataset folder unless `allow_outside =
/// true`), `delimiter`, and `<time role>_format` (iso, YYYYMMDD, epoch_s, epoch_ms, M/D/YYYY,
/// D/M/YYYY, or a strftime pattern such as "%Y-%m-%d %H:%M:%S %z"); or, instead of `file`, `sqlite = "shop.db"` or
/// `postgresql = "postgresql://user@host/db"` with `table = "orders"` or `query = "SELECT …"`. Fails with invalid_argument naming
/// kohort.toml:line:column for a syntax error, an unknown stream or key, or a bad value.
[[nodiscard]] Result<std::vector<StreamConfig>> read_dataset_config(const std::string& path);

/// Parses a time format name as written in kohort.toml.
[[nodiscard]] std::optional<TimeFormat> parse_time_format_name(std::string_view name);

}  // namespace kohort::io::internal
