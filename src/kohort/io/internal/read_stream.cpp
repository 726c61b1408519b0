// kohort/io/internal/read_stream.cpp — one stream file read into provisional columns, or routed.

#include "kohort/io/internal/read_stream.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <utility>

#include <fmt/format.h>

#include "kohort/core/atomic_file.h"
#include "kohort/core/text.h"
#include "kohort/core/time.h"
#include "kohort/io/internal/columns.h"
#include "kohort/io/internal/compressed.h"
#include "kohort/io/internal/pg_source.h"
#include "kohort/io/internal/router.h"
#include "kohort/io/internal/sqlite_source.h"
#include "kohort/io/internal/windows.h"

namespace kohort::io::internal {

namespace fs = std::filesystem;
using events::Stream;

namespace {

// The width of each role slot of a plan whose mapping is decided.
std::vector<std::uint8_t> number_widths(const Plan& p) {
  std::vector<std::uint8_t> w(p.roles.size(), kDouble);
  for (std::size_t r = 0; r < p.roles.size(); ++r) {
    const RoleSpec& role = p.roles[r];
    if (role.kind == Kind::flag || role.kind == Kind::email) {
      w[r] = kByte;
    } else if (role.kind == Kind::number || role.kind == Kind::sentiment) {
      const bool money =
          p.stream == Stream::transactions &&
          (role.name == "amount" ||
           ((role.name == "unit_price" || role.name == "quantity") && p.map.amount_from_price));
      w[r] = money ? kDouble : kFloat;
    }
  }
  return w;
}

}  // namespace

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Result<ParsedStream> read_stream(const Context& ctx, Stream stream, const std::string& file,
                                 const internal::StreamConfig* config, const ReadOptions& options,
                                 LocalDict& customers, std::vector<std::string>& notes,
                                 Router* router, Seconds* last_time) {
  ParsedStream ps;
  Plan& p = ps.plan;
  p.stream = stream;
  p.config = config;
  p.file = file;
  p.on_error = options.on_error;
  std::string_view base = file;
  if (ends_with(base, ".gz")) base.remove_suffix(3);
  else if (ends_with(base, ".zst")) base.remove_suffix(4);
  p.jsonl = ends_with(base, ".jsonl") || ends_with(base, ".ndjson");

  internal::StreamReader source;
  if (config != nullptr && !config->sqlite.empty()) {
    std::string text;
    KOHORT_RETURN_IF_ERROR(internal::read_sqlite_as_csv(file, config->table, config->query,
                                                        config->file_where, text));
    source.open_text(std::move(text));
    p.file = file + ":" + (config->table.empty() ? std::string("query") : config->table);
    p.jsonl = false;
  } else if (config != nullptr && !config->postgresql.empty()) {
    // `file` is already the display name ("postgresql:orders"): the connection string may
    // hold a password and is never printed.
    KOHORT_RETURN_IF_ERROR(internal::open_postgres_copy(config->postgresql, config->table,
                                                        config->query, config->file_where, source));
    p.jsonl = false;
  } else {
    KOHORT_RETURN_IF_ERROR(source.open(file));
  }
  const std::size_t window = std::max<std::size_t>(options.window_bytes, 1);
  // The window's text: a carried tail of the previous window, then newly read bytes.
  std::string buffer;
  auto read_more = [&](std::size_t n) { return source.read(buffer, n); };
  auto parse_error = [&](Status st) {
    Status drained = source.drain();
    return drained.ok() ? st : drained;
  };

  // The header and the first rows decide the plan; read until they lie inside the buffer.
  KOHORT_RETURN_IF_ERROR(read_more(window));
  std::size_t body = 0;
  index_t body_line = 0;
  for (;;) {
    std::size_t reach = 0;
    Status st = read_header(p, file, buffer, body, body_line, reach);
    if (reach >= buffer.size() && !source.at_end()) {
      // The header, or (when it is read) the sample rows after it, must end in bounds.
      const bool headed = !p.header.empty();
      KOHORT_RETURN_IF_ERROR(record_fits(p, buffer.size() - (headed ? body : 0), headed ? body_line : 1, options));
      KOHORT_RETURN_IF_ERROR(read_more(std::max(window, buffer.size())));
      continue;
    }
    if (!st.ok()) return parse_error(st);
    break;
  }

  const std::size_t nroles = p.roles.size();
  p.now = options.now;
  p.floor = options.floor;
  p.bounded_slot = internal::role_slot(stream, stream == Stream::customers ? "signup_date" : "time");
  p.drop_out_of_range = stream != Stream::customers;
  ps.cols.resize(nroles);
  ps.dicts.resize(nroles);
  if (stream == Stream::transactions) p.keyed_slot = internal::role_slot(stream, "order_id");
  p.width = number_widths(p);
  p.active.clear();
  for (std::size_t r = 0; r < nroles; ++r) {
    const int c = p.map.column[r];
    if (c < 0) continue;
    p.active.push_back({r, static_cast<std::size_t>(c), p.roles[r].kind, p.width[r],
                        p.required[r], static_cast<int>(r) == p.keyed_slot});
  }
  Totals totals;
  totals.missing.assign(nroles, 0);
  totals.invalid.assign(nroles, 0);
  const bool quarantine = options.on_error == OnError::quarantine;
  index_t accepted = 0;
  bool reserved = false;  // the stream's columns, after the first window
  WindowSink sink;
  if (router != nullptr) {
    p.partitions = router->partitions();
    p.customer_slot = internal::role_slot(stream, "customer");
    if (stream != Stream::customers) p.time_slot = internal::role_slot(stream, "time");
    if (stream == Stream::transactions) {
      // The transactions' levels are counted on the way: with nothing else to count, the
      // partitions need not be read twice (see features::compute_features_partitioned).
      p.count_values.assign(nroles, 0);
      for (std::string_view role : {"category", "channel", "payment_method"})
        p.count_values[static_cast<std::size_t>(internal::role_slot(stream, role))] = 1;
    }
    KOHORT_RETURN_IF_ERROR(router->begin(stream, p.jsonl));
    sink = [&](const Context& sink_ctx, std::vector<ChunkOut>& outs, double) {
      for (auto& o : outs) {
        accepted += static_cast<index_t>(o.routed.size());
        for (std::size_t r = 0; r < o.value_counts.size(); ++r) {
          if (o.value_counts[r].empty()) continue;
          auto& dst = ps.value_counts[std::string(p.roles[r].name)];
          for (std::size_t k = 0; k < o.value_counts[r].size(); ++k)
            dst[std::string(o.dicts[r].value(static_cast<std::int32_t>(k)))] +=
                o.value_counts[r][k];
          o.value_counts[r] = {};
          o.dicts[r] = LocalDict{};
        }
      }
      tally(p, file, outs, totals, quarantine);
      return router->take(sink_ctx, outs);
    };
  } else {
    sink = [&](const Context& sink_ctx, std::vector<ChunkOut>& outs, double done) {
      tally(p, file, outs, totals, quarantine);
      merge_window(sink_ctx, p, outs, ps, customers);
      accepted = static_cast<index_t>(ps.hash.size());
      // After the first window, the share of the file read so far says how many rows to
      // expect (with a tenth to spare); a source of unknown size grows as it goes.
      if (!reserved && done > 0 && done < 1) {
        reserved = true;
        const double expected = static_cast<double>(accepted) / done * 1.1;
        reserve_columns(p, ps, static_cast<std::size_t>(expected) + 1024);
      }
      return Status{};
    };
  }
  KOHORT_RETURN_IF_ERROR(read_records(ctx, p, source, buffer, body, body_line, options, sink));
  if (router != nullptr) {
    KOHORT_RETURN_IF_ERROR(router->end(ctx));
    p.partitions = 0;  // the partition files are parsed into columns
    if (last_time != nullptr) *last_time = std::max(*last_time, totals.max_time);
    p.count_values.clear();
  }

  StreamReport& rep = ps.report;
  rep.stream = std::string(stream_name(stream));
  rep.file = file;
  rep.rows_read = totals.rows_read;
  rep.rows_accepted = accepted;
  rep.rows_rejected = totals.rejected;
  rep.after_now = totals.after_now;
  rep.before_floor = totals.before_floor;
  rep.now = options.now;
  rep.floor = options.floor;
  rep.recoded_cells = p.header_recoded + totals.recoded_cells;
  rep.recoded_first = p.header_recoded > 0 ? fmt::format("{}:1", p.file) : totals.recoded_first;
  for (std::size_t r = 0; r < nroles; ++r) {
    const int c = p.map.column[r];
    const bool derived = p.roles[r].name == "amount" && p.map.amount_from_price;
    if (c < 0 && !derived) continue;
    const std::string source_name =
        derived
            ? fmt::format("{} × {}",
                          p.header[static_cast<std::size_t>(p.map.column[static_cast<std::size_t>(
                              internal::role_slot(stream, "unit_price"))])],
                          p.header[static_cast<std::size_t>(p.map.column[static_cast<std::size_t>(
                              internal::role_slot(stream, "quantity"))])])
            : p.header[static_cast<std::size_t>(c)];
    rep.column_roles.emplace_back(std::string(p.roles[r].name), source_name);
    rep.columns.push_back({std::string(p.roles[r].name), derived ? "" : source_name,
                           derived ? 0 : totals.missing[r], derived ? 0 : totals.invalid[r]});
    if (p.roles[r].kind == Kind::time && c >= 0) {
      rep.time_formats.emplace_back(std::string(p.roles[r].name), internal::time_format_name(p.time_format[r]));
      if (p.time_ambiguous[r])
        notes.push_back(fmt::format(
            "{}: {} could be M/D/YYYY or D/M/YYYY (no day above 12 in its first rows); read as M/D/YYYY: if "
            "that is wrong, set {}_format = \"D/M/YYYY\" in [{}] of kohort.toml",
            fs::path(file).filename().string(), printable(p.header[static_cast<std::size_t>(c)], 40),
            p.roles[r].name, stream_name(stream)));
    }
  }
  const std::string fname = fs::path(file).filename().string();
  for (int c : p.map.unused) rep.ignored.push_back(p.header[static_cast<std::size_t>(c)]);
  if (!rep.ignored.empty() && stream != Stream::customers)
    notes.push_back(fmt::format("{}: column{} {} not used", fname,
                                rep.ignored.size() == 1 ? "" : "s", join(rep.ignored)));
  if (p.map.amount_from_price)
    notes.push_back(fmt::format("{}: amount = {}", fname, rep.column_roles[2].second));
  const auto dated = [&](index_t n) {
    return stream != Stream::customers ? fmt::format("{} row{} dated", n, n == 1 ? "" : "s")
                                       : fmt::format("{} signup date{}", n, n == 1 ? "" : "s");
  };
  const char* fate = stream != Stream::customers ? "left out" : "read as unknown";
  if (rep.after_now > 0)
    notes.push_back(fmt::format("{}: {} after now ({}) {}", fname, dated(rep.after_now),
                                format_datetime(options.now), fate));
  if (rep.before_floor > 0)
    notes.push_back(fmt::format("{}: {} before {} {}", fname, dated(rep.before_floor),
                                format_date(options.floor), fate));
  if (rep.recoded_cells > 0)
    notes.push_back(fmt::format("{}: {} text value{} not UTF-8, read as Windows-1252 (Latin-1); the "
                                "first at {}",
                                fname, rep.recoded_cells, rep.recoded_cells == 1 ? " was" : "s were",
                                rep.recoded_first));

  if (quarantine && totals.rejected > 0) {
    const fs::path dir = options.rejects_dir.empty() ? fs::path(file).parent_path()
                                                     : fs::path(options.rejects_dir);
    const std::string out_path = (dir / (rep.stream + ".rejects.csv")).string();
    KOHORT_RETURN_IF_ERROR(
        write_file_atomic(out_path, "source,line,column,reason,text\n" + totals.rejects_text));
    rep.rejects_file = out_path;
  }
  rep.rejects = std::move(totals.rejects);
  return ps;
}

}  // namespace kohort::io::internal
