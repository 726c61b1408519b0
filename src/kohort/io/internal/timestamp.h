// kohort/io/internal/timestamp.h — timestamp formats decided once per column.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "kohort/core/time.h"

namespace kohort::io::internal {

enum class TimeFormat {
  iso,          ///< YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM] (also YYYY/MM/DD [HH:MM[:SS]])
  yyyymmdd,     ///< 20240131
  epoch_s,      ///< seconds since 1970 (may have a fraction)
  epoch_ms,     ///< milliseconds since 1970
  mdy,          ///< M/D/YYYY [H:MM[:SS]] [AM|PM] (UCI Online Retail style)
  dmy,          ///< D/M/YYYY [H:MM[:SS]] [AM|PM]; also D.M.YYYY
};

/// "YYYY-MM-DD", "M/D/YYYY", … as shown to users.
[[nodiscard]] std::string_view time_format_name(TimeFormat f);

/// Parses one value in format f; nullopt when it does not match.
[[nodiscard]] std::optional<Seconds> parse_time(std::string_view text, TimeFormat f);

/// Decides a column's format from sample values (non-empty, in file order): the format of
/// the first value that parses in any format, refined by all samples (D/M when a first
/// component exceeds 12, epoch milliseconds when a value exceeds 1e11). nullopt when the
/// first samples match no format; `bad` then receives the index of the first such sample.
[[nodiscard]] std::optional<TimeFormat> detect_time_format(std::span<const std::string_view> samples,
                                                           std::size_t& bad);

}  // namespace kohort::io::internal
