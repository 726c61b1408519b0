// kohort/core/secrets.h — connection strings shown without their passwords, however they are
// written (well-formed or not), and messages scrubbed of them.
#pragma once

#include <string>
#include <string_view>

namespace kohort {

/// `location` fit for messages. A URL ("scheme://…") has the password of its user info — all
/// from the first ':' after "://" to the LAST '@', so that an unencoded '/', '@', '?' or '['
/// in the password cannot end it early — and the value of every `password=` parameter replaced
/// by "***"; a libpq key=value string has its `password=` values replaced. Anything else (a
/// file path) comes back unchanged. Over-redacts rather than leaks: when the last '@' is in
/// the query, text before it is hidden too. Total, never throws. O(size).
[[nodiscard]] std::string redact_url(std::string_view location);

/// `message` (say, an error a database driver wrote about `location`) with `location` itself
/// replaced by redact_url(location), and then every secret of it — the password as written,
/// percent-decoded, and any password= value — replaced by "***" wherever it still appears.
[[nodiscard]] std::string scrub_secrets(std::string_view message, std::string_view location);

/// Why the user info of URL `location` (from "://" to the last '@') is malformed — it holds a
/// character that RFC 3986 allows there only percent-encoded ('/', '?', '#', '[', ']', '@'),
/// which would end the user info early and put part of the password elsewhere — or "" when it
/// is well-formed (or there is none). The answer names the character and its encoding, never
/// the password.
[[nodiscard]] std::string url_userinfo_problem(std::string_view location);

/// A postgres URL with its scheme in lower case ("POSTGRESQL://" → "postgresql://"), which is
/// the only spelling libpq reads as a URL; other text unchanged.
[[nodiscard]] std::string lower_url_scheme(std::string_view location);

}  // namespace kohort
