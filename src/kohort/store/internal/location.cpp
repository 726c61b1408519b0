#include "kohort/store/internal/location.h"

#include <cctype>

#include "kohort/core/secrets.h"

namespace kohort::store::internal {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

bool is_postgres_url(std::string_view location) {
  return starts_with_nocase(location, "postgresql://") || starts_with_nocase(location, "postgres://");
}

std::string redact(std::string_view location) { return redact_url(location); }

}  // namespace kohort::store::internal
