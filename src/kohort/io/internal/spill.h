// kohort/io/internal/spill.h — partition files written while a dataset is split by customer.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "kohort/core/status.h"

namespace kohort::io::internal {

/// An append-only zstd file made of independent frames (StreamReader reads such concatenated
/// frames as one text). append() buffers; a full buffer is compressed (level 1) and written as
/// one frame by flush(), which may run on any thread (one writer per file). Not copyable.
class SpillWriter {
 public:
  /// Bytes buffered before a frame is worth writing (by default).
  static constexpr std::size_t kFrameBytes = std::size_t{4} << 20;

  SpillWriter() = default;
  /// A writer that writes a frame every `frame_bytes` (≥ 1): with many partitions under a
  /// small memory limit, their buffers together must stay small.
  explicit SpillWriter(std::size_t frame_bytes) : frame_bytes_(frame_bytes) {}
  SpillWriter(const SpillWriter&) = delete;
  SpillWriter& operator=(const SpillWriter&) = delete;
  SpillWriter(SpillWriter&& other) noexcept;
  SpillWriter& operator=(SpillWriter&& other) noexcept;
  ~SpillWriter();

  /// Creates (truncates) `path`; io_error naming it when the system refuses.
  [[nodiscard]] Status open(std::string path);
  void append(std::string_view bytes) { buffer_.append(bytes); }
  [[nodiscard]] bool full() const { return buffer_.size() >= frame_bytes_; }
  /// Writes the buffered bytes as one frame (nothing when empty); io_error (disk full, …)
  /// naming the file.
  [[nodiscard]] Status flush();
  /// flush(), then closes the file.
  [[nodiscard]] Status close();
  [[nodiscard]] const std::string& path() const { return path_; }
  /// Uncompressed bytes appended so far, and compressed bytes written.
  [[nodiscard]] std::uint64_t text_bytes() const { return text_bytes_ + buffer_.size(); }
  [[nodiscard]] std::uint64_t file_bytes() const { return file_bytes_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
  std::string frame_;
  std::uint64_t text_bytes_ = 0, file_bytes_ = 0;
  std::size_t frame_bytes_ = kFrameBytes;
};

}  // namespace kohort::io::internal
