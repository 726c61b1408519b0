#include "kohort/io/internal/spill.h"

#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace kohort::io::internal {

SpillWriter::SpillWriter(SpillWriter&& other) noexcept
    : path_(std::move(other.path_)),
      file_(std::exchange(other.file_, nullptr)),
      buffer_(std::move(other.buffer_)),
      frame_(std::move(other.frame_)),
      text_bytes_(other.text_bytes_),
      file_bytes_(other.file_bytes_),
      frame_bytes_(other.frame_bytes_) {}

SpillWriter& SpillWriter::operator=(SpillWriter&& other) noexcept {
  if (this != &other) {
    if (file_ != nullptr) std::fclose(file_);
    path_ = std::move(other.path_);
    file_ = std::exchange(other.file_, nullptr);
    buffer_ = std::move(other.buffer_);
    frame_ = std::move(other.frame_);
    text_bytes_ = other.text_bytes_;
    file_bytes_ = other.file_bytes_;
    frame_bytes_ = other.frame_bytes_;
  }
  return *this;
}

SpillWriter::~SpillWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

Status SpillWriter::open(std::string path) {
  path_ = std::move(path);
  file_ = std::fopen(path_.c_str(), "wb");
  if (file_ == nullptr)
    return Status::io_error(path_, std::string("cannot create the spill file: ") + std::strerror(errno),
                            "check that the spill folder (--spill-dir) is writable");
  return {};
}

Status SpillWriter::flush() {
  if (buffer_.empty()) return {};
  frame_.resize(ZSTD_compressBound(buffer_.size()));
  const std::size_t n = ZSTD_compress(frame_.data(), frame_.size(), buffer_.data(), buffer_.size(), 1);
  if (ZSTD_isError(n)) return Status::internal(path_, ZSTD_getErrorName(n));
  if (std::fwrite(frame_.data(), 1, n, file_) != n)
    return Status::io_error(path_, std::string("cannot write the spill file: ") + std::strerror(errno),
                            "free disk space in the spill folder (--spill-dir), or point it at a "
                            "larger disk");
  text_bytes_ += buffer_.size();
  file_bytes_ += n;
  buffer_.clear();
  return {};
}

Status SpillWriter::close() {
  Status st = flush();
  if (file_ != nullptr) {
    const bool ok = std::fclose(file_) == 0;
    file_ = nullptr;
    if (st.ok() && !ok)
      return Status::io_error(path_, std::string("cannot close the spill file: ") + std::strerror(errno),
                              "free disk space in the spill folder (--spill-dir)");
  }
  return st;
}

}  // namespace kohort::io::internal
