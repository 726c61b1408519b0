// kohort/store/internal/sqlite_store.h — the SQLite backend of Store.
#pragma once

#include <memory>
#include <string>

#include "kohort/core/result.h"
#include "kohort/store/store.h"

namespace kohort::store::internal {

/// Opens (creating) the SQLite store at `path` and migrates it up to `schema_version`
/// (normally latest_schema_version(); tests ask for older ones). Errors as Store::open.
[[nodiscard]] Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                               int schema_version);

}  // namespace kohort::store::internal
