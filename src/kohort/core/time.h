// kohort/core/time.h — civil dates and instants (UTC), without the C library's time zone state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kohort {

/// An instant: seconds since 1970-01-01T00:00:00Z.
using Seconds = std::int64_t;
inline constexpr Seconds kSecondsPerDay = 86400;

/// Days since 1970-01-01 of the proleptic Gregorian date y-m-d (Howard Hinnant's algorithm).
/// REQUIRES: 1 ≤ m ≤ 12, 1 ≤ d ≤ 31.
[[nodiscard]] constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct CivilDate {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

/// Inverse of days_from_civil.
[[nodiscard]] CivilDate civil_from_days(std::int64_t days);

/// True when y-m-d names a real calendar day.
[[nodiscard]] bool valid_civil(std::int64_t y, unsigned m, unsigned d);

/// Parses "YYYY-MM-DD" or an ISO 8601 date-time ("YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH[:MM]]",
/// a space allowed instead of T). Returns the instant, or nullopt when the text is not one.
[[nodiscard]] std::optional<Seconds> parse_iso8601(std::string_view text);

/// The instant local midnight begins day `day` (days since 1970-01-01) in the IANA time zone
/// `zone` ("Europe/Berlin", "America/New_York"; "UTC" is UTC), from the system's zoneinfo
/// (/usr/share/zoneinfo). nullopt for a zone the system does not know. Sets and restores the
/// TZ environment variable: call it from one thread, as a command does while it starts.
[[nodiscard]] std::optional<Seconds> local_midnight(std::int64_t day, const std::string& zone);

/// "YYYY-MM-DD" of the day containing `t`.
[[nodiscard]] std::string format_date(Seconds t);
/// "YYYY-MM-DDTHH:MM:SSZ".
[[nodiscard]] std::string format_datetime(Seconds t);

/// Floor division of an instant to its day number.
[[nodiscard]] constexpr std::int64_t day_of(Seconds t) {
  return t >= 0 ? t / kSecondsPerDay : -((-t + kSecondsPerDay - 1) / kSecondsPerDay);
}

}  // namespace kohort
