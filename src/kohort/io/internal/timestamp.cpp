#include "kohort/io/internal/timestamp.h"

#include <cmath>

#include <fast_float/fast_float.h>

namespace kohort::io::internal {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Reads 1..max_len digits at s[pos]; advances pos.
bool read_int(std::string_view s, std::size_t& pos, std::size_t max_len, int& out) {
  const std::size_t start = pos;
  int v = 0;
  while (pos < s.size() && pos - start < max_len && s[pos] >= '0' && s[pos] <= '9')
    v = v * 10 + (s[pos++] - '0');
  out = v;
  return pos > start;
}

// " H:MM[:SS] [AM|PM]" after a date, or nothing. Returns seconds of day.
std::optional<Seconds> parse_clock(std::string_view s, std::size_t pos) {
  if (pos == s.size()) return Seconds{0};
  if (s[pos] != ' ' && s[pos] != 'T') return std::nullopt;
  while (pos < s.size() && s[pos] == ' ') ++pos;
  if (pos < s.size() && s[pos] == 'T') ++pos;
  int h = 0, m = 0, sec = 0;
  if (!read_int(s, pos, 2, h) || pos >= s.size() || s[pos] != ':') return std::nullopt;
  ++pos;
  if (!read_int(s, pos, 2, m)) return std::nullopt;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!read_int(s, pos, 2, sec)) return std::nullopt;
  }
  while (pos < s.size() && s[pos] == ' ') ++pos;
  if (pos + 2 == s.size()) {
    const char a = static_cast<char>(s[pos] | 0x20), b = static_cast<char>(s[pos + 1] | 0x20);
    if (b != 'm' || (a != 'a' && a != 'p') || h < 1 || h > 12) return std::nullopt;
    if (h == 12) h = 0;
    if (a == 'p') h += 12;
    pos += 2;
  }
  if (pos != s.size() || h > 23 || m > 59 || sec > 60) return std::nullopt;
  return Seconds{h * 3600 + m * 60 + sec};
}

std::optional<Seconds> make(std::int64_t y, int m, int d, std::optional<Seconds> clock) {
  if (!clock || !valid_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)))
    return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * kSecondsPerDay +
         *clock;
}

// a/b/YYYY or a.b.YYYY: the two leading components and the year.
bool split_slash(std::string_view s, int& a, int& b, int& y, std::size_t& pos) {
  pos = 0;
  if (!read_int(s, pos, 2, a) || pos >= s.size() || (s[pos] != '/' && s[pos] != '.'))
    return false;
  const char sep = s[pos++];
  if (!read_int(s, pos, 2, b) || pos >= s.size() || s[pos] != sep) return false;
  ++pos;
  const std::size_t ys = pos;
  if (!read_int(s, pos, 4, y) || pos - ys != 4) return false;
  return true;
}

std::optional<double> number(std::string_view s) {
  double v = 0;
  const auto r = fast_float::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

}  // namespace

std::string_view time_format_name(TimeFormat f) {
  switch (f) {
    case TimeFormat::iso: return "YYYY-MM-DD[THH:MM:SS]";
    case TimeFormat::yyyymmdd: return "YYYYMMDD";
    case TimeFormat::epoch_s: return "epoch seconds";
    case TimeFormat::epoch_ms: return "epoch milliseconds";
    case TimeFormat::mdy: return "M/D/YYYY [H:MM]";
    case TimeFormat::dmy: return "D/M/YYYY [H:MM]";
  }
  return "YYYY-MM-DD";
}

std::optional<Seconds> parse_time(std::string_view s, TimeFormat f) {
  switch (f) {
    case TimeFormat::iso: {
      if (auto t = parse_iso8601(s)) return t;
      // YYYY/MM/DD [HH:MM[:SS]]
      std::size_t pos = 0;
      int y = 0, m = 0, d = 0;
      if (!read_int(s, pos, 4, y) || pos != 4 || pos >= s.size() || s[pos] != '/') return {};
      ++pos;
      if (!read_int(s, pos, 2, m) || pos >= s.size() || s[pos] != '/') return {};
      ++pos;
      if (!read_int(s, pos, 2, d)) return {};
      return make(y, m, d, parse_clock(s, pos));
    }
    case TimeFormat::yyyymmdd: {
      if (s.size() != 8 || !all_digits(s)) return {};
      const int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
      const int m = (s[4] - '0') * 10 + (s[5] - '0');
      const int d = (s[6] - '0') * 10 + (s[7] - '0');
      return make(y, m, d, Seconds{0});
    }
    case TimeFormat::epoch_s:
    case TimeFormat::epoch_ms: {
      auto v = number(s);
      if (!v) return {};
      const double secs = f == TimeFormat::epoch_ms ? *v / 1000.0 : *v;
      if (std::fabs(secs) > 1e13) return {};
      return static_cast<Seconds>(std::floor(secs));
    }
    case TimeFormat::mdy:
    case TimeFormat::dmy: {
      int a = 0, b = 0, y = 0;
      std::size_t pos = 0;
      if (!split_slash(s, a, b, y, pos)) return {};
      return f == TimeFormat::mdy ? make(y, a, b, parse_clock(s, pos))
                                  : make(y, b, a, parse_clock(s, pos));
    }
  }
  return {};
}

std::optional<TimeFormat> detect_time_format(std::span<const std::string_view> samples,
                                             std::size_t& bad) {
  bad = 0;
  std::optional<TimeFormat> base;
  for (std::size_t i = 0; i < samples.size() && !base; ++i) {
    const std::string_view s = samples[i];
    if (parse_time(s, TimeFormat::iso)) {
      base = TimeFormat::iso;
    } else if (parse_time(s, TimeFormat::yyyymmdd)) {
      base = TimeFormat::yyyymmdd;
    } else if (s.size() >= 9 && parse_time(s, TimeFormat::epoch_s)) {
      base = TimeFormat::epoch_s;
    } else if (parse_time(s, TimeFormat::mdy) || parse_time(s, TimeFormat::dmy)) {
      base = TimeFormat::mdy;
    }
  }
  if (!base) return std::nullopt;
  if (*base == TimeFormat::epoch_s) {
    for (std::string_view s : samples)
      if (auto v = number(s); v && std::fabs(*v) >= 1e11) return TimeFormat::epoch_ms;
    return base;
  }
  if (*base == TimeFormat::mdy) {
    for (std::string_view s : samples) {
      int a = 0, b = 0, y = 0;
      std::size_t pos = 0;
      if (!split_slash(s, a, b, y, pos)) continue;
      if (a > 12 && b <= 12) return TimeFormat::dmy;
    }
    for (std::string_view s : samples)
      if (s.find('.') != std::string_view::npos && s.find('/') == std::string_view::npos)
        return TimeFormat::dmy;  // D.M.YYYY is a European style
  }
  return base;
}

}  // namespace kohort::io::internal
