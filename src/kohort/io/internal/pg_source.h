// kohort/io/internal/pg_source.h — a PostgreSQL table or query streamed as CSV text.
#pragma once

#include <string>

#include "kohort/io/internal/compressed.h"

namespace kohort::io::internal {

/// True when Kohort was built with libpq (KOHORT_WITH_POSTGRES).
[[nodiscard]] bool postgres_available();

/// Connects to PostgreSQL with `conninfo` (a postgresql:// URL or "host=… dbname=…"; passwords
/// belong in PGPASSWORD or ~/.pgpass, not in kohort.toml) and starts
/// `COPY (SELECT * FROM table | query) TO STDOUT WITH (FORMAT csv, HEADER true)`, so the rows
/// arrive as RFC 4180 CSV with the column names on line 1 (NULL → empty field, timestamps in
/// PostgreSQL's ISO form) and go through the CSV reader like a file's. `reader` then pulls the
/// stream row by row: memory stays within the reader's window whatever the table's size.
/// A connection is given 10 s unless conninfo sets connect_timeout. `where` names the
/// kohort.toml key for errors. Fails with io_error naming `where` when the server cannot be
/// reached (libpq's message), invalid_argument for an SQL error (the server's message), and
/// unsupported when Kohort was built without libpq.
[[nodiscard]] Status open_postgres_copy(const std::string& conninfo, const std::string& table,
                                        const std::string& query, const std::string& where,
                                        StreamReader& reader);

}  // namespace kohort::io::internal
