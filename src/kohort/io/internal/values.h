// kohort/io/internal/values.h — a cell's text as a value: NA, number, flag, email event, sentiment.
#pragma once

#include <cstddef>
#include <string_view>

#include "kohort/events/event_log.h"

namespace kohort::io::internal {

/// `s` without leading blanks and tabs, nor trailing blanks, tabs and carriage returns.
[[gnu::always_inline]] inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

/// True for an empty cell and the usual markers of a missing value (NA, N/A, na, null, NULL,
/// None, NaN, nan).
[[nodiscard]] bool is_na(std::string_view s);

/// Parses a finite number (an optional sign, decimal or scientific notation) into `v`;
/// false for anything else, infinities and NaN included.
[[nodiscard]] bool parse_number(std::string_view s, double& v);

/// Equality of `a`, ASCII letters folded to lower case, with `b` (lower case).
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

/// A yes/no value (1/0, true/false, yes/no, y/n, t/f, in any case) as 1 or 0.
inline bool parse_flag(std::string_view s, double& v) {
  if (s.size() == 1 && (s[0] == '0' || s[0] == '1')) return v = s[0] == '1' ? 1 : 0, true;
  for (std::string_view t : {"1", "true", "yes", "y", "t"})
    if (iequals(s, t)) return v = 1, true;
  for (std::string_view f : {"0", "false", "no", "n", "f"})
    if (iequals(s, f)) return v = 0, true;
  return false;
}

/// An email event (sent, open, click, unsubscribe, and their other forms) as its
/// events::EmailEvent code.
inline bool parse_email(std::string_view s, double& v) {
  struct E { std::string_view name; events::EmailEvent e; };
  constexpr E kNames[] = {
      {"sent", events::EmailEvent::sent},       {"send", events::EmailEvent::sent},
      {"delivered", events::EmailEvent::sent},  {"open", events::EmailEvent::open},
      {"opened", events::EmailEvent::open},     {"opens", events::EmailEvent::open},
      {"click", events::EmailEvent::click},     {"clicked", events::EmailEvent::click},
      {"clicks", events::EmailEvent::click},    {"unsubscribe", events::EmailEvent::unsubscribe},
      {"unsubscribed", events::EmailEvent::unsubscribe},
      {"unsub", events::EmailEvent::unsubscribe}};
  for (const E& e : kNames)
    if (iequals(s, e.name)) return v = static_cast<double>(e.e), true;
  return false;
}

/// A sentiment: a number, or negative, neutral, positive as -1, 0, 1.
inline bool parse_sentiment(std::string_view s, double& v) {
  if (parse_number(s, v)) return true;
  if (iequals(s, "negative")) return v = -1, true;
  if (iequals(s, "neutral")) return v = 0, true;
  if (iequals(s, "positive")) return v = 1, true;
  return false;
}

}  // namespace kohort::io::internal
