#include "kohort/store/internal/location.h"

#include <cctype>

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

std::string redact(std::string_view location) {
  const std::size_t scheme_end = location.find("://");
  if (scheme_end == std::string_view::npos) return std::string(location);
  std::string out(location.substr(0, scheme_end + 3));
  std::string_view rest = location.substr(scheme_end + 3);
  // The authority ends at the first '/', '?' or '#'; a password may contain '@' only
  // percent-encoded, so the last '@' before that end closes the user info.
  const std::size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    const std::size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos) {
      out.append(userinfo.substr(0, colon));
      out.append(":***");
    } else {
      out.append(userinfo);
    }
    out.append(authority.substr(at));
  } else {
    out.append(authority);
  }
  if (authority_end == std::string_view::npos) return out;
  // Query parameters: password=… up to the next '&' or '#'.
  std::string_view tail = rest.substr(authority_end);
  std::size_t pos = 0;
  while (pos < tail.size()) {
    const std::size_t next = tail.find_first_of("?&", pos);
    if (next == std::string_view::npos) {
      out.append(tail.substr(pos));
      break;
    }
    out.append(tail.substr(pos, next + 1 - pos));
    pos = next + 1;
    if (starts_with_nocase(tail.substr(pos), "password=")) {
      out.append(tail.substr(pos, 9));
      out.append("***");
      const std::size_t end = tail.find_first_of("&#", pos);
      pos = end == std::string_view::npos ? tail.size() : end;
    }
  }
  return out;
}

}  // namespace kohort::store::internal
