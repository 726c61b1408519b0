// kohort/io/internal/csv_scan.h — RFC 4180 record scanning over one in-memory buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kohort/core/context.h"

namespace kohort::io::internal {

/// The delimiter value that means "runs of spaces and tabs" (kohort.toml `delimiter =
/// "whitespace"`): fields are separated by one or more blanks, blanks at either end of a line
/// are ignored, and quotes are ordinary characters — a space-aligned export such as the CDNOW
/// master file.
inline constexpr char kWhitespace = ' ';

/// The delimiter of a header line: the most frequent of ',', '\t', ';', '|' outside quotes
/// (ties in that order), or 0 when the line has none of them.
[[nodiscard]] char detect_delimiter(std::string_view header_line);

/// Length of the UTF-8 byte order mark at the start of `data` (3) or 0.
[[nodiscard]] std::size_t bom_length(std::string_view data);

/// Reads records of a delimited text in data[begin, end), which must start at a record
/// boundary. Fields are views into `data`, or into the reader's scratch buffer for quoted
/// fields holding doubled quotes (valid until the next call of next()). Blank lines are
/// skipped. CRLF and LF line ends are accepted. A quote that appears inside an unquoted field,
/// or text after a closing quote, is kept literally and marks the data irregular().
class RecordReader {
 public:
  enum class Next { record, end, unterminated };

  RecordReader(std::string_view data, std::size_t begin, std::size_t end, std::int64_t first_line,
               char delimiter);

  /// Reads the next record. `unterminated` means the range ended inside a quoted field; then
  /// quote_line()/quote_column() name where the quote opened. With the kWhitespace delimiter a
  /// record is one line split on runs of blanks.
  Next next();

  [[nodiscard]] std::span<const std::string_view> fields() const { return fields_; }
  /// True when field i points into the scratch buffer (copy it to keep it).
  [[nodiscard]] bool scratch(std::size_t i) const { return any_scratch_ && in_scratch_[i] != 0; }
  /// True when some field of the current record points into the scratch buffer.
  [[nodiscard]] bool any_scratch() const { return any_scratch_; }
  /// The 1-based physical line on which the current record starts.
  [[nodiscard]] std::int64_t line() const { return record_line_; }
  /// The current record's text without its line terminator.
  [[nodiscard]] std::string_view raw() const { return raw_; }
  /// The line that the next record would start on (after the last record read).
  [[nodiscard]] std::int64_t next_line() const { return line_; }
  [[nodiscard]] std::size_t position() const { return pos_; }
  [[nodiscard]] bool irregular() const { return irregular_; }
  [[nodiscard]] std::int64_t quote_line() const { return quote_line_; }
  [[nodiscard]] int quote_column() const { return quote_column_; }

 private:
  // A field held in the scratch buffer: its view is made when the record is complete (the
  // buffer may move while the record is read).
  struct Held {
    std::size_t field;
    std::size_t offset;
    std::size_t size;
  };

  // The position of the first delimiter, newline or quote at or after p, or end_.
  std::size_t find_special(std::size_t p);
  // next() for the kWhitespace delimiter.
  Next next_blank_separated();

  std::string_view data_;
  std::size_t pos_;
  std::size_t end_;
  std::int64_t line_;
  char delim_;
  std::int64_t record_line_ = 0;
  std::string_view raw_;
  std::vector<std::string_view> fields_;
  std::vector<Held> held_;
  std::vector<std::uint8_t> in_scratch_;
  bool any_scratch_ = false;
  std::string scratch_;
  // The last 64-byte block scanned by find_special: data_[block_, block_ + 64) and the mask of
  // its delimiters, newlines and quotes (bit i for byte block_ + i).
  std::size_t block_ = 0;
  std::size_t block_end_ = 0;
  std::uint64_t block_mask_ = 0;
  bool irregular_ = false;
  std::int64_t quote_line_ = 0;
  int quote_column_ = 0;
};

/// Counts the bytes of [p, p + n) equal to `a` (into na) and to `b` (into nb), 16 bytes at a
/// time.
void count_bytes(const char* p, std::size_t n, char a, char b, std::int64_t& na, std::int64_t& nb);

/// A piece of the body: records in [begin, end), the first starting on physical line `line`.
struct Chunk {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::int64_t line = 1;
  /// Newlines in [begin, end) when known (split_chunks() counts them), else -1.
  std::int64_t lines = -1;
};

/// Cuts data[begin, size) into pieces of about `target` bytes that end after a newline lying
/// outside quotes (by quote parity, exact for RFC 4180 data). The cut depends only on the
/// data and `target`, never on the thread count. Counting runs on ctx.threads() threads.
/// When `quotes_matter` is false (JSON Lines), every newline is a record boundary.
[[nodiscard]] std::vector<Chunk> split_chunks(const Context& ctx, std::string_view data,
                                              std::size_t begin, std::int64_t first_line,
                                              std::size_t target, bool quotes_matter = true);

/// A 64-bit hash of bytes (for dictionaries and row tie-breaking; not cryptographic):
/// multiply-xorshift over 8-byte words, the tail read as one overlapping word. Inline because
/// every interned cell calls it.
[[nodiscard]] inline std::uint64_t hash_bytes(std::string_view s) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  const char* p = s.data();
  const std::size_t n = s.size();
  std::uint64_t h = 0x243F6A8885A308D3ULL ^ (n * kMul);
  auto mix = [&h](std::uint64_t w) {
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  };
  if (n >= 8) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      mix(w);
    }
    if (i < n) {
      std::uint64_t w;
      std::memcpy(&w, p + n - 8, 8);  // overlapping last word
      mix(w);
    }
  } else if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    mix(a | (static_cast<std::uint64_t>(b) << 32));
  } else if (n > 0) {
    const auto c0 = static_cast<unsigned char>(p[0]);
    const auto c1 = static_cast<unsigned char>(p[n / 2]);
    const auto c2 = static_cast<unsigned char>(p[n - 1]);
    mix(c0 | (static_cast<std::uint64_t>(c1) << 8) | (static_cast<std::uint64_t>(c2) << 16));
  }
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 31;
  return h;
}

}  // namespace kohort::io::internal
