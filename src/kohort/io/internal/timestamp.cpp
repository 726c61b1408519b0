#include "kohort/io/internal/timestamp.h"

#include <array>
#include <cctype>
#include <cmath>

#include <fast_float/fast_float.h>
#include <fmt/format.h>

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

bool is_blank(char c) { return c == ' ' || c == '\t'; }

void skip_blanks(std::string_view s, std::size_t& pos) {
  while (pos < s.size() && is_blank(s[pos])) ++pos;
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

// A zone at s[pos]: Z, UTC, GMT, or ±HH[[:]MM]; its offset east of UTC in seconds.
bool read_zone(std::string_view s, std::size_t& pos, Seconds& offset) {
  offset = 0;
  if (pos >= s.size()) return false;
  const auto upper = [&](std::size_t i) { return static_cast<char>(std::toupper(static_cast<unsigned char>(s[i]))); };
  if (upper(pos) == 'Z') {
    ++pos;
    return true;
  }
  if (pos + 3 <= s.size() && ((upper(pos) == 'U' && upper(pos + 1) == 'T' && upper(pos + 2) == 'C') ||
                              (upper(pos) == 'G' && upper(pos + 1) == 'M' && upper(pos + 2) == 'T'))) {
    pos += 3;
    return true;
  }
  if (s[pos] != '+' && s[pos] != '-') return false;
  const int sign = s[pos] == '-' ? -1 : 1;
  std::size_t p = pos + 1;
  int h = 0, m = 0;
  const std::size_t hs = p;
  if (!read_int(s, p, 2, h) || p - hs != 2) return false;
  if (p < s.size() && s[p] == ':') ++p;
  const std::size_t ms = p;
  if (read_int(s, p, 2, m) && p - ms != 2) return false;
  if (h > 23 || m > 59) return false;
  offset = sign * (h * 3600 + m * 60);
  pos = p;
  return true;
}

// YYYY-MM-DD or YYYY/MM/DD, then optionally a clock after 'T' or blanks (HH:MM[:SS[.fff]]),
// then optionally blanks and a zone: ISO 8601 as exports write it.
std::optional<Seconds> parse_loose_iso(std::string_view s) {
  std::size_t pos = 0;
  int y = 0, m = 0, d = 0;
  if (!read_int(s, pos, 4, y) || pos != 4 || pos >= s.size() || (s[pos] != '-' && s[pos] != '/')) return {};
  const char sep = s[pos++];
  if (!read_int(s, pos, 2, m) || pos >= s.size() || s[pos] != sep) return {};
  ++pos;
  if (!read_int(s, pos, 2, d)) return {};
  Seconds clock = 0, offset = 0;
  if (pos < s.size()) {
    if (s[pos] == 'T') ++pos;
    else skip_blanks(s, pos);
    int hh = 0, mm = 0, ss = 0;
    const std::size_t hs = pos;
    if (!read_int(s, pos, 2, hh) || pos - hs != 2 || pos >= s.size() || s[pos] != ':') return {};
    ++pos;
    if (!read_int(s, pos, 2, mm)) return {};
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!read_int(s, pos, 2, ss)) return {};
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
      }
    }
    if (hh > 23 || mm > 59 || ss > 60) return {};
    clock = hh * 3600 + mm * 60 + ss;
    skip_blanks(s, pos);
    if (pos < s.size() && !read_zone(s, pos, offset)) return {};
    if (pos != s.size()) return {};
  }
  const auto t = make(y, m, d, clock);
  if (!t) return {};
  return *t - offset;
}

constexpr std::array<std::string_view, 12> kMonths = {"january", "february", "march",     "april",
                                                       "may",     "june",     "july",      "august",
                                                       "september", "october", "november", "december"};

// An English month name (full or its first three letters, any case) at s[pos].
bool read_month_name(std::string_view s, std::size_t& pos, int& month) {
  for (std::size_t k = 0; k < kMonths.size(); ++k) {
    const std::string_view full = kMonths[k];
    for (const std::size_t len : {full.size(), std::size_t{3}}) {
      if (pos + len > s.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < len && same; ++i)
        same = std::tolower(static_cast<unsigned char>(s[pos + i])) == full[i];
      if (!same) continue;
      // "Sept" is a common short form of September.
      pos += len;
      if (k == 8 && len == 3 && pos < s.size() && (s[pos] | 0x20) == 't') ++pos;
      month = static_cast<int>(k) + 1;
      return true;
    }
  }
  return false;
}

struct Parts {
  std::int64_t year = -1;
  int month = -1, day = -1, yday = -1, hour = 0, minute = 0, second = 0;
  int pm = -1;  // -1 none, 0 AM, 1 PM
  Seconds offset = 0;
};

// Matches `s` against a strftime-style pattern; false when it does not match.
bool match(std::string_view pat, std::string_view s, std::size_t& pos, Parts& p) {
  for (std::size_t i = 0; i < pat.size(); ++i) {
    const char c = pat[i];
    if (c == ' ') {
      if (pos >= s.size() || !is_blank(s[pos])) return false;
      skip_blanks(s, pos);
      continue;
    }
    if (c != '%' || i + 1 >= pat.size()) {
      if (pos >= s.size() || s[pos] != c) return false;
      ++pos;
      continue;
    }
    const char d = pat[++i];
    int v = 0;
    const std::size_t start = pos;
    switch (d) {
      case 'Y':
        if (!read_int(s, pos, 4, v) || pos - start != 4) return false;
        p.year = v;
        break;
      case 'y':
        if (!read_int(s, pos, 2, v) || pos - start != 2) return false;
        p.year = v < 69 ? 2000 + v : 1900 + v;  // POSIX
        break;
      case 'm':
        if (!read_int(s, pos, 2, p.month)) return false;
        break;
      case 'e':
        skip_blanks(s, pos);
        [[fallthrough]];
      case 'd':
        if (!read_int(s, pos, 2, p.day)) return false;
        break;
      case 'j':
        if (!read_int(s, pos, 3, p.yday)) return false;
        break;
      case 'H':
      case 'I':
        if (!read_int(s, pos, 2, p.hour)) return false;
        if (d == 'I' && p.pm < 0) p.pm = 0;
        break;
      case 'M':
        if (!read_int(s, pos, 2, p.minute)) return false;
        break;
      case 'S':
        if (!read_int(s, pos, 2, p.second)) return false;
        break;
      case 'f':
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
        if (pos == start) return false;
        break;
      case 'p':
        if (pos + 2 > s.size() || (s[pos + 1] | 0x20) != 'm' || ((s[pos] | 0x20) != 'a' && (s[pos] | 0x20) != 'p'))
          return false;
        p.pm = (s[pos] | 0x20) == 'p' ? 1 : 0;
        pos += 2;
        break;
      case 'z':
      case 'Z':
        if (!read_zone(s, pos, p.offset)) return false;
        break;
      case 'b':
      case 'B':
      case 'h':
        if (!read_month_name(s, pos, p.month)) return false;
        break;
      case 'T':
        if (!match("%H:%M:%S", s, pos, p)) return false;
        break;
      case 'F':
        if (!match("%Y-%m-%d", s, pos, p)) return false;
        break;
      case '%':
        if (pos >= s.size() || s[pos] != '%') return false;
        ++pos;
        break;
      default: return false;
    }
  }
  return true;
}

std::optional<Seconds> parse_pattern(std::string_view s, std::string_view pat) {
  Parts p;
  std::size_t pos = 0;
  if (!match(pat, s, pos, p) || pos != s.size() || p.year < 0) return {};
  int hour = p.hour;
  if (p.pm >= 0) {
    if (hour < 1 || hour > 12) return {};
    hour = hour % 12 + (p.pm == 1 ? 12 : 0);
  }
  if (hour > 23 || p.minute > 59 || p.second > 60) return {};
  const Seconds clock = hour * 3600 + p.minute * 60 + p.second;
  std::int64_t days = 0;
  if (p.yday > 0) {
    const bool leap = (p.year % 4 == 0 && p.year % 100 != 0) || p.year % 400 == 0;
    if (p.yday > (leap ? 366 : 365)) return {};
    days = days_from_civil(p.year, 1, 1) + p.yday - 1;
  } else {
    if (!valid_civil(p.year, static_cast<unsigned>(p.month), static_cast<unsigned>(p.day))) return {};
    days = days_from_civil(p.year, static_cast<unsigned>(p.month), static_cast<unsigned>(p.day));
  }
  return days * kSecondsPerDay + clock - p.offset;
}

// Month-name dates found in exports (with or without a time), tried when no numeric format
// reads a column.
constexpr std::array<std::string_view, 12> kNamedMonthPatterns = {
    "%d %b %Y",   "%d %b %Y %H:%M",   "%d %b %Y %H:%M:%S",   "%b %d, %Y", "%b %d, %Y %H:%M",
    "%b %d, %Y %H:%M:%S", "%d-%b-%Y", "%d-%b-%Y %H:%M", "%d-%b-%Y %H:%M:%S", "%b %d %Y",
    "%b %d, %Y %I:%M %p", "%d %b %Y %I:%M %p"};

}  // namespace

std::string time_format_name(const TimeFormat& f) {
  switch (f.kind) {
    case TimeKind::iso: return "YYYY-MM-DD[THH:MM:SS]";
    case TimeKind::yyyymmdd: return "YYYYMMDD";
    case TimeKind::epoch_s: return "epoch seconds";
    case TimeKind::epoch_ms: return "epoch milliseconds";
    case TimeKind::mdy: return "M/D/YYYY [H:MM]";
    case TimeKind::dmy: return "D/M/YYYY [H:MM]";
    case TimeKind::pattern: return f.pattern;
  }
  return "YYYY-MM-DD";
}

std::optional<std::string> pattern_problem(std::string_view pat) {
  bool year = false, month = false, day = false;
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (pat[i] != '%') continue;
    if (i + 1 >= pat.size()) return std::string("it ends with a lone %");
    const char d = pat[++i];
    if (std::string_view("YymdejHIMSfpzZbBhTF%").find(d) == std::string_view::npos)
      return fmt::format("%{} is not a directive Kohort reads", d);
    year = year || d == 'Y' || d == 'y' || d == 'F';
    month = month || d == 'm' || d == 'b' || d == 'B' || d == 'h' || d == 'F' || d == 'j';
    day = day || d == 'd' || d == 'e' || d == 'F' || d == 'j';
  }
  if (!year || !month || !day) return std::string("it needs a year, a month and a day (%Y, %m or %b, %d)");
  return std::nullopt;
}

std::optional<Seconds> parse_time(std::string_view s, const TimeFormat& f) {
  switch (f.kind) {
    case TimeKind::iso: {
      if (auto t = parse_iso8601(s)) return t;
      return parse_loose_iso(s);
    }
    case TimeKind::yyyymmdd: {
      if (s.size() != 8 || !all_digits(s)) return {};
      const int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
      const int m = (s[4] - '0') * 10 + (s[5] - '0');
      const int d = (s[6] - '0') * 10 + (s[7] - '0');
      return make(y, m, d, Seconds{0});
    }
    case TimeKind::epoch_s:
    case TimeKind::epoch_ms: {
      auto v = number(s);
      if (!v) return {};
      const double secs = f.kind == TimeKind::epoch_ms ? *v / 1000.0 : *v;
      if (std::fabs(secs) > 1e13) return {};
      return static_cast<Seconds>(std::floor(secs));
    }
    case TimeKind::mdy:
    case TimeKind::dmy: {
      int a = 0, b = 0, y = 0;
      std::size_t pos = 0;
      if (!split_slash(s, a, b, y, pos)) return {};
      return f.kind == TimeKind::mdy ? make(y, a, b, parse_clock(s, pos)) : make(y, b, a, parse_clock(s, pos));
    }
    case TimeKind::pattern: return parse_pattern(s, f.pattern);
  }
  return {};
}

std::optional<TimeFormat> detect_time_format(std::span<const std::string_view> samples, std::size_t& bad,
                                             bool& ambiguous) {
  bad = 0;
  ambiguous = false;
  std::optional<TimeFormat> base;
  for (std::size_t i = 0; i < samples.size() && !base; ++i) {
    const std::string_view s = samples[i];
    if (parse_time(s, TimeKind::iso)) {
      base = TimeKind::iso;
    } else if (parse_time(s, TimeKind::yyyymmdd)) {
      base = TimeKind::yyyymmdd;
    } else if (s.size() >= 9 && parse_time(s, TimeKind::epoch_s)) {
      base = TimeKind::epoch_s;
    } else if (parse_time(s, TimeKind::mdy) || parse_time(s, TimeKind::dmy)) {
      base = TimeKind::mdy;
    } else {
      for (std::string_view pat : kNamedMonthPatterns)
        if (parse_pattern(s, pat)) {
          TimeFormat f(TimeKind::pattern);
          f.pattern = std::string(pat);
          base = f;
          break;
        }
    }
  }
  if (!base) return std::nullopt;
  if (base->kind == TimeKind::epoch_s) {
    for (std::string_view s : samples)
      if (auto v = number(s); v && std::fabs(*v) >= 1e11) return TimeFormat(TimeKind::epoch_ms);
    return base;
  }
  if (base->kind == TimeKind::mdy) {
    for (std::string_view s : samples) {
      int a = 0, b = 0, y = 0;
      std::size_t pos = 0;
      if (!split_slash(s, a, b, y, pos)) continue;
      if (a > 12 && b <= 12) return TimeFormat(TimeKind::dmy);
    }
    for (std::string_view s : samples)
      if (s.find('.') != std::string_view::npos && s.find('/') == std::string_view::npos)
        return TimeFormat(TimeKind::dmy);  // D.M.YYYY is a European style
    // Day and month both ≤ 12 in every sample: the reading taken must be said. (When every
    // sample has equal components, 1/1/2024, both readings agree and nothing is ambiguous.)
    for (std::string_view s : samples) {
      int a = 0, b = 0, y = 0;
      std::size_t pos = 0;
      if (split_slash(s, a, b, y, pos) && a != b) ambiguous = true;
    }
  }
  return base;
}

}  // namespace kohort::io::internal
