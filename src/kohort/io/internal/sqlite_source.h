// kohort/io/internal/sqlite_source.h — a SQLite table or query as delimited text.
#pragma once

#include <string>

#include "kohort/core/status.h"

namespace kohort::io::internal {

/// Runs `SELECT * FROM "table"` (or `query` when it is not empty) on the SQLite file `db`,
/// opened read-only, and writes the result to `out` as RFC 4180 CSV: the column names on line
/// 1, then one line per row (NULL → empty field; numbers in SQLite's text form). The rows then
/// go through the CSV reader, so mapping, date formats and bad-row handling are the same as
/// for files. `where` names the kohort.toml key for errors. Fails with not_found when the
/// file does not exist, invalid_argument for an SQL error (naming SQLite's message).
[[nodiscard]] Status read_sqlite_as_csv(const std::string& db, const std::string& table,
                                        const std::string& query, const std::string& where,
                                        std::string& out);

}  // namespace kohort::io::internal
