// kohort/io/internal/convert.cpp — a chunk's rows into columns (or partitions), a batch at a time.

#include "kohort/io/internal/convert.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kohort/core/text.h"
#include "kohort/io/internal/values.h"

namespace kohort::io::internal {

std::string where(const Plan& p, index_t line, int column) {
  if (column <= 0) return fmt::format("{}:{}", p.file, line);
  return fmt::format("{}:{}:{}", p.file, line, column);
}

void init_chunk(const Plan& p, ChunkOut& out) {
  const std::size_t r = p.roles.size();
  out.cols.resize(r);
  for (ColumnData& c : out.cols) {
    c.num.clear();
    c.f32.clear();
    c.u8.clear();
    c.time.clear();
    c.code.clear();
    c.key.clear();
  }
  out.dicts.assign(r, LocalDict{});
  out.customers = LocalDict{};
  out.hash.clear();
  out.missing.assign(r, 0);
  out.invalid.assign(r, 0);
  out.rejects.clear();
  out.rows_read = 0;
  out.error.reset();
  out.irregular = false;
  out.pending.resize(r);
  for (auto& pend : out.pending) pend.clear();
  out.prev_value.assign(r, std::string_view());
  out.prev_code.assign(r, -1);
  out.pending_rows = 0;
  out.routed.clear();
  out.max_time = events::kMissingTime;
  out.value_counts.clear();
  if (p.partitions > 0) out.value_counts.resize(r);
  out.after_now = out.before_floor = 0;
  out.check_utf8 = false;
  out.recoded.clear();
  out.recoded_cells = 0;
  out.recoded_first.clear();
}

namespace {

const char* const kRowHint =
    "fix the value, or pass --on-error=skip to leave such rows out or --on-error=quarantine to "
    "write them to a rejects file";

// The key of a keyed value (never 0, which marks a missing one).
std::uint64_t value_key(std::string_view v) {
  const std::uint64_t h = internal::hash_bytes(v);
  return h == 0 ? 1 : h;
}

// Records a bad row. Under fail it becomes the chunk's error.
void reject(const Plan& p, ChunkOut& out, index_t line, int column, int role, std::string reason,
            std::string_view raw) {
  if (role >= 0) ++out.invalid[static_cast<std::size_t>(role)];
  if (p.on_error == OnError::fail) {
    if (out.error) return;
    std::string hint = kRowHint;
    if (role >= 0 && p.roles[static_cast<std::size_t>(role)].kind == Kind::time)
      hint = fmt::format("fix the value, or set the column's date format in kohort.toml ([{}] "
                         "{}_format = \"D/M/YYYY\"), or pass --on-error=skip to leave such rows "
                         "out or --on-error=quarantine to write them to a rejects file",
                         stream_name(p.stream), p.roles[static_cast<std::size_t>(role)].name);
    out.error = Status::invalid_input(where(p, line, column), reason, std::move(hint));
    return;
  }
  out.rejects.push_back({line, column, std::move(reason), std::string(raw)});
}


// Why a row has the wrong number of fields, and where.
[[gnu::cold]] std::string field_count_reason(std::size_t fields, std::size_t header) {
  return fmt::format("row has {} field{}, the header has {}", fields, fields == 1 ? "" : "s",
                     header);
}

// Why a required cell is missing.
[[gnu::cold]] std::string missing_reason(const Plan& p, const Plan::Active& a) {
  const std::string& name = p.header[a.c];
  return a.kind == Kind::id ? fmt::format("empty customer id in column {}", name)
                            : fmt::format("missing {} in column {}", p.roles[a.r].name, name);
}

// Why a present cell cannot be converted.
[[gnu::cold]] std::string invalid_reason(const Plan& p, const Plan::Active& a, std::string_view v) {
  const std::string& name = p.header[a.c];
  switch (a.kind) {
    case Kind::time:
      return fmt::format("{} '{}' does not match the column's date format {} (decided from its "
                         "first rows)",
                         name, printable(v, 60), internal::time_format_name(p.time_format[a.r]));
    case Kind::flag:
      return fmt::format("{} '{}' is not a yes/no value (1/0, true/false, yes/no)", name, printable(v, 60));
    case Kind::email:
      return fmt::format("{} '{}' is not an email event (sent, open, click, unsubscribe)", name,
                         printable(v, 60));
    case Kind::sentiment:
      return fmt::format("{} '{}' is not a sentiment (a number in -1..1, or negative, neutral, "
                         "positive)",
                         name, printable(v, 60));
    default: return fmt::format("{} '{}' is not a number", name, printable(v, 60));
  }
}

// A text cell that is not UTF-8, read as Windows-1252: the copy lives in the chunk output.
[[gnu::cold]] std::string_view recode(const Plan& p, ChunkOut& out, std::string_view cell, index_t line,
                                      const Plan::Active& a) {
  if (out.recoded_cells++ == 0) out.recoded_first = where(p, line, static_cast<int>(a.c) + 1);
  return out.recoded.emplace_back(cp1252_to_utf8(cell));
}

// Converts a present cell of a number-like kind (number, flag, email event, sentiment).
[[gnu::always_inline]] inline bool to_number(Kind kind, std::string_view v, double& x) {
  switch (kind) {
    case Kind::number: return parse_number(v, x);
    case Kind::flag: return parse_flag(v, x);
    case Kind::email: return parse_email(v, x);
    case Kind::sentiment: return parse_sentiment(v, x);
    default: return false;
  }
}

// Appends a converted number-like cell in its column's width: a flag as 1 or 0, an email
// event as its code.
[[gnu::always_inline]] inline void append_number(const Plan::Active& a, ColumnData& col, double x) {
  switch (a.width) {
    case kDouble: col.num.push_back(x); break;
    case kFloat: col.f32.push_back(static_cast<float>(x)); break;
    default:
      col.u8.push_back(a.kind == Kind::email && !std::isnan(x) ? static_cast<std::uint8_t>(x)
                                                               : x == 1.0 ? 1 : 0);
      break;
  }
}

// Equality of the first and the last sizeof(W) bytes of two n-byte values (n >= sizeof(W)).
template <typename W>
[[gnu::always_inline]] inline bool same_ends(const char* x, const char* y, std::size_t n) {
  W x0, x1, y0, y1;
  std::memcpy(&x0, x, sizeof(W));
  std::memcpy(&y0, y, sizeof(W));
  std::memcpy(&x1, x + n - sizeof(W), sizeof(W));
  std::memcpy(&y1, y + n - sizeof(W), sizeof(W));
  return ((x0 ^ y0) | (x1 ^ y1)) == 0;
}

// Equality of two short field values without a call to memcmp: up to 16 bytes are compared
// as two overlapping words.
[[gnu::always_inline]] inline bool same_text(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n > 16) return a == b;
  if (n >= 8) return same_ends<std::uint64_t>(a.data(), b.data(), n);
  if (n >= 4) return same_ends<std::uint32_t>(a.data(), b.data(), n);
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// Interns the chunk's pending code cells, one role at a time, in batches whose slots are
// prefetched first. A value equal to the previous one reuses its code without a lookup (nor a
// hash: rows of one customer, or one order, often repeat a value).
void resolve_pending(const Plan& p, ChunkOut& out) {
  constexpr std::size_t kBatch = 32;
  std::uint64_t hashes[kBatch];
  bool repeat[kBatch];
  for (std::size_t r = 0; r < p.roles.size(); ++r) {
    auto& pend = out.pending[r];
    if (pend.empty()) continue;
    LocalDict& d = p.roles[r].kind == Kind::id ? out.customers : out.dicts[r];
    auto& codes = out.cols[r].code;
    std::string_view prev = out.prev_value[r];
    std::int32_t prev_code = out.prev_code[r];
    for (std::size_t base = 0; base < pend.size(); base += kBatch) {
      const std::size_t end = std::min(pend.size(), base + kBatch);
      for (std::size_t i = base; i < end; ++i) {
        const std::string_view v = pend[i].value;
        const bool same = i > base ? same_text(v, pend[i - 1].value)
                                   : prev_code >= 0 && same_text(v, prev);
        repeat[i - base] = same;
        if (!same) {
          hashes[i - base] = internal::hash_bytes(v);
          d.prefetch(hashes[i - base]);
        }
      }
      for (std::size_t i = base; i < end; ++i) {
        if (!repeat[i - base]) prev_code = d.intern(pend[i].value, hashes[i - base], true);
        codes[pend[i].row] = prev_code;
      }
      prev = pend[end - 1].value;
    }
    pend.clear();
    out.prev_value[r] = prev;
    out.prev_code[r] = prev_code;
  }
  out.pending_rows = 0;
}

// Pending cells are resolved in mini-batches of rows, so that their buffers stay small and
// cache-resident.
constexpr std::size_t kPendingRows = 4096;

// Reserves the chunk's columns for about as many rows as it has lines.
void reserve_chunk(const Plan& p, std::string_view data, const internal::Chunk& ch,
                   ChunkOut& out) {
  const auto rows = static_cast<std::size_t>(
      (ch.lines >= 0 ? ch.lines
                     : std::count(data.data() + ch.begin, data.data() + ch.end, '\n')) + 1);
  for (std::size_t r = 0; r < p.roles.size(); ++r) {
    if (p.map.column[r] < 0) continue;
    switch (p.roles[r].kind) {
      case Kind::id:
      case Kind::code:
        if (static_cast<int>(r) == p.keyed_slot) {
          out.cols[r].key.reserve(rows);
          break;
        }
        out.cols[r].code.reserve(rows);
        out.pending[r].reserve(kPendingRows);
        break;
      case Kind::time: out.cols[r].time.reserve(rows); break;
      default:
        switch (p.width[r]) {
          case kDouble: out.cols[r].num.reserve(rows); break;
          case kFloat: out.cols[r].f32.reserve(rows); break;
          default: out.cols[r].u8.reserve(rows); break;
        }
        break;
    }
  }
  out.hash.reserve(rows);
}

// Rows are converted a batch at a time, column after column: each column's loop does one kind
// of conversion, which keeps its branches predictable. Cells that die with their record (a
// quoted field with doubled quotes, in the record reader's scratch buffer; a JSON value) are
// converted in a batch of their own, flushed as "transient": their codes are interned at once,
// copying the text.
constexpr std::size_t kBatchRows = 256;

struct RowBatch {
  explicit RowBatch(const Plan& p)
      : cells(p.active.size() * kBatchRows), num(p.active.size() * kBatchRows),
        time(p.active.size() * kBatchRows), raw(kBatchRows), line(kBatchRows), bad(kBatchRows) {}
  std::size_t n = 0;
  std::vector<std::string_view> cells;  // [active slot × kBatchRows + row]
  std::vector<double> num;              // converted numbers, same layout
  std::vector<Seconds> time;            // converted times, same layout
  std::vector<std::string_view> raw;
  std::vector<index_t> line;
  std::vector<std::uint8_t> bad;
  struct Error {
    std::size_t row;
    int column;
    int role;
    std::string reason;
  };
  std::vector<Error> errors;  // at most one per row: its first bad cell in role order
};

void batch_add(const Plan& p, RowBatch& b, std::span<const std::string_view> fields, index_t line,
               std::string_view raw) {
  const std::size_t i = b.n++;
  b.raw[i] = raw;
  b.line[i] = line;
  b.bad[i] = 0;
  if (!p.jsonl && fields.size() != p.header.size()) {
    b.bad[i] = 1;
    b.errors.push_back({i, static_cast<int>(std::min(fields.size(), p.header.size())) + 1, -1,
                        field_count_reason(fields.size(), p.header.size())});
    return;
  }
  for (std::size_t k = 0; k < p.active.size(); ++k)
    b.cells[k * kBatchRows + i] = fields[p.active[k].c];
}

// A good row under routing: counts its missing cells, and its values of the counted roles,
// and sends its text to its customer's partition.
void route_row(const Plan& p, ChunkOut& out, const RowBatch& b, std::size_t i, bool transient) {
  std::string_view customer;
  for (std::size_t k = 0; k < p.active.size(); ++k) {
    const Plan::Active& a = p.active[k];
    const std::size_t at = k * kBatchRows + i;
    const std::string_view v = b.cells[at];
    if (a.kind == Kind::id || a.kind == Kind::code) {
      if (static_cast<int>(a.r) == p.customer_slot) customer = v;
      if (v.empty()) {
        ++out.missing[a.r];
      } else if (!p.count_values.empty() && p.count_values[a.r] != 0) {
        const auto code = static_cast<std::size_t>(out.dicts[a.r].intern(v, !transient));
        auto& counts = out.value_counts[a.r];
        if (code >= counts.size()) counts.resize(code + 1, 0);
        ++counts[code];
      }
    } else if (a.kind == Kind::time) {
      const Seconds t = b.time[at];
      if (t == events::kMissingTime) ++out.missing[a.r];
      else if (static_cast<int>(a.r) == p.time_slot) out.max_time = std::max(out.max_time, t);
    } else if (std::isnan(b.num[at])) {
      ++out.missing[a.r];
    }
  }
  out.routed.push_back({b.raw[i], partition_of_id(customer, p.partitions)});
}

// Converts the batch's rows into the chunk's columns (or, when routing, sends them to their
// partitions), as if row by row: a row is rejected at its first bad cell in role order, and
// rejects are reported in row order. `transient`: the cells die after this call.
void batch_flush(const Plan& p, ChunkOut& out, RowBatch& b, bool transient = false) {
  const std::size_t n = b.n;
  if (n == 0) return;
  out.rows_read += static_cast<index_t>(n);
  auto fail = [&](std::size_t i, const Plan::Active& a, std::string reason) {
    b.bad[i] = 1;
    b.errors.push_back({i, static_cast<int>(a.c) + 1, static_cast<int>(a.r), std::move(reason)});
  };
  // Pass 1: parse and validate, role by role; a row's first bad cell rejects it.
  for (std::size_t k = 0; k < p.active.size(); ++k) {
    const Plan::Active& a = p.active[k];
    std::string_view* cells = &b.cells[k * kBatchRows];
    if (a.kind == Kind::id || a.kind == Kind::code) {
      for (std::size_t i = 0; i < n; ++i) {
        if (b.bad[i] != 0) continue;
        cells[i] = trim(cells[i]);
        if (cells[i].empty() && a.required) fail(i, a, missing_reason(p, a));
        else if (out.check_utf8 && !a.keyed && !is_utf8(cells[i])) cells[i] = recode(p, out, cells[i], b.line[i], a);
      }
    } else if (a.kind == Kind::time) {
      Seconds* times = &b.time[k * kBatchRows];
      const TimeFormat& format = p.time_format[a.r];
      for (std::size_t i = 0; i < n; ++i) {
        if (b.bad[i] != 0) continue;
        const std::string_view v = cells[i] = trim(cells[i]);
        if (is_na(v)) {
          if (a.required) fail(i, a, missing_reason(p, a));
          times[i] = events::kMissingTime;
          continue;
        }
        const auto t = internal::parse_time(v, format);
        if (!t) {
          fail(i, a, invalid_reason(p, a, v));
          continue;
        }
        times[i] = *t;
        if (static_cast<int>(a.r) == p.bounded_slot && (*t > p.now || *t < p.floor)) {
          ++(*t > p.now ? out.after_now : out.before_floor);
          if (p.drop_out_of_range) b.bad[i] = 2;  // left out, not rejected
          else times[i] = events::kMissingTime;
        }
      }
    } else {
      double* nums = &b.num[k * kBatchRows];
      for (std::size_t i = 0; i < n; ++i) {
        if (b.bad[i] != 0) continue;
        const std::string_view v = cells[i] = trim(cells[i]);
        if (is_na(v)) {
          if (a.required) fail(i, a, missing_reason(p, a));
          nums[i] = std::numeric_limits<double>::quiet_NaN();
          continue;
        }
        if (!to_number(a.kind, v, nums[i])) fail(i, a, invalid_reason(p, a, v));
      }
    }
  }
  // Rejects in row order; under --on-error=fail the first one is the chunk's error.
  if (!b.errors.empty()) {
    std::sort(b.errors.begin(), b.errors.end(),
              [](const RowBatch::Error& x, const RowBatch::Error& y) { return x.row < y.row; });
    for (auto& e : b.errors) {
      reject(p, out, b.line[e.row], e.column, e.role, std::move(e.reason), b.raw[e.row]);
      if (out.error) return;
    }
    b.errors.clear();
  }
  if (p.partitions > 0) {
    for (std::size_t i = 0; i < n; ++i)
      if (b.bad[i] == 0) route_row(p, out, b, i, transient);
    b.n = 0;
    return;
  }
  // Pass 2: append the good rows, role by role.
  std::size_t good = 0;
  for (std::size_t i = 0; i < n; ++i) good += b.bad[i] == 0 ? 1 : 0;
  for (std::size_t k = 0; k < p.active.size(); ++k) {
    const Plan::Active& a = p.active[k];
    const std::string_view* cells = &b.cells[k * kBatchRows];
    ColumnData& col = out.cols[a.r];
    index_t& missing = out.missing[a.r];
    if (a.kind == Kind::id || a.kind == Kind::code) {
      if (a.keyed) {
        for (std::size_t i = 0; i < n; ++i) {
          if (b.bad[i] != 0) continue;
          missing += cells[i].empty() ? 1 : 0;
          col.key.push_back(cells[i].empty() ? 0 : value_key(cells[i]));
        }
        continue;
      }
      if (transient) {  // the text goes with the call: intern now, copying it
        LocalDict& d = a.kind == Kind::id ? out.customers : out.dicts[a.r];
        for (std::size_t i = 0; i < n; ++i) {
          if (b.bad[i] != 0) continue;
          missing += cells[i].empty() ? 1 : 0;
          col.code.push_back(cells[i].empty() ? -1 : d.intern(cells[i], false));
        }
        continue;
      }
      auto& pend = out.pending[a.r];
      for (std::size_t i = 0; i < n; ++i) {
        if (b.bad[i] != 0) continue;
        if (cells[i].empty()) ++missing;
        else pend.push_back({cells[i], col.code.size()});
        col.code.push_back(-1);
      }
    } else if (a.kind == Kind::time) {
      const Seconds* times = &b.time[k * kBatchRows];
      for (std::size_t i = 0; i < n; ++i) {
        if (b.bad[i] != 0) continue;
        missing += times[i] == events::kMissingTime ? 1 : 0;
        col.time.push_back(times[i]);
      }
    } else {
      const double* nums = &b.num[k * kBatchRows];
      for (std::size_t i = 0; i < n; ++i) {
        if (b.bad[i] != 0) continue;
        const double x = nums[i];
        missing += std::isnan(x) ? 1 : 0;
        append_number(a, col, x);
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (b.bad[i] == 0) out.hash.push_back(internal::hash_bytes(b.raw[i]));
  b.n = 0;
  out.pending_rows += good;
  if (out.pending_rows >= kPendingRows) resolve_pending(p, out);
}

}  // namespace

void parse_csv_chunk(const Plan& p, std::string_view data, const internal::Chunk& ch,
                     ChunkOut& out) {
  reserve_chunk(p, data, ch, out);
  out.check_utf8 = !is_ascii(data.substr(ch.begin, ch.end - ch.begin));
  internal::RecordReader rr(data, ch.begin, ch.end, ch.line, p.delimiter);
  RowBatch batch(p);
  for (;;) {
    const auto nx = rr.next();
    if (nx == internal::RecordReader::Next::end) break;
    if (nx == internal::RecordReader::Next::unterminated) {
      batch_flush(p, out, batch);
      if (!out.error)
        out.error = Status::invalid_input(
            where(p, rr.quote_line(), rr.quote_column()),
            "quoted field is not closed before the end of the file",
            "close the quote; a quote inside a quoted field is written twice (\"\")");
      break;
    }
    if (rr.any_scratch()) {  // the record's cells die with the next record
      batch_flush(p, out, batch);
      if (out.error) break;
      batch_add(p, batch, rr.fields(), rr.line(), rr.raw());
      batch_flush(p, out, batch, true);
    } else {
      batch_add(p, batch, rr.fields(), rr.line(), rr.raw());
      if (batch.n == kBatchRows) batch_flush(p, out, batch);
    }
    if (out.error) break;
  }
  if (!out.error) batch_flush(p, out, batch);
  out.irregular = rr.irregular();
  resolve_pending(p, out);
}

bool json_fields(const Plan& p, std::string_view line, JsonRow& row, std::string& why) {
  const auto j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded()) {
    why = "line is not valid JSON";
    return false;
  }
  if (!j.is_object()) {
    why = "line is not a JSON object";
    return false;
  }
  row.text.assign(p.header.size(), std::string());
  for (std::size_t c = 0; c < p.header.size(); ++c) {
    auto it = j.find(p.header[c]);
    if (it == j.end() || it->is_null()) continue;
    if (it->is_string()) row.text[c] = it->get<std::string>();
    else if (it->is_boolean()) row.text[c] = it->get<bool>() ? "true" : "false";
    else row.text[c] = it->dump();
  }
  row.views.assign(row.text.begin(), row.text.end());
  return true;
}

void parse_jsonl_chunk(const Plan& p, std::string_view data, const internal::Chunk& ch,
                       ChunkOut& out) {
  reserve_chunk(p, data, ch, out);
  JsonRow row;
  RowBatch batch(p);
  std::string why;
  std::size_t pos = ch.begin;
  index_t line = ch.line;
  while (pos < ch.end) {
    std::size_t e = data.find('\n', pos);
    if (e == std::string_view::npos || e > ch.end) e = ch.end;
    std::string_view text = data.substr(pos, e - pos);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (!is_utf8(text)) {  // JSON is UTF-8: a line that is not is read as Windows-1252
      if (out.recoded_cells++ == 0) out.recoded_first = where(p, line, 0);
      text = out.recoded.emplace_back(cp1252_to_utf8(text));
    }
    if (!trim(text).empty()) {
      if (!json_fields(p, text, row, why)) {
        ++out.rows_read;
        reject(p, out, line, 0, -1, why, text);
      } else {  // one row at a time: its values live in `row`
        batch_add(p, batch, row.views, line, text);
        batch_flush(p, out, batch, true);
      }
      if (out.error) break;
    }
    pos = e + 1;
    ++line;
  }
  resolve_pending(p, out);
}

}  // namespace kohort::io::internal
