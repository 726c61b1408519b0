// kohort/io/internal/timestamp.h — timestamp formats decided once per column.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "kohort/core/time.h"

namespace kohort::io::internal {

enum class TimeKind {
  iso,       ///< YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][ ][Z|UTC|GMT|±HH[:]MM] (also YYYY/MM/DD …):
             ///< ISO 8601 and the common exports that write it with blanks ("2023-01-07
             ///< 18:57:51 +0000", as Shopify does)
  yyyymmdd,  ///< 20240131
  epoch_s,   ///< seconds since 1970 (may have a fraction)
  epoch_ms,  ///< milliseconds since 1970
  mdy,       ///< M/D/YYYY [H:MM[:SS]] [AM|PM] (UCI Online Retail style)
  dmy,       ///< D/M/YYYY [H:MM[:SS]] [AM|PM]; also D.M.YYYY
  pattern,   ///< a strftime-style pattern (TimeFormat::pattern)
};

/// A column's time format: a kind, and for TimeKind::pattern its pattern. Patterns take
/// %Y %y %m %d %e %H %I %M %S %p %f (a fraction of a second) %z (±HH[:]MM or Z) %Z (UTC, GMT
/// or Z) %b %B (English month names, any case) %j (day of the year) %T (%H:%M:%S) %F
/// (%Y-%m-%d) and %%; a blank matches one or more blanks, any other character itself.
struct TimeFormat {
  TimeKind kind = TimeKind::iso;
  std::string pattern;

  TimeFormat() = default;
  TimeFormat(TimeKind k) : kind(k) {}  // NOLINT: a kind is a format
  [[nodiscard]] bool operator==(const TimeFormat& o) const { return kind == o.kind && pattern == o.pattern; }
};

/// "YYYY-MM-DD", "M/D/YYYY", the pattern, … as shown to users.
[[nodiscard]] std::string time_format_name(const TimeFormat& f);

/// Whether `pattern` is a strftime-style pattern parse_time() reads: at least a year, a month
/// (or a day of the year) and a day, and no directive it does not know. Else the reason.
[[nodiscard]] std::optional<std::string> pattern_problem(std::string_view pattern);

/// Parses one value in format f; nullopt when it does not match.
[[nodiscard]] std::optional<Seconds> parse_time(std::string_view text, const TimeFormat& f);

/// Decides a column's format from sample values (non-empty, in file order): the format of
/// the first value that parses in any known format (including month names: "7 Jan 2023",
/// "Jan 7, 2023", "07-Jan-2023"), refined by all samples (D/M when a first component exceeds
/// 12, epoch milliseconds when a value exceeds 1e11). nullopt when the first samples match no
/// format; `bad` then receives the index of the first such sample. `ambiguous` is set when the
/// format is M/D/YYYY only because no sample had a first component above 12 (nor D.M.YYYY's
/// dots): the reading taken must then be said.
[[nodiscard]] std::optional<TimeFormat> detect_time_format(std::span<const std::string_view> samples,
                                                           std::size_t& bad, bool& ambiguous);

}  // namespace kohort::io::internal
