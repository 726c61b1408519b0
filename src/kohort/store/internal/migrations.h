// kohort/store/internal/migrations.h — the store's schema, as numbered migrations.
#pragma once

#include <span>
#include <string_view>

namespace kohort::store::internal {

/// One step of the schema. Migrations are applied in order, each in its own transaction
/// together with its row in schema_migrations. A released migration is never edited: a change
/// is a new migration. Both dialects describe the same tables and columns.
struct Migration {
  int version;
  std::string_view description;
  std::string_view sqlite_sql;    ///< statements separated by ';'
  std::string_view postgres_sql;  ///< statements separated by ';'
};

/// All migrations, by ascending version (1, 2, …, without gaps).
[[nodiscard]] std::span<const Migration> migrations();

/// The bookkeeping table, created before any migration runs (IF NOT EXISTS).
inline constexpr std::string_view kSqliteMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)";
inline constexpr std::string_view kPostgresMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())";

}  // namespace kohort::store::internal
