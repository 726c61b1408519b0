#include "kohort/io/internal/sqlite_source.h"

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <string_view>

#include <fmt/format.h>

#include "kohort/core/text.h"

namespace kohort::io::internal {

Status read_sqlite_as_csv(const std::string& db, const std::string& table,
                          const std::string& query, const std::string& where, std::string& out) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(db, ec))
    return Status::not_found(where, fmt::format("SQLite file '{}' does not exist", db),
                             "check the sqlite path in kohort.toml");
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> conn(raw, sqlite3_close);
  if (rc != SQLITE_OK)
    return Status::io_error(db, fmt::format("cannot open SQLite file: {}",
                                            raw != nullptr ? sqlite3_errmsg(raw) : "out of memory"));
  std::string sql = query;
  if (sql.empty()) {
    std::string quoted;
    for (char c : table) {
      quoted.push_back(c);
      if (c == '"') quoted.push_back('"');
    }
    sql = "SELECT * FROM \"" + quoted + "\"";
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(conn.get(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    return Status::invalid_argument(where, fmt::format("SQLite: {}", sqlite3_errmsg(conn.get())),
                                    "check the table name or the query in kohort.toml");
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(st, sqlite3_finalize);
  const int cols = sqlite3_column_count(st);
  out.clear();
  for (int c = 0; c < cols; ++c) {
    if (c > 0) out.push_back(',');
    const char* name = sqlite3_column_name(st, c);
    append_csv_field(out, name != nullptr ? name : "");
  }
  out.push_back('\n');
  for (;;) {
    const int step = sqlite3_step(st);
    if (step == SQLITE_DONE) break;
    if (step != SQLITE_ROW)
      return Status::invalid_argument(where,
                                      fmt::format("SQLite: {}", sqlite3_errmsg(conn.get())),
                                      "check the query in kohort.toml");
    for (int c = 0; c < cols; ++c) {
      if (c > 0) out.push_back(',');
      if (sqlite3_column_type(st, c) == SQLITE_NULL) {
        if (cols == 1) out += "\"\"";  // a lone empty field would read as a blank line
        continue;
      }
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
      const int len = sqlite3_column_bytes(st, c);
      append_csv_field(out, std::string_view(text, static_cast<std::size_t>(len)));
    }
    out.push_back('\n');
  }
  return {};
}

}  // namespace kohort::io::internal
