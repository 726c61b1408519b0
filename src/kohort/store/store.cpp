#include "kohort/store/store.h"

#include "kohort/store/internal/location.h"
#include "kohort/store/internal/migrations.h"
#include "kohort/store/internal/sqlite_store.h"
#if KOHORT_WITH_POSTGRES
#include "kohort/store/internal/postgres_store.h"
#endif

namespace kohort::store {

int latest_schema_version() { return internal::migrations().back().version; }

std::string redact_location(const std::string& location) { return internal::redact(location); }

std::vector<std::string> store_files(const std::string& location) {
  if (location.empty() || internal::is_postgres_url(location)) return {};
  return {location, location + "-wal", location + "-shm", location + "-journal", location + ".lock"};
}

Result<std::unique_ptr<Store>> Store::open(const std::string& location) {
  if (location.empty()) {
    return Status::invalid_argument("store", "the store location is empty",
                                    "give a SQLite file path or a postgresql:// URL");
  }
  if (internal::is_postgres_url(location)) {
#if KOHORT_WITH_POSTGRES
    return internal::open_postgres_store(location, latest_schema_version());
#else
    return Status::unsupported(internal::redact(location),
                               "this kohort was built without PostgreSQL support",
                               "rebuild with -DKOHORT_WITH_POSTGRES=ON, or use a SQLite file");
#endif
  }
  return internal::open_sqlite_store(location, latest_schema_version());
}

}  // namespace kohort::store
