#include "kohort/io/internal/csv_scan.h"

#include <emmintrin.h>

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

namespace {

// Bit i is set when p[i] is the delimiter, a newline or a quote, for 64 bytes from p. SSE2 is
// part of every x86-64 processor, so this needs no dispatch.
inline std::uint64_t special_bits(const char* p, char delim) {
  const __m128i d = _mm_set1_epi8(delim);
  const __m128i n = _mm_set1_epi8('\n');
  const __m128i q = _mm_set1_epi8('"');
  std::uint64_t m = 0;
  for (int k = 0; k < 4; ++k) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, d), _mm_cmpeq_epi8(x, n)),
                                     _mm_cmpeq_epi8(x, q));
    m |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(hit))) << (16 * k);
  }
  return m;
}

}  // namespace

void count_bytes(const char* p, std::size_t n, char a, char b, std::int64_t& na, std::int64_t& nb) {
  na = 0;
  nb = 0;
  const __m128i va = _mm_set1_epi8(a);
  const __m128i vb = _mm_set1_epi8(b);
  const __m128i zero = _mm_setzero_si128();
  std::size_t i = 0;
  auto total = [&zero](__m128i acc) {
    const __m128i s = _mm_sad_epu8(acc, zero);  // two sums of eight byte counts
    return static_cast<std::int64_t>(_mm_cvtsi128_si64(s)) +
           static_cast<std::int64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(s, s)));
  };
  while (i + 16 <= n) {
    // Byte counters hold at most 255: flush them every 255 blocks.
    const std::size_t blocks = std::min<std::size_t>(255, (n - i) / 16);
    __m128i acc_a = zero, acc_b = zero;
    for (std::size_t k = 0; k < blocks; ++k, i += 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      acc_a = _mm_sub_epi8(acc_a, _mm_cmpeq_epi8(x, va));
      acc_b = _mm_sub_epi8(acc_b, _mm_cmpeq_epi8(x, vb));
    }
    na += total(acc_a);
    nb += total(acc_b);
  }
  for (; i < n; ++i) {
    na += p[i] == a ? 1 : 0;
    nb += p[i] == b ? 1 : 0;
  }
}

[[gnu::always_inline]] inline std::size_t RecordReader::find_special(std::size_t p) {
  const char* d = data_.data();
  for (;;) {
    if (p >= block_ && p < block_end_) {
      const std::uint64_t m = block_mask_ & (~std::uint64_t{0} << (p - block_));
      if (m != 0) return block_ + static_cast<std::size_t>(__builtin_ctzll(m));
      p = block_end_;
    }
    if (p + 64 > end_) break;
    block_ = p;
    block_end_ = p + 64;
    block_mask_ = special_bits(d + p, delim_);
  }
  while (p < end_ && d[p] != delim_ && d[p] != '\n' && d[p] != '"') ++p;
  return p;
}

RecordReader::Next RecordReader::next_blank_separated() {
  const char* d = data_.data();
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  for (;;) {  // a line of blanks holds no record
    if (pos_ >= end_) return Next::end;
    const void* nl = std::memchr(d + pos_, '\n', end_ - pos_);
    const std::size_t e = nl == nullptr ? end_ : static_cast<std::size_t>(static_cast<const char*>(nl) - d);
    std::size_t b = pos_, t = e;
    while (b < t && blank(d[b])) ++b;
    while (t > b && blank(d[t - 1])) --t;
    const std::size_t next_pos = e < end_ ? e + 1 : end_;
    if (b == t) {
      pos_ = next_pos;
      if (e < end_) ++line_;
      continue;
    }
    record_line_ = line_;
    fields_.clear();
    any_scratch_ = false;
    raw_ = data_.substr(b, t - b);
    for (std::size_t i = b; i < t;) {
      std::size_t j = i;
      while (j < t && !blank(d[j])) ++j;
      fields_.push_back(data_.substr(i, j - i));
      while (j < t && blank(d[j])) ++j;
      i = j;
    }
    pos_ = next_pos;
    if (e < end_) ++line_;
    return Next::record;
  }
}

RecordReader::Next RecordReader::next() {
  if (delim_ == kWhitespace) return next_blank_separated();
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
  fields_.clear();
  held_.clear();
  scratch_.clear();
  any_scratch_ = false;
  const char delim = delim_;
  for (;;) {
    if (pos_ < end_ && d[pos_] == '"') {
      const std::int64_t open_line = line_;
      const auto open_column = static_cast<int>(fields_.size()) + 1;
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
      bool held = false;
      std::size_t offset = start;
      std::size_t size = close - start;
      if (escaped) {
        held = true;
        offset = scratch_.size();
        for (std::size_t i = start; i < close; ++i) {
          scratch_.push_back(d[i]);
          if (d[i] == '"') ++i;  // the second quote of a doubled pair
        }
        size = scratch_.size() - offset;
      }
      // Text after the closing quote is not RFC 4180; keep it literally.
      if (pos_ < end_ && d[pos_] != delim && d[pos_] != '\n' &&
          !(d[pos_] == '\r' && pos_ + 1 < end_ && d[pos_ + 1] == '\n')) {
        irregular_ = true;
        if (!held) {
          held = true;
          const std::size_t off = scratch_.size();
          scratch_.append(d + offset, size);
          offset = off;
        }
        while (pos_ < end_ && d[pos_] != delim && d[pos_] != '\n') {
          if (d[pos_] == '\r' && pos_ + 1 < end_ && d[pos_ + 1] == '\n') break;
          scratch_.push_back(d[pos_++]);
        }
        size = scratch_.size() - offset;
      }
      if (held) {
        held_.push_back({fields_.size(), offset, size});
        fields_.emplace_back();
      } else {
        fields_.emplace_back(d + offset, size);
      }
    } else {
      const std::size_t start = pos_;
      // To the first delimiter or newline; a quote inside an unquoted field is kept.
      std::size_t p = find_special(pos_);
      while (p < end_ && d[p] == '"') {
        irregular_ = true;
        p = find_special(p + 1);
      }
      std::size_t stop = p;
      if (p < end_ && d[p] == '\n' && stop > start && d[stop - 1] == '\r') --stop;
      fields_.emplace_back(d + start, stop - start);
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
  if (!held_.empty()) {
    any_scratch_ = true;
    in_scratch_.assign(fields_.size(), 0);
    for (const Held& h : held_) {
      fields_[h.field] = std::string_view(scratch_.data() + h.offset, h.size);
      in_scratch_[h.field] = 1;
    }
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
    count_bytes(d + s, e - s, '\n', '"', lines[static_cast<std::size_t>(b)],
                quotes[static_cast<std::size_t>(b)]);
    if (!quotes_matter) quotes[static_cast<std::size_t>(b)] = 0;
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
