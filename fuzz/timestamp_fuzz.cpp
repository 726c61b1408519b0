// fuzz/timestamp_fuzz.cpp — every timestamp format on arbitrary text: a value or nothing, and an
// ISO 8601 instant read back from its own formatting is the same instant.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kohort/core/time.h"
#include "kohort/io/internal/timestamp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using kohort::io::internal::TimeFormat;
  for (const auto f : {TimeFormat::iso, TimeFormat::yyyymmdd, TimeFormat::epoch_s, TimeFormat::epoch_ms,
                       TimeFormat::mdy, TimeFormat::dmy})
    (void)kohort::io::internal::parse_time(text, f);
  if (const auto t = kohort::parse_iso8601(text)) {
    const auto back = kohort::parse_iso8601(kohort::format_datetime(*t));
    if (!back || *back != *t) __builtin_trap();
  }
  return 0;
}
