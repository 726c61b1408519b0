// kohort/sim/internal/text.h — fast CSV text: a growable byte buffer and number writers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "kohort/core/time.h"

namespace kohort::sim::internal {

/// A growable byte buffer written through raw pointers: line(max) returns a pointer with room
/// for `max` bytes, commit(end) keeps the bytes up to `end`. Growth doubles, so appending is
/// amortised O(1); clear() keeps the capacity.
class OutBuffer {
 public:
  char* line(std::size_t max) {
    if (size_ + max > data_.size()) data_.resize(std::max(data_.size() * 2, size_ + max + 4096));
    return data_.data() + size_;
  }
  void commit(const char* end) { size_ = static_cast<std::size_t>(end - data_.data()); }
  void append(std::string_view s) {
    char* p = line(s.size());
    std::memcpy(p, s.data(), s.size());
    commit(p + s.size());
  }
  void clear() { size_ = 0; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::string_view view() const { return {data_.data(), size_}; }
  /// Replaces the contents with `bytes`.
  void assign(const char* bytes, std::size_t n) {
    clear();
    char* p = line(n);
    std::memcpy(p, bytes, n);
    commit(p + n);
  }
  /// Frees the memory (for a buffer replaced by its compressed form).
  void release() {
    std::vector<char>().swap(data_);
    size_ = 0;
  }
  std::vector<char>& storage() { return data_; }
  void set_size(std::size_t n) { size_ = n; }

 private:
  std::vector<char> data_;
  std::size_t size_ = 0;
};

inline char* put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}
inline char* put(char* p, char c) {
  *p = c;
  return p + 1;
}

/// Decimal digits of v, no sign, no padding.
inline char* put_uint(char* p, std::uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}

/// v as exactly `width` digits, zero-padded. REQUIRES: v < 10^width.
inline char* put_padded(char* p, std::uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

/// An amount in hundredths as "123.45" ("-0.05" for negatives).
inline char* put_cents(char* p, std::int64_t cents) {
  if (cents < 0) {
    *p++ = '-';
    cents = -cents;
  }
  const auto c = static_cast<std::uint64_t>(cents);
  p = put_uint(p, c / 100);
  *p++ = '.';
  return put_padded(p, c % 100, 2);
}

/// x rounded to 2 decimals.
inline char* put_fixed2(char* p, double x) {
  return put_cents(p, static_cast<std::int64_t>(std::llround(x * 100.0)));
}

/// Day strings "YYYY-MM-DD" for a range of day numbers, so that formatting an instant costs
/// a copy and three two-digit writes. Days outside the range are formatted directly.
class DayTable {
 public:
  DayTable(std::int64_t first_day, std::int64_t last_day) : first_(first_day) {
    const auto n = static_cast<std::size_t>(last_day - first_day + 1);
    text_.resize(n * 10);
    for (std::size_t i = 0; i < n; ++i)
      write_date(&text_[i * 10], first_ + static_cast<std::int64_t>(i));
  }
  /// "YYYY-MM-DD" of day number `day`.
  char* put_date(char* p, std::int64_t day) const {
    const std::int64_t i = day - first_;
    if (i >= 0 && static_cast<std::size_t>(i) * 10 < text_.size()) {
      std::memcpy(p, &text_[static_cast<std::size_t>(i) * 10], 10);
      return p + 10;
    }
    write_date(p, day);
    return p + 10;
  }
  /// "YYYY-MM-DDTHH:MM:SSZ" of instant t.
  char* put_datetime(char* p, Seconds t) const {
    const std::int64_t day = day_of(t);
    const auto s = static_cast<std::uint64_t>(t - day * kSecondsPerDay);
    p = put_date(p, day);
    *p++ = 'T';
    p = put_padded(p, s / 3600, 2);
    *p++ = ':';
    p = put_padded(p, s / 60 % 60, 2);
    *p++ = ':';
    p = put_padded(p, s % 60, 2);
    *p++ = 'Z';
    return p;
  }

 private:
  static void write_date(char* p, std::int64_t day) {
    const CivilDate c = civil_from_days(day);
    const std::int64_t y = c.year < 0 ? 0 : (c.year > 9999 ? 9999 : c.year);
    p = put_padded(p, static_cast<std::uint64_t>(y), 4);
    *p++ = '-';
    p = put_padded(p, c.month, 2);
    *p++ = '-';
    put_padded(p, c.day, 2);
  }
  std::int64_t first_;
  std::vector<char> text_;
};

}  // namespace kohort::sim::internal
