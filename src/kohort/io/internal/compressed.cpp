#include "kohort/io/internal/compressed.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "kohort/core/atomic_file.h"
#include "kohort/core/paths.h"

namespace kohort::io::internal {

namespace {

constexpr std::size_t kInputBytes = std::size_t{1} << 20;
// zlib counts in uInt: hand it at most this much output per call.
constexpr std::size_t kMaxInflate = std::size_t{1} << 30;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Status truncated(const std::string& path, std::uint64_t produced) {
  return Status::invalid_input(
      path,
      fmt::format("unexpected end of compressed data after {} bytes", with_thousands(produced)),
      "the file is truncated; copy or download it again");
}

Status corrupt(const std::string& path, std::string_view format, const std::string& msg) {
  return Status::invalid_input(path, fmt::format("corrupt {} data: {}", format, msg),
                               "the file is damaged; copy or download it again");
}

Status read_some(int fd, const std::string& path, char* dst, std::size_t max, std::size_t& got) {
  for (;;) {
    const ssize_t r = ::read(fd, dst, max);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::io_error(path, std::string("cannot read: ") + std::strerror(errno));
    }
    got = static_cast<std::size_t>(r);
    return {};
  }
}

}  // namespace

std::string with_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  const std::size_t len = digits.size();
  for (std::size_t i = 0; i < len; ++i) {
    out.push_back(digits[i]);
    const std::size_t rest = len - 1 - i;
    if (rest > 0 && rest % 3 == 0) out.push_back(',');
  }
  return out;
}

StreamReader::~StreamReader() {
  if (fd_ >= 0) ::close(fd_);
  if (zs_open_) inflateEnd(&zs_);
}

Status StreamReader::open(const std::string& path) {
  path_ = path;
  kind_ = ends_with(path, ".gz") ? Kind::gzip : ends_with(path, ".zst") ? Kind::zstd : Kind::plain;
  // A FIFO, a device (/dev/zero) or a folder would block the open or never end.
  KOHORT_RETURN_IF_ERROR(check_regular_file(path));
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    if (errno == ENOENT)
      return Status::not_found(path, "no such file", "check the path and the working folder");
    return Status::io_error(path, std::string("cannot open: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) {
    plain_regular_ = true;
    plain_size_ = static_cast<std::uint64_t>(st.st_size);
  }
  return {};
}

double StreamReader::progress() const {
  const auto share = [](std::uint64_t part, std::uint64_t whole) {
    return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
  };
  switch (kind_) {
    case Kind::plain: return plain_regular_ ? share(produced_, plain_size_) : 0.0;
    case Kind::gzip:
    case Kind::zstd:  // the compressed bytes taken from the input buffer so far
      return plain_regular_ ? share(in_total_ - (in_len_ - in_pos_), plain_size_) : 0.0;
    case Kind::text: return share(text_pos_, text_.size());
    case Kind::pull: return 0.0;
  }
  return 0.0;
}

void StreamReader::open_text(std::string text) {
  kind_ = Kind::text;
  text_ = std::move(text);
  text_pos_ = 0;
}

void StreamReader::open_pull(Pull pull) {
  kind_ = Kind::pull;
  pull_ = std::move(pull);
  pull_end_ = false;
  text_.clear();
  text_pos_ = 0;
}

Status StreamReader::fill_input() {
  if (in_.empty()) in_.resize(kInputBytes);
  std::size_t got = 0;
  KOHORT_RETURN_IF_ERROR(read_some(fd_, path_, in_.data(), in_.size(), got));
  in_pos_ = 0;
  in_len_ = got;
  in_total_ += got;
  if (got == 0) in_eof_ = true;
  if (in_eof_ && in_total_ == 0) return truncated(path_, 0);
  return {};
}

Status StreamReader::read_plain(char* dst, std::size_t max, std::size_t& got) {
  while (got < max) {
    std::size_t n = 0;
    KOHORT_RETURN_IF_ERROR(read_some(fd_, path_, dst + got, max - got, n));
    if (n == 0) {
      done_ = true;
      break;
    }
    got += n;
  }
  return {};
}

// The rules of the former whole-buffer gunzip, with "no input left" meaning the file's end:
// a member that ends with input left starts another member; running out of input inside a
// member is a truncated file.
Status StreamReader::read_gzip(char* dst, std::size_t max, std::size_t& got) {
  if (!zs_open_) {
    if (inflateInit2(&zs_, 15 + 32) != Z_OK)
      return Status::internal(path_, "zlib inflateInit2 failed");
    zs_open_ = true;
  }
  auto refill = [&]() -> Status {
    if (zs_.avail_in == 0 && !in_eof_) {
      KOHORT_RETURN_IF_ERROR(fill_input());
      zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
      zs_.avail_in = static_cast<uInt>(in_len_);
    }
    return {};
  };
  while (got < max) {
    KOHORT_RETURN_IF_ERROR(refill());
    const std::size_t room = std::min(max - got, kMaxInflate);
    zs_.next_out = reinterpret_cast<Bytef*>(dst + got);
    zs_.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&zs_, Z_NO_FLUSH);
    got += room - zs_.avail_out;
    if (rc == Z_STREAM_END) {
      KOHORT_RETURN_IF_ERROR(refill());
      if (zs_.avail_in == 0) {
        done_ = true;
        break;
      }
      inflateReset(&zs_);  // a further gzip member follows
      continue;
    }
    if (rc == Z_BUF_ERROR && zs_.avail_in == 0) return truncated(path_, produced_ + got);
    if (rc != Z_OK)
      return corrupt(path_, "gzip", zs_.msg != nullptr ? zs_.msg : "error " + std::to_string(rc));
    if (zs_.avail_in == 0 && in_eof_ && zs_.avail_out != 0)
      return truncated(path_, produced_ + got);
  }
  return {};
}

Status StreamReader::read_zstd(char* dst, std::size_t max, std::size_t& got) {
  if (!dctx_) {
    dctx_.reset(ZSTD_createDCtx());
    if (!dctx_) return Status::internal(path_, "ZSTD_createDCtx failed");
  }
  for (;;) {
    if (in_pos_ == in_len_ && !in_eof_) KOHORT_RETURN_IF_ERROR(fill_input());
    // Done when the input is used up and the decoder holds nothing more: its last call left
    // output room, or finished a frame with everything flushed.
    if (in_pos_ == in_len_ && in_eof_ && (!zstd_full_ || zstd_last_ == 0)) {
      done_ = true;
      if (zstd_last_ != 0) return truncated(path_, produced_ + got);  // a frame was not finished
      return {};
    }
    if (got == max) return {};
    ZSTD_inBuffer input{in_.data(), in_len_, in_pos_};
    ZSTD_outBuffer output{dst, max, got};
    zstd_last_ = ZSTD_decompressStream(dctx_.get(), &output, &input);
    if (ZSTD_isError(zstd_last_) != 0)
      return corrupt(path_, "zstd", ZSTD_getErrorName(zstd_last_));
    in_pos_ = input.pos;
    got = output.pos;
    zstd_full_ = output.pos == output.size;  // the decoder may hold more output
  }
}

Status StreamReader::read(std::string& out, std::size_t max_bytes) {
  if (done_ || max_bytes == 0) return {};
  const std::size_t base = out.size();
  if (kind_ == Kind::pull) {
    // Pull pieces into text_ until it holds max_bytes or the source ends, then hand out
    // max_bytes (or the rest) and keep what is over for the next read.
    while (!pull_end_ && text_.size() - text_pos_ < max_bytes) {
      if (text_pos_ > 0) {
        text_.erase(0, text_pos_);
        text_pos_ = 0;
      }
      KOHORT_RETURN_IF_ERROR(pull_(text_, max_bytes - text_.size(), pull_end_));
    }
    const std::size_t n = std::min(max_bytes, text_.size() - text_pos_);
    out.append(text_, text_pos_, n);
    text_pos_ += n;
    produced_ += n;
    if (pull_end_ && text_pos_ == text_.size()) {
      done_ = true;
      std::string().swap(text_);
      pull_ = nullptr;
    }
    return {};
  }
  if (kind_ == Kind::text) {
    const std::size_t n = std::min(max_bytes, text_.size() - text_pos_);
    out.append(text_, text_pos_, n);
    text_pos_ += n;
    produced_ += n;
    if (text_pos_ == text_.size()) {
      done_ = true;
      std::string().swap(text_);
    }
    return {};
  }
  // Grow the buffer as bytes arrive (a small file must not cost a whole window of memory);
  // a plain file's remaining size bounds the first step.
  std::size_t got = 0;
  std::size_t step = std::min(max_bytes, kInputBytes);
  if (kind_ == Kind::plain && plain_regular_)
    step = std::min(max_bytes, (plain_size_ > produced_ ? plain_size_ - produced_ : 0) + 1);
  Status st;
  while (st.ok() && got < max_bytes && !done_) {
    const std::size_t want = std::min(max_bytes - got, step);
    out.resize(base + got + want);
    char* dst = out.data() + base + got;
    std::size_t n = 0;
    switch (kind_) {
      case Kind::plain: st = read_plain(dst, want, n); break;
      case Kind::gzip: st = read_gzip(dst, want, n); break;
      case Kind::zstd: st = read_zstd(dst, want, n); break;
      case Kind::text:
      case Kind::pull: break;
    }
    got += n;
    produced_ += n;
    step = std::min(step * 2, max_bytes);
  }
  out.resize(base + got);
  if (done_ && fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  return st;
}

Status StreamReader::drain() {
  if (!compressed()) return {};
  std::string scratch;
  while (!done_) {
    scratch.clear();
    KOHORT_RETURN_IF_ERROR(read(scratch, kInputBytes));
  }
  return {};
}

Status read_maybe_compressed(const std::string& path, std::string& out) {
  if (!ends_with(path, ".gz") && !ends_with(path, ".zst")) return read_file(path, out);
  StreamReader reader;
  KOHORT_RETURN_IF_ERROR(reader.open(path));
  out.clear();
  std::size_t step = kInputBytes;
  while (!reader.at_end()) {
    KOHORT_RETURN_IF_ERROR(reader.read(out, step));
    step = std::min(step * 2, std::size_t{256} << 20);
  }
  return {};
}

}  // namespace kohort::io::internal
