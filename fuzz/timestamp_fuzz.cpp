// fuzz/timestamp_fuzz.cpp — every timestamp format on arbitrary text: a value or nothing, and an
// ISO 8601 instant read back from its own formatting is the same instant. The text is also
// read as a strftime-style pattern (on fixed values) and the column detector runs on it.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "kohort/core/time.h"
#include "kohort/io/internal/timestamp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using kohort::io::internal::TimeFormat;
  using kohort::io::internal::TimeKind;
  for (const auto k : {TimeKind::iso, TimeKind::yyyymmdd, TimeKind::epoch_s, TimeKind::epoch_ms, TimeKind::mdy,
                       TimeKind::dmy})
    (void)kohort::io::internal::parse_time(text, TimeFormat(k));
  TimeFormat pattern(TimeKind::pattern);
  pattern.pattern = std::string(text);
  for (std::string_view v : {"2023-01-07 18:57:51 +0000", "7 Jan 2023", "31.12.2024 23:59", "%"})
    (void)kohort::io::internal::parse_time(v, pattern);
  (void)kohort::io::internal::pattern_problem(text);
  std::size_t bad = 0;
  bool ambiguous = false;
  const std::string_view samples[] = {text};
  (void)kohort::io::internal::detect_time_format(samples, bad, ambiguous);
  if (const auto t = kohort::parse_iso8601(text)) {
    const auto back = kohort::parse_iso8601(kohort::format_datetime(*t));
    if (!back || *back != *t) __builtin_trap();
  }
  return 0;
}
