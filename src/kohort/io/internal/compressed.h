// kohort/io/internal/compressed.h — file reads with .gz / .zst decompression, whole or streamed.
#pragma once

#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kohort/core/status.h"

namespace kohort::io::internal {

/// Reads a file front to back in pieces, decompressing by extension: `.gz` (zlib, concatenated
/// members allowed) and `.zst` (zstd, concatenated frames allowed); other files are read as
/// they are. Text already in memory (a SQLite table rendered as CSV) can be served the same
/// way. The bytes handed out are exactly those read_maybe_compressed() would return, and the
/// errors are the same: not_found/io_error naming the path, invalid_input "unexpected end of
/// compressed data after N bytes" (N decompressed bytes) for a truncated stream and "corrupt
/// gzip/zstd data: …" for damaged bytes. Memory: 1 MiB of input buffer plus the decoder's
/// state. Not thread-safe; one reader per file.
class StreamReader {
 public:
  StreamReader() = default;
  ~StreamReader();
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;

  /// Opens `path`; fails with not_found or io_error as read_file() does.
  [[nodiscard]] Status open(const std::string& path);
  /// Serves `text` as if it were the file's content.
  void open_text(std::string text);
  /// Appends the next piece of a source's text to `out` (about `hint` bytes, at least one
  /// byte unless it sets `end`); an error stops the read.
  using Pull = std::function<Status(std::string& out, std::size_t hint, bool& end)>;
  /// Serves the text a pull function produces (a database's COPY stream), piece by piece.
  void open_pull(Pull pull);

  /// Appends up to `max_bytes` bytes to `out`: exactly `max_bytes` unless the data ends first,
  /// which at_end() then reports. A decompression error is returned when the bytes before it
  /// have been handed out.
  [[nodiscard]] Status read(std::string& out, std::size_t max_bytes);
  /// True when every byte has been handed out.
  [[nodiscard]] bool at_end() const { return done_; }
  /// The fraction of the source consumed so far, counted in the file's own (compressed)
  /// bytes, or 0 when its size is unknown (a pipe, a database stream). For sizing buffers.
  [[nodiscard]] double progress() const;
  /// True for .gz and .zst files.
  [[nodiscard]] bool compressed() const { return kind_ == Kind::gzip || kind_ == Kind::zstd; }
  /// Decompresses the rest without keeping it, so that a truncated or corrupt compressed file
  /// reports its error (reading a whole file first would have reported it before any parse
  /// error). Plain files and text are not read further: their bytes cannot be "truncated".
  [[nodiscard]] Status drain();

 private:
  enum class Kind { plain, gzip, zstd, text, pull };

  [[nodiscard]] Status fill_input();
  [[nodiscard]] Status read_plain(char* dst, std::size_t max, std::size_t& got);
  [[nodiscard]] Status read_gzip(char* dst, std::size_t max, std::size_t& got);
  [[nodiscard]] Status read_zstd(char* dst, std::size_t max, std::size_t& got);

  Kind kind_ = Kind::plain;
  std::string path_;
  int fd_ = -1;
  bool done_ = false;
  std::uint64_t produced_ = 0;  ///< decompressed bytes handed out so far
  std::uint64_t plain_size_ = 0;  ///< a regular file's size (bounds a plain read's buffer)
  bool plain_regular_ = false;
  // Compressed input: in_[in_pos_, in_len_) is unread; in_eof_ once the file is exhausted.
  std::vector<char> in_;
  std::size_t in_pos_ = 0, in_len_ = 0;
  std::uint64_t in_total_ = 0;
  bool in_eof_ = false;
  z_stream zs_{};
  bool zs_open_ = false;
  std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> dctx_{nullptr, ZSTD_freeDCtx};
  std::size_t zstd_last_ = 1;  ///< ZSTD_decompressStream's last hint; non-zero mid-frame
  bool zstd_full_ = true;      ///< its last call filled the output (it may hold more)
  std::string text_;  ///< text, or a pull source's pieces not yet handed out
  std::size_t text_pos_ = 0;
  Pull pull_;
  bool pull_end_ = false;
};

/// Reads `path` into `out` whole, decompressing by extension as StreamReader does, with the
/// same errors. Memory: the decompressed size plus 1 MiB of buffers.
[[nodiscard]] Status read_maybe_compressed(const std::string& path, std::string& out);

/// "1,048,576" for 1048576.
[[nodiscard]] std::string with_thousands(std::uint64_t n);

}  // namespace kohort::io::internal
