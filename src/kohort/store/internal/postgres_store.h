// kohort/store/internal/postgres_store.h — the PostgreSQL backend of Store (libpq).
#pragma once

#include <memory>
#include <string>

#include "kohort/core/result.h"
#include "kohort/store/store.h"

namespace kohort::store::internal {

/// Connects to the server at `url` (libpq URI syntax) and migrates the store up to
/// `schema_version` (normally latest_schema_version(); tests ask for older ones).
/// Errors as Store::open.
[[nodiscard]] Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url,
                                                                 int schema_version);

}  // namespace kohort::store::internal
