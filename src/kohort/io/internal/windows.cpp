// kohort/io/internal/windows.cpp — a stream read a window of text at a time, its rows handed on.

#include "kohort/io/internal/windows.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "kohort/core/parallel.h"
#include "kohort/core/text.h"
#include "kohort/io/internal/convert.h"
#include "kohort/io/internal/csv_scan.h"

namespace kohort::io::internal {

namespace {

constexpr std::size_t kReportRejects = 1000;

// Whether quotes can hold a newline: in CSV, not in JSON Lines nor blank-separated text.
bool quotes_matter(const Plan& p) { return !p.jsonl && p.delimiter != internal::kWhitespace; }

// Where a window starting at record boundary `begin` can end: after the last newline of `data`
// that lies outside quotes by quote parity (exact for RFC 4180 data; irregular quotes are
// caught by the parse and the window redone), or after the last newline at all when quotes do
// not matter. npos when there is none.
std::size_t parity_cut(std::string_view data, std::size_t begin, bool quotes_matter) {
  const char* d = data.data();
  if (!quotes_matter) {
    const std::size_t e = data.rfind('\n');
    return e == std::string_view::npos || e < begin ? std::string_view::npos : e + 1;
  }
  std::int64_t quotes = 0, unused = 0;
  internal::count_bytes(d + begin, data.size() - begin, '"', '"', quotes, unused);
  for (std::size_t i = data.size(); i > begin; --i) {
    const char c = d[i - 1];
    if (c == '"') --quotes;
    else if (c == '\n' && quotes % 2 == 0) return i;  // quotes now counts [begin, i - 1)
  }
  return std::string_view::npos;
}

// The same cut found by the record reader itself (the sequential truth when quotes are
// irregular): after the last record of data[begin, …) that ends with its newline.
std::size_t record_cut(std::string_view data, std::size_t begin, char delimiter) {
  internal::RecordReader rr(data, begin, data.size(), 1, delimiter);
  std::size_t cut = std::string_view::npos;
  while (rr.next() == internal::RecordReader::Next::record) {
    const std::size_t pos = rr.position();
    if (pos > 0 && data[pos - 1] == '\n') cut = pos;
  }
  return cut;
}

// Parses the records of data[begin, end) (first on physical line `line`) in chunks of about
// options.chunk_bytes on ctx.threads() threads, or as one chunk when `whole`, into `outs`
// (resized to the chunk count; its buffers are reused).
void parse_window(const Context& ctx, const Plan& p, std::string_view data, std::size_t begin,
                  std::size_t end, index_t line, std::size_t chunk_bytes, bool whole,
                  index_t& lines, std::vector<ChunkOut>& outs) {
  const std::string_view text = data.substr(0, end);
  std::vector<internal::Chunk> chunks;
  if (whole)
    chunks.push_back({begin, end, line, std::count(data.data() + begin, data.data() + end, '\n')});
  else chunks = internal::split_chunks(ctx, text, begin, line, chunk_bytes, quotes_matter(p));
  lines = 0;
  for (const auto& c : chunks) lines += c.lines;
  outs.resize(chunks.size());
  parallel_for_blocks(ctx, static_cast<index_t>(chunks.size()), 1,
                      [&](index_t b, index_t, index_t) {
                        auto& out = outs[static_cast<std::size_t>(b)];
                        const internal::Chunk& chunk = chunks[static_cast<std::size_t>(b)];
                        init_chunk(p, out);
                        if (p.jsonl) parse_jsonl_chunk(p, text, chunk, out);
                        else parse_csv_chunk(p, text, chunk, out);
                      });
}

// The next window's text, read on a thread of its own while the current window is parsed.
// It starts from the current window's tail (the text after the cut) and holds the source
// until joined.
class Prefetch {
 public:
  ~Prefetch() {
    if (thread_.joinable()) thread_.join();
  }
  void start(internal::StreamReader& source, std::string_view tail, std::size_t bytes) {
    text_.assign(tail.data(), tail.size());
    tail_ = tail.size();
    thread_ = std::thread([this, &source, bytes] { status_ = source.read(text_, bytes); });
  }
  [[nodiscard]] bool active() const { return thread_.joinable(); }
  // Waits for the read; its status.
  Status join() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  // The text: the tail it started from, then the bytes read.
  std::string& text() { return text_; }
  [[nodiscard]] std::size_t tail() const { return tail_; }

 private:
  std::thread thread_;
  std::string text_;
  std::size_t tail_ = 0;
  Status status_;
};

// A window's chunk outputs handed to the sink on a thread of its own, while the next window
// is parsed. The window's text must stay alive until it is joined.
class Handoff {
 public:
  ~Handoff() {
    if (thread_.joinable()) thread_.join();
  }
  void start(const Context& ctx, const WindowSink& sink, std::vector<ChunkOut>& outs,
             double read_share) {
    thread_ = std::thread(
        [this, ctx, &sink, &outs, read_share] { status_ = sink(ctx, outs, read_share); });
  }
  // Waits for the sink; its status.
  Status join() {
    if (thread_.joinable()) thread_.join();
    Status st = status_;
    status_ = Status{};
    return st;
  }

 private:
  std::thread thread_;
  Status status_;
};

}  // namespace

Status record_fits(const Plan& p, std::size_t bytes, index_t line, const ReadOptions& options) {
  if (bytes <= options.max_record_bytes) return {};
  return Status::invalid_input(
      where(p, line, 0),
      fmt::format("a record starting here runs past {} bytes ({:.0f} MiB) without ending", options.max_record_bytes,
                  static_cast<double>(options.max_record_bytes) / (1 << 20)),
      "a line that long is not a table row: check the file (a missing newline, an unclosed quote, or not a "
      "CSV file at all); a larger --memory-limit allows longer records");
}

Status read_records(const Context& ctx, const Plan& p, internal::StreamReader& source,
                    std::string& buffer, std::size_t start, index_t line,
                    const ReadOptions& options, const WindowSink& sink) {
  const std::size_t window = std::max<std::size_t>(options.window_bytes, 1);
  auto read_more = [&](std::size_t n) { return source.read(buffer, n); };
  // With more than one thread the reading is a pipeline: the next window is read (and
  // decompressed) and the previous window's rows are handed to the sink (on one thread) while
  // this window is parsed. The bytes, and the order in which the sink sees windows, are the
  // same either way.
  const bool overlap = ctx.threads() > 1;
  Prefetch ahead;
  std::string held;  // the text of the window whose rows the sink has
  std::vector<ChunkOut> pools[2];  // chunk outputs, alternately parsed into and handed off
  int pool = 0;
  // Declared after what its thread reads, so that an early return joins it before they go.
  Handoff handoff;
  // Takes back a read in flight: its bytes join the buffer, which is then as if read in turn.
  auto settle = [&]() -> Status {
    if (!ahead.active()) return {};
    KOHORT_RETURN_IF_ERROR(ahead.join());
    buffer.append(ahead.text(), ahead.tail());
    ahead.text().clear();
    return {};
  };
  // A whole-file read reported decompression errors before any parse error; keep that order.
  // The previous window's sink comes before both.
  auto parse_error = [&](Status st) {
    KOHORT_RETURN_IF_ERROR(handoff.join());
    KOHORT_RETURN_IF_ERROR(settle());
    Status drained = source.drain();
    return drained.ok() ? st : drained;
  };
  // Each window starts on a record boundary. Its end is cut by quote parity and its chunks
  // parsed in parallel; if a chunk meets irregular quotes the parity cut may be wrong, so the
  // window is redone in one piece up to the cut the record reader finds — which equals a
  // sequential parse of the file. Everything before the first irregular quote is exact, so a
  // failing chunk ahead of any irregular one is the file's first error.
  for (;;) {
    if (ctx.cancelled()) return Status::cancelled();
    std::string_view data = buffer;
    const bool eof = source.at_end();
    std::size_t cut = eof ? data.size() : parity_cut(data, start, quotes_matter(p));
    // No newline outside quotes by parity: a record longer than the window, or an irregular
    // quote that flipped the parity. The record reader's own cut settles it; parse such a
    // window in one piece (without it an irregular file would be read whole).
    bool sequential = false;
    if (cut == std::string_view::npos && !p.jsonl) {
      cut = record_cut(data, start, p.delimiter);
      sequential = cut != std::string_view::npos;
    }
    if (cut == std::string_view::npos) {  // no record ends in the window: widen it, within bounds
      KOHORT_RETURN_IF_ERROR(record_fits(p, data.size() - start, line, options));
      KOHORT_RETURN_IF_ERROR(read_more(std::max(window, data.size() - start)));
      continue;
    }
    const double read_share = eof ? 0.0 : source.progress();
    if (overlap && !eof) ahead.start(source, data.substr(cut), window);
    if (cut > start) {
      std::vector<ChunkOut>& outs = pools[pool];
      index_t window_lines = 0;
      parse_window(ctx, p, data, start, cut, line, options.chunk_bytes, sequential, window_lines,
                   outs);
      const auto flagged = std::find_if(outs.begin(), outs.end(), [](const ChunkOut& o) {
        return o.irregular || o.error.has_value();
      });
      if (!sequential && flagged != outs.end() && flagged->irregular &&
          !(outs.size() == 1 && eof && cut == data.size())) {
        // The cut moves: the read ahead started from the wrong tail.
        KOHORT_RETURN_IF_ERROR(settle());
        data = buffer;
        const std::size_t exact = eof ? data.size() : record_cut(data, start, p.delimiter);
        if (exact == std::string_view::npos) {
          KOHORT_RETURN_IF_ERROR(record_fits(p, data.size() - start, line, options));
          KOHORT_RETURN_IF_ERROR(read_more(std::max(window, data.size() - start)));
          continue;
        }
        cut = exact;
        parse_window(ctx, p, data, start, cut, line, options.chunk_bytes, true, window_lines,
                     outs);
      }
      for (const auto& o : outs)
        if (o.error) return parse_error(*o.error);
      KOHORT_RETURN_IF_ERROR(handoff.join());
      if (ahead.active()) {
        // The sink reads views into this window's text: keep it while the next is parsed.
        held.swap(buffer);
        handoff.start(ctx.with_threads(1), sink, outs, read_share);
        pool ^= 1;
      } else {
        KOHORT_RETURN_IF_ERROR(sink(ctx, outs, read_share));
      }
      line += window_lines;
    }
    if (ahead.active()) {
      KOHORT_RETURN_IF_ERROR(ahead.join());
      buffer.swap(ahead.text());
      ahead.text().clear();
      start = 0;
      continue;
    }
    if (eof && cut >= data.size()) break;
    buffer.erase(0, cut);
    start = 0;
    KOHORT_RETURN_IF_ERROR(read_more(window));
  }
  KOHORT_RETURN_IF_ERROR(handoff.join());
  std::string().swap(buffer);
  std::string().swap(held);
  return {};
}

void tally(const Plan& p, const std::string& file, std::vector<ChunkOut>& outs, Totals& totals,
           bool quarantine) {
  const std::size_t nroles = p.roles.size();
  for (auto& o : outs) {
    totals.rows_read += o.rows_read;
    totals.max_time = std::max(totals.max_time, o.max_time);
    totals.after_now += o.after_now;
    totals.before_floor += o.before_floor;
    if (totals.recoded_cells == 0 && o.recoded_cells > 0) totals.recoded_first = o.recoded_first;
    totals.recoded_cells += o.recoded_cells;
    for (std::size_t r = 0; r < nroles; ++r) {
      totals.missing[r] += o.missing[r];
      totals.invalid[r] += o.invalid[r];
    }
    for (auto& rj : o.rejects) {
      ++totals.rejected;
      if (quarantine)
        totals.rejects_text += fmt::format("{},{},{},{},{}\n", csv_field(file), rj.line,
                                           rj.column, csv_field(rj.reason), csv_field(rj.text));
      if (totals.rejects.size() < kReportRejects) totals.rejects.push_back(std::move(rj));
    }
    o.rejects = {};
  }
}

void merge_window(const Context& ctx, const Plan& p, std::vector<ChunkOut>& outs,
                  ParsedStream& ps, LocalDict& customers) {
  const std::size_t nroles = p.roles.size();
  std::vector<std::vector<std::int32_t>> cmaps(outs.size());
  for (std::size_t k = 0; k < outs.size(); ++k) {
    auto& o = outs[k];
    customers.intern_all(o.customers, cmaps[k]);
    ps.hash.insert(ps.hash.end(), o.hash.begin(), o.hash.end());
  }
  parallel_for_blocks(ctx, static_cast<index_t>(nroles), 1, [&](index_t rb, index_t, index_t) {
    const auto r = static_cast<std::size_t>(rb);
    if (p.map.column[r] < 0) return;
    ColumnData& dst = ps.cols[r];
    std::vector<std::int32_t> remap;
    for (std::size_t k = 0; k < outs.size(); ++k) {
      ChunkOut& o = outs[k];
      ColumnData& src = o.cols[r];
      switch (p.roles[r].kind) {
        case Kind::id: {
          const std::int32_t* map = cmaps[k].data();
          for (const std::int32_t c : src.code) dst.code.push_back(c < 0 ? -1 : map[c]);
          break;
        }
        case Kind::code: {
          if (static_cast<int>(r) == p.keyed_slot) {
            dst.key.insert(dst.key.end(), src.key.begin(), src.key.end());
            break;
          }
          ps.dicts[r].intern_all(o.dicts[r], remap);
          const std::int32_t* map = remap.data();
          for (const std::int32_t c : src.code) dst.code.push_back(c < 0 ? -1 : map[c]);
          break;
        }
        case Kind::time: dst.time.insert(dst.time.end(), src.time.begin(), src.time.end()); break;
        default:
          dst.num.insert(dst.num.end(), src.num.begin(), src.num.end());
          dst.f32.insert(dst.f32.end(), src.f32.begin(), src.f32.end());
          dst.u8.insert(dst.u8.end(), src.u8.begin(), src.u8.end());
          break;
      }
      o.dicts[r] = LocalDict{};
    }
  });
}

void reserve_columns(const Plan& p, ParsedStream& ps, std::size_t rows) {
  for (std::size_t r = 0; r < p.roles.size(); ++r) {
    if (p.map.column[r] < 0) continue;
    ColumnData& c = ps.cols[r];
    switch (p.roles[r].kind) {
      case Kind::id:
      case Kind::code:
        if (static_cast<int>(r) == p.keyed_slot) c.key.reserve(rows);
        else c.code.reserve(rows);
        break;
      case Kind::time: c.time.reserve(rows); break;
      default:
        switch (p.width[r]) {
          case kDouble: c.num.reserve(rows); break;
          case kFloat: c.f32.reserve(rows); break;
          default: c.u8.reserve(rows); break;
        }
        break;
    }
  }
  ps.hash.reserve(rows);
}

}  // namespace kohort::io::internal
