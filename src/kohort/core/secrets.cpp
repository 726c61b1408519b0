#include "kohort/core/secrets.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace kohort {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

// [begin, end) of each `password=` value in `s`: up to the next '&' or '#' in a URL query,
// or the next blank in a key=value string.
std::vector<std::pair<std::size_t, std::size_t>> password_values(std::string_view s, bool url) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t i = 0; i + 9 <= s.size(); ++i) {
    if (!starts_with_nocase(s.substr(i), "password")) continue;
    std::size_t j = i + 8;
    while (!url && j < s.size() && s[j] == ' ') ++j;
    if (j >= s.size() || s[j] != '=') continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '_')) continue;
    ++j;
    while (!url && j < s.size() && s[j] == ' ') ++j;
    std::size_t end = j;
    if (!url && end < s.size() && s[end] == '\'') {  // a quoted libpq value
      ++end;
      while (end < s.size() && s[end] != '\'') end += s[end] == '\\' ? 2 : 1;
      end = std::min(end + 1, s.size());
    } else {
      while (end < s.size() && (url ? s[end] != '&' && s[end] != '#' : s[end] != ' ')) ++end;
    }
    out.emplace_back(j, end);
    i = end;
  }
  return out;
}

// The user info's password: from the first ':' after "://" to the last '@' (npos if none).
std::pair<std::size_t, std::size_t> userinfo_password(std::string_view s) {
  const std::size_t scheme = s.find("://");
  if (scheme == std::string_view::npos) return {std::string_view::npos, 0};
  const std::size_t start = scheme + 3, at = s.rfind('@');
  if (at == std::string_view::npos || at < start) return {std::string_view::npos, 0};
  const std::size_t colon = s.find(':', start);
  if (colon == std::string_view::npos || colon > at) return {std::string_view::npos, 0};
  return {colon + 1, at};
}

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void replace_all(std::string& s, const std::string& what, std::string_view with) {
  if (what.empty()) return;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size()))
    s.replace(at, what.size(), with);
}

}  // namespace

std::string redact_url(std::string_view location) {
  const bool url = location.find("://") != std::string_view::npos;
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  if (url) {
    const auto pw = userinfo_password(location);
    if (pw.first != std::string_view::npos) spans.push_back(pw);
  }
  for (const auto& v : password_values(location, url))
    if (spans.empty() || v.first >= spans.front().second) spans.push_back(v);
  std::string out;
  std::size_t pos = 0;
  for (const auto& [b, e] : spans) {
    if (b < pos) continue;
    out.append(location.substr(pos, b - pos));
    out.append("***");
    pos = e;
  }
  out.append(location.substr(pos));
  return out;
}

std::string scrub_secrets(std::string_view message, std::string_view location) {
  std::string out(message);
  if (location.empty()) return out;
  replace_all(out, std::string(location), redact_url(location));
  std::vector<std::string> secrets;
  const bool url = location.find("://") != std::string_view::npos;
  if (url) {
    const auto pw = userinfo_password(location);
    if (pw.first != std::string_view::npos) secrets.emplace_back(location.substr(pw.first, pw.second - pw.first));
  }
  for (const auto& [b, e] : password_values(location, url)) secrets.emplace_back(location.substr(b, e - b));
  const std::size_t raw = secrets.size();
  for (std::size_t i = 0; i < raw; ++i) secrets.push_back(percent_decoded(secrets[i]));
  // Longest first, so that a secret holding another is replaced whole.
  std::sort(secrets.begin(), secrets.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& s : secrets)
    if (s != "***") replace_all(out, s, "***");
  return out;
}

std::string url_userinfo_problem(std::string_view location) {
  const std::size_t scheme = location.find("://");
  const std::size_t at = location.rfind('@');
  if (scheme == std::string_view::npos || at == std::string_view::npos || at < scheme + 3) return {};
  const std::string_view userinfo = location.substr(scheme + 3, at - scheme - 3);
  for (const char c : {'/', '?', '#', '[', ']', '@'})
    if (userinfo.find(c) != std::string_view::npos)
      return "the user name or password holds an unencoded '" + std::string(1, c) + "'; write it as %" +
             (c == '/' ? "2F" : c == '?' ? "3F" : c == '#' ? "23" : c == '[' ? "5B" : c == ']' ? "5D" : "40");
  return {};
}

std::string lower_url_scheme(std::string_view location) {
  std::string out(location);
  const std::size_t scheme = out.find("://");
  if (scheme == std::string::npos) return out;
  for (std::size_t i = 0; i < scheme; ++i) out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
  return out;
}

}  // namespace kohort
