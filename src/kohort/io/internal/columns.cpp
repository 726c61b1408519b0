// kohort/io/internal/columns.cpp — a stream's header: columns mapped to roles, time formats.

#include "kohort/io/internal/columns.h"

#include <algorithm>
#include <optional>
#include <span>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kohort/core/text.h"
#include "kohort/io/internal/convert.h"
#include "kohort/io/internal/csv_scan.h"
#include "kohort/io/internal/values.h"

namespace kohort::io::internal {

using events::Stream;

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += ", ";
    s += x;
  }
  return s;
}

std::string header_names(const std::vector<std::string>& header) {
  constexpr std::size_t kShown = 20;
  std::string s;
  for (std::size_t i = 0; i < header.size() && i < kShown; ++i) s += (i ? ", " : "") + printable(header[i], 40);
  if (header.size() > kShown) s += fmt::format(" … and {} more", header.size() - kShown);
  return s;
}

namespace {

constexpr std::size_t kTimeSamples = 200;

Status empty_file(const std::string& file, bool jsonl) {
  return Status::invalid_input(
      file, "file is empty; expected a header line naming the columns",
      jsonl ? "write one JSON object per line, e.g. {\"customer_id\": \"c1\", \"timestamp\": "
              "\"2024-01-31\", \"amount\": 12.5}"
            : "write the column names on line 1, e.g. customer_id,timestamp,amount");
}

std::string accepted_names(const RoleSpec& role) {
  std::string s;
  for (std::string_view a : role.aliases) {
    if (!s.empty()) s += ", ";
    s += a;
  }
  return s;
}

// A header read as one column whose text holds several names apart by blanks: the file is
// space-aligned, and the delimiter, not a missing column, is the problem.
bool blank_separated(const Plan& p) {
  if (p.jsonl || p.header.size() != 1 || p.delimiter == kWhitespace) return false;
  const std::string& h = p.header[0];
  const auto first = h.find_first_of(" \t"), last = h.find_last_not_of(" \t");
  return first != std::string::npos && last != std::string::npos && first < last;
}

Status missing_column(const Plan& p, const RoleSpec& role, std::string_view extra = {}) {
  if (blank_separated(p))
    return Status::invalid_input(
        p.file,
        fmt::format("the header is one column, '{}': its names are separated by spaces, not by a "
                    "comma, semicolon, tab or pipe, so no {} column was found",
                    printable(p.header[0], 60), role.name),
        fmt::format("read it as space-aligned columns: add delimiter = \"whitespace\" to [{}] in a "
                    "kohort.toml beside the data",
                    stream_name(p.stream)));
  return Status::invalid_input(
      p.file,
      fmt::format("no {} column in {}{}; the header has: {}; accepted names: {}", role.name,
                  stream_name(p.stream), extra, header_names(p.header), accepted_names(role)),
      fmt::format("rename the column to one of the accepted names, or map it in kohort.toml "
                  "beside the data: [{}] {} = \"<column>\"",
                  stream_name(p.stream), role.name));
}

// Builds the plan's mapping and requirements from the header.
Status map_columns(Plan& p) {
  p.roles = internal::stream_roles(p.stream);
  std::vector<int> forced;
  if (p.config != nullptr && !p.config->roles.empty()) {
    forced.assign(p.roles.size(), -1);
    for (const auto& ov : p.config->roles) {
      const int slot = internal::role_slot(p.stream, ov.role);
      int col = -1;
      for (std::size_t c = 0; c < p.header.size() && col < 0; ++c)
        if (p.header[c] == ov.column) col = static_cast<int>(c);
      for (std::size_t c = 0; c < p.header.size() && col < 0; ++c)
        if (internal::normalize_name(p.header[c]) == internal::normalize_name(ov.column))
          col = static_cast<int>(c);
      if (col < 0)
        return Status::invalid_argument(
            ov.where,
            fmt::format("{}.{} is mapped to column '{}', which {} does not have; the header "
                        "has: {}",
                        stream_name(p.stream), ov.role, printable(ov.column, 40), p.file, header_names(p.header)),
            "map the role to one of the header's columns");
      forced[static_cast<std::size_t>(slot)] = col;
    }
  }
  p.map = internal::infer_mapping(p.stream, p.header, forced);
  p.required.assign(p.roles.size(), false);
  for (std::size_t r = 0; r < p.roles.size(); ++r) p.required[r] = p.roles[r].required;
  if (p.stream == Stream::transactions && p.map.amount_from_price) {
    p.required[static_cast<std::size_t>(internal::role_slot(p.stream, "amount"))] = false;
    p.required[static_cast<std::size_t>(internal::role_slot(p.stream, "unit_price"))] = true;
    p.required[static_cast<std::size_t>(internal::role_slot(p.stream, "quantity"))] = true;
  }
  for (std::size_t r = 0; r < p.roles.size(); ++r) {
    if (!p.required[r] || p.map.column[r] >= 0) continue;
    if (p.roles[r].name == "amount")
      return missing_column(p, p.roles[r], " (nor unit price and quantity to derive it)");
    return missing_column(p, p.roles[r]);
  }
  return {};
}

// The last byte a record read by `rr` depended on: its terminating newline, or the end of the
// data when the record ran up to it (more data could have continued it).
std::size_t record_reach(const internal::RecordReader& rr, std::string_view data) {
  const std::size_t pos = rr.position();
  return pos > 0 && pos <= data.size() && data[pos - 1] == '\n' ? pos - 1 : data.size();
}

// Decides each time column's format from the first rows. `reach` grows to the last byte of
// `data` the decision looked at (data.size() when it wanted more than there was).
Status decide_time_formats(Plan& p, std::string_view data, std::size_t body, index_t body_line,
                           std::size_t& reach) {
  p.time_format.assign(p.roles.size(), TimeFormat(TimeKind::iso));
  p.time_ambiguous.assign(p.roles.size(), false);
  std::vector<std::size_t> slots;
  for (std::size_t r = 0; r < p.roles.size(); ++r) {
    if (p.roles[r].kind != Kind::time || p.map.column[r] < 0) continue;
    bool given = false;
    if (p.config != nullptr)
      for (const auto& [role, f] : p.config->formats)
        if (role == p.roles[r].name) {
          p.time_format[r] = f;
          given = true;
        }
    if (!given) slots.push_back(r);
  }
  if (slots.empty()) return {};
  struct Sample {
    std::string value;
    index_t line;
  };
  std::vector<std::vector<Sample>> samples(p.roles.size());
  auto take = [&](std::span<const std::string_view> fields, index_t line) {
    for (std::size_t r : slots) {
      const auto c = static_cast<std::size_t>(p.map.column[r]);
      if (c >= fields.size()) continue;
      const std::string_view v = trim(fields[c]);
      if (!is_na(v) && samples[r].size() < kTimeSamples)
        samples[r].push_back({std::string(v), line});
    }
  };
  if (p.jsonl) {
    JsonRow row;
    std::string why;
    std::size_t pos = body;
    index_t line = body_line;
    int n = 0;
    for (; pos < data.size() && n < static_cast<int>(kTimeSamples); ++line) {
      std::size_t e = data.find('\n', pos);
      if (e == std::string_view::npos) e = data.size();
      reach = std::max(reach, e);
      std::string_view text = trim(data.substr(pos, e - pos));
      if (!text.empty() && json_fields(p, text, row, why)) {
        take(row.views, line);
        ++n;
      }
      pos = e + 1;
    }
    if (n < static_cast<int>(kTimeSamples)) reach = data.size();
  } else {
    internal::RecordReader rr(data, body, data.size(), body_line, p.delimiter);
    for (std::size_t n = 0; n < kTimeSamples; ++n) {
      if (rr.next() != internal::RecordReader::Next::record) {
        reach = data.size();
        break;
      }
      reach = std::max(reach, record_reach(rr, data));
      if (rr.fields().size() == p.header.size()) take(rr.fields(), rr.line());
    }
  }
  for (std::size_t r : slots) {
    if (samples[r].empty()) continue;
    std::vector<std::string_view> views;
    for (const auto& s : samples[r]) views.push_back(s.value);
    std::size_t bad = 0;
    bool ambiguous = false;
    auto f = internal::detect_time_format(views, bad, ambiguous);
    p.time_ambiguous[r] = ambiguous;
    if (!f) {
      const auto c = p.map.column[r];
      return Status::invalid_input(
          where(p, samples[r][bad].line, p.jsonl ? 0 : c + 1),
          fmt::format("unknown date format: {} '{}'", printable(p.header[static_cast<std::size_t>(c)], 40),
                      printable(samples[r][bad].value, 60)),
          fmt::format("use ISO 8601 (2024-01-31 or 2024-01-31T08:26:00Z), YYYYMMDD, epoch "
                      "seconds or milliseconds, M/D/YYYY H:MM or D/M/YYYY, or set the format in "
                      "kohort.toml: [{}] {}_format = \"D/M/YYYY\" or a pattern such as \"%d.%m.%Y %H:%M\"",
                      stream_name(p.stream), p.roles[r].name));
    }
    p.time_format[r] = *f;
  }
  return {};
}

}  // namespace

Status read_header(Plan& p, const std::string& file, std::string_view data, std::size_t& body,
                   index_t& body_line, std::size_t& reach) {
  reach = 0;
  p.header.clear();
  std::size_t pos = internal::bom_length(data);
  index_t line = 1;
  // Leading blank lines belong to no record.
  while (pos < data.size() && (data[pos] == '\n' || data[pos] == '\r' || data[pos] == ' ')) {
    if (data[pos] == '\n') ++line;
    ++pos;
  }
  if (pos >= data.size()) {
    reach = data.size();
    return empty_file(file, p.jsonl);
  }
  if (p.jsonl) {
    std::size_t e = data.find('\n', pos);
    if (e == std::string_view::npos) e = data.size();
    reach = e;
    const std::string first = to_utf8(trim(data.substr(pos, e - pos)));
    const auto j = nlohmann::ordered_json::parse(first.begin(), first.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return Status::invalid_input(where(p, line, 0), "line is not a JSON object",
                                   "write one JSON object per line");
    for (const auto& [key, value] : j.items()) p.header.push_back(key);
    body = pos;  // the first object is also the first row
    body_line = line;
  } else {
    std::size_t e = data.find('\n', pos);
    reach = e == std::string_view::npos ? data.size() : e;
    p.delimiter = p.config != nullptr && p.config->delimiter != 0
                      ? p.config->delimiter
                      : internal::detect_delimiter(
                            data.substr(pos, e == std::string_view::npos ? data.size() - pos : e - pos));
    if (p.delimiter == '\0') p.delimiter = ',';
    internal::RecordReader rr(data, pos, data.size(), line, p.delimiter);
    const auto nx = rr.next();
    // A quote still open at the end of the data may close in the bytes that follow, even when
    // the data happens to end with a newline.
    reach =
        std::max(reach, nx == internal::RecordReader::Next::unterminated ? data.size()
                                                                         : record_reach(rr, data));
    if (nx == internal::RecordReader::Next::unterminated)
      return Status::invalid_input(where(p, rr.quote_line(), rr.quote_column()),
                                   "quoted field is not closed before the end of the file",
                                   "close the quote; a quote inside a quoted field is written "
                                   "twice (\"\")");
    p.header_recoded = 0;
    for (auto f : rr.fields()) {
      const std::string_view name = trim(f);
      p.header_recoded += is_utf8(name) ? 0 : 1;
      p.header.push_back(to_utf8(name));
    }
    body = rr.position();
    body_line = rr.next_line();
    if (p.header.size() == 1) {
      internal::RecordReader peek(data, body, data.size(), body_line, p.delimiter);
      const auto pn = peek.next();
      reach = std::max(reach, pn == internal::RecordReader::Next::record
                                  ? record_reach(peek, data)
                                  : data.size());
      if (pn == internal::RecordReader::Next::record) {
        const char d = internal::detect_delimiter(peek.raw());
        if (d != '\0') {
          const auto n = std::count(peek.raw().begin(), peek.raw().end(), d) + 1;
          return Status::invalid_input(
              where(p, peek.line(), 0),
              fmt::format("the header has one column ('{}') but line {} has {} fields "
                          "separated by '{}'",
                          printable(p.header[0], 40), peek.line(), n,
                          d == '\t' ? std::string("\\t") : std::string(1, d)),
              "write the header with the same delimiter as the rows (comma, tab, semicolon "
              "or pipe)");
        }
      }
    }
  }
  KOHORT_RETURN_IF_ERROR(map_columns(p));
  return decide_time_formats(p, data, body, body_line, reach);
}

}  // namespace kohort::io::internal
