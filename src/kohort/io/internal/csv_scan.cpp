#include "kohort/io/internal/csv_scan.h"

#include <algorithm>
#include <cstring>

#include "kohort/core/parallel.h"

namespace kohort::io::internal {

char detect_delimiter(std::string_view line) {
  std::size_t counts[4] = {0, 0, 0, 0};
  constexpr char kCandidates[4] = {',', '\t', ';', '|'};
  bool in_quotes = false;
  for (char c : line) {
    if (c == '"') in_quotes = !in_quotes;
    if (in_quotes) continue;
    if (c == '\n') break;
    for (int k = 0; k < 4; ++k) counts[k] += c == kCandidates[k] ? 1 : 0;
  }
  int best = -1;
  for (int k = 0; k < 4; ++k)
    if (counts[k] > 0 && (best < 0 || counts[k] > counts[best])) best = k;
  return best < 0 ? '\0' : kCandidates[best];
}

std::size_t bom_length(std::string_view data) {
  return data.size() >= 3 && std::memcmp(data.data(), "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

RecordReader::RecordReader(std::string_view data, std::size_t begin, std::size_t end,
                           std::int64_t first_line, char delimiter)
    : data_(data), pos_(begin), end_(end), line_(first_line), delim_(delimiter) {}

RecordReader::Next RecordReader::next() {
  const char* d = data_.data();
  // Skip blank lines: they hold no record.
  while (pos_ < end_) {
    if (d[pos_] == '\n') {
      ++pos_;
      ++line_;
    } else if (d[pos_] == '\r' && pos_ + 1 < end_ && d[pos_ + 1] == '\n') {
      pos_ += 2;
      ++line_;
    } else {
      break;
    }
  }
  if (pos_ >= end_) return Next::end;
  record_line_ = line_;
  const std::size_t record_begin = pos_;
  descs_.clear();
  scratch_.clear();
  const char delim = delim_;
  for (;;) {
    if (pos_ < end_ && d[pos_] == '"') {
      const std::int64_t open_line = line_;
      const auto open_column = static_cast<int>(descs_.size()) + 1;
      const std::size_t start = ++pos_;
      bool escaped = false;
      std::size_t close = 0;
      for (;;) {
        const void* q = std::memchr(d + pos_, '"', end_ - pos_);
        const std::size_t qpos = q == nullptr ? end_ : static_cast<std::size_t>(
                                                           static_cast<const char*>(q) - d);
        line_ += std::count(d + pos_, d + qpos, '\n');
        if (qpos >= end_) {
          quote_line_ = open_line;
          quote_column_ = open_column;
          pos_ = end_;
          return Next::unterminated;
        }
        if (qpos + 1 < end_ && d[qpos + 1] == '"') {
          escaped = true;
          pos_ = qpos + 2;
          continue;
        }
        close = qpos;
        pos_ = qpos + 1;
        break;
      }
      Desc desc{start, close - start, false};
      if (escaped) {
        desc = {scratch_.size(), 0, true};
        for (std::size_t i = start; i < close; ++i) {
          scratch_.push_back(d[i]);
          if (d[i] == '"') ++i;  // the second quote of a doubled pair
        }
        desc.size = scratch_.size() - desc.offset;
      }
      // Text after the closing quote is not RFC 4180; keep it literally.
      if (pos_ < end_ && d[pos_] != delim && d[pos_] != '\n' &&
          !(d[pos_] == '\r' && pos_ + 1 < end_ && d[pos_ + 1] == '\n')) {
        irregular_ = true;
        if (!desc.scratch) {
          const std::size_t off = scratch_.size();
          scratch_.append(d + desc.offset, desc.size);
          desc = {off, desc.size, true};
        }
        while (pos_ < end_ && d[pos_] != delim && d[pos_] != '\n') {
          if (d[pos_] == '\r' && pos_ + 1 < end_ && d[pos_ + 1] == '\n') break;
          scratch_.push_back(d[pos_++]);
        }
        desc.size = scratch_.size() - desc.offset;
      }
      descs_.push_back(desc);
    } else {
      const std::size_t start = pos_;
      std::size_t p = pos_;
      // Eight bytes at a time to the first delimiter, newline or quote (SWAR: the lowest
      // flagged byte of "has byte b" is exact; little-endian order puts it first).
      {
        constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
        constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
        const std::uint64_t pd = kOnes * static_cast<unsigned char>(delim);
        const std::uint64_t pn = kOnes * static_cast<unsigned char>('\n');
        const std::uint64_t pq = kOnes * static_cast<unsigned char>('"');
        auto has = [](std::uint64_t x, std::uint64_t pat) {
          const std::uint64_t y = x ^ pat;
          return (y - kOnes) & ~y & kHigh;
        };
        while (p + 8 <= end_) {
          std::uint64_t w;
          std::memcpy(&w, d + p, 8);
          const std::uint64_t m = has(w, pd) | has(w, pn) | has(w, pq);
          if (m != 0) {
            p += static_cast<std::size_t>(__builtin_ctzll(m)) / 8;
            break;
          }
          p += 8;
        }
      }
      while (p < end_) {
        const char c = d[p];
        if (c == delim || c == '\n') break;
        if (c == '"') irregular_ = true;
        ++p;
      }
      std::size_t stop = p;
      if (p < end_ && d[p] == '\n' && stop > start && d[stop - 1] == '\r') --stop;
      descs_.push_back({start, stop - start, false});
      pos_ = p;
    }
    // After a field: a delimiter continues the record; a newline or the end finishes it.
    if (pos_ < end_ && d[pos_] == delim) {
      ++pos_;
      continue;
    }
    std::size_t raw_end = pos_;
    if (pos_ < end_ && d[pos_] == '\r') ++pos_;  // CRLF after a closing quote
    if (pos_ < end_ && d[pos_] == '\n') {
      ++pos_;
      ++line_;
    }
    if (raw_end > record_begin && d[raw_end - 1] == '\r') --raw_end;
    raw_ = std::string_view(d + record_begin, raw_end - record_begin);
    break;
  }
  fields_.resize(descs_.size());
  in_scratch_.resize(descs_.size());
  for (std::size_t i = 0; i < descs_.size(); ++i) {
    const Desc& x = descs_[i];
    fields_[i] = x.scratch ? std::string_view(scratch_.data() + x.offset, x.size)
                           : std::string_view(d + x.offset, x.size);
    in_scratch_[i] = x.scratch ? 1 : 0;
  }
  return Next::record;
}

std::vector<Chunk> split_chunks(const Context& ctx, std::string_view data, std::size_t begin,
                                std::int64_t first_line, std::size_t target, bool quotes_matter) {
  const std::size_t n = data.size();
  std::vector<Chunk> out;
  if (begin >= n) return out;
  if (target < 1) target = 1;
  const std::size_t body = n - begin;
  const auto pieces = static_cast<index_t>((body + target - 1) / target);
  std::vector<std::int64_t> quotes(static_cast<std::size_t>(pieces), 0);
  std::vector<std::int64_t> lines(static_cast<std::size_t>(pieces), 0);
  const char* d = data.data();
  parallel_for_blocks(ctx, pieces, 1, [&](index_t b, index_t, index_t) {
    const std::size_t s = begin + static_cast<std::size_t>(b) * target;
    const std::size_t e = std::min(n, s + target);
    lines[static_cast<std::size_t>(b)] = std::count(d + s, d + e, '\n');
    if (quotes_matter) quotes[static_cast<std::size_t>(b)] = std::count(d + s, d + e, '"');
  });
  out.push_back({begin, n, first_line});
  std::int64_t quote_prefix = quotes[0];
  std::int64_t line_prefix = lines[0];
  for (index_t i = 1; i < pieces; ++i) {
    const std::size_t p = begin + static_cast<std::size_t>(i) * target;
    if (p > out.back().begin) {
      // Find the first newline at or after p outside quotes.
      bool odd = (quote_prefix & 1) != 0;
      std::int64_t l = line_prefix;
      std::size_t q = p;
      while (q < n) {
        const char c = d[q++];
        if (c == '"' && quotes_matter) {
          odd = !odd;
        } else if (c == '\n') {
          ++l;
          if (!odd) break;
        }
      }
      if (q >= n) break;
      if (q > out.back().begin) {
        out.back().end = q;
        out.push_back({q, n, first_line + l});
      }
    }
    quote_prefix += quotes[static_cast<std::size_t>(i)];
    line_prefix += lines[static_cast<std::size_t>(i)];
  }
  // Every newline of [begin, n) is counted once: each chunk's count is the next one's start
  // line minus its own.
  std::int64_t total = 0;
  for (auto l : lines) total += l;
  for (std::size_t k = 0; k < out.size(); ++k)
    out[k].lines = (k + 1 < out.size() ? out[k + 1].line : first_line + total) - out[k].line;
  return out;
}

}  // namespace kohort::io::internal
