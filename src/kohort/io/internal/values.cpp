// kohort/io/internal/values.cpp — missing markers and numbers, with a fast path for plain decimals.

#include "kohort/io/internal/values.h"

#include <cmath>
#include <cstdint>
#include <system_error>

#include <fast_float/fast_float.h>

namespace kohort::io::internal {

namespace {

// A plain decimal ("12", "-7.94") of at most 15 digits, with digits on both sides of a point:
// the digits as an integer divided by a power of ten. Both are exact in a double, so the
// quotient is the correctly rounded value, the one fast_float gives. False for anything else.
[[gnu::always_inline]] inline bool plain_decimal(std::string_view s, double& v) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const std::size_t n = s.size();
  std::size_t i = 0;
  const bool negative = n > 0 && s[0] == '-';
  if (negative) i = 1;
  std::uint64_t m = 0;
  int digits = 0, fraction = -1;
  for (; i < n; ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      m = m * 10 + static_cast<std::uint64_t>(c - '0');
      ++digits;
      if (fraction >= 0) ++fraction;
    } else if (c == '.' && fraction < 0 && digits > 0) {
      fraction = 0;
    } else {
      return false;
    }
  }
  if (digits == 0 || digits > 15 || fraction == 0) return false;
  double x = static_cast<double>(m);
  if (fraction > 0) x /= kPow10[fraction];
  v = negative ? -x : x;
  return true;
}

}  // namespace

bool is_na(std::string_view s) {
  if (s.empty()) return true;
  const char c = s[0];
  if (c != 'N' && c != 'n') return false;  // fast path: numbers and dates
  return s == "NA" || s == "N/A" || s == "na" || s == "null" || s == "NULL" ||
         s == "None" || s == "NaN" || s == "nan";
}

bool parse_number(std::string_view s, double& v) {
  if (plain_decimal(s, v)) return true;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto r = fast_float::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(v);
}

}  // namespace kohort::io::internal
