// kohort/store/internal/location.h — telling store locations apart and hiding passwords.
#pragma once

#include <string>
#include <string_view>

namespace kohort::store::internal {

/// True for "postgresql://…" and "postgres://…" (case-insensitive scheme).
[[nodiscard]] bool is_postgres_url(std::string_view location);

/// The URL with the password of "user:password@" and any "password=" parameter replaced by
/// "***"; anything that is not a URL comes back unchanged.
[[nodiscard]] std::string redact(std::string_view location);

}  // namespace kohort::store::internal
