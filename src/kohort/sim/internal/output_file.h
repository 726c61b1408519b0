// kohort/sim/internal/output_file.h — a dataset file written as "<path>.tmp", renamed at the end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kohort/core/status.h"
#include "kohort/sim/internal/text.h"

namespace kohort::sim::internal {

/// An output file under construction. open() creates "<path>.tmp"; write() appends;
/// commit() closes and renames it to `path`; the destructor removes an uncommitted temporary.
/// Not copyable.
class OutputFile {
 public:
  OutputFile() = default;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  /// Fails with io_error naming the temporary path and the system's reason.
  [[nodiscard]] Status open(std::string path);
  /// Fails with io_error naming the temporary path (disk full, …).
  [[nodiscard]] Status write(std::string_view bytes);
  /// Fails with io_error naming the path when the close or the rename fails.
  [[nodiscard]] Status commit();

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::uint64_t bytes() const { return bytes_; }

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  std::uint64_t bytes_ = 0;
};

/// Replaces `out` with `in` as one complete gzip member (zlib level 1).
[[nodiscard]] Status gzip_member(std::string_view in, OutBuffer& out);
/// Replaces `out` with `in` as one complete zstd frame (level 1, content size, checksum).
[[nodiscard]] Status zstd_frame(std::string_view in, OutBuffer& out);

}  // namespace kohort::sim::internal
