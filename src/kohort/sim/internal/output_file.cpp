#include "kohort/sim/internal/output_file.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace kohort::sim::internal {

OutputFile::~OutputFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

Status OutputFile::open(std::string path) {
  path_ = std::move(path);
  tmp_ = path_ + ".tmp";
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0)
    return Status::io_error(tmp_, std::string("cannot create: ") + std::strerror(errno),
                            "check that the --out folder is writable");
  return {};
}

Status OutputFile::write(std::string_view bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t w = ::write(fd_, bytes.data() + off, bytes.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::io_error(tmp_, std::string("cannot write: ") + std::strerror(errno),
                              "check free disk space and permissions");
    }
    off += static_cast<std::size_t>(w);
  }
  bytes_ += bytes.size();
  return {};
}

Status OutputFile::commit() {
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmp_.c_str());
    return Status::io_error(tmp_, std::string("cannot close: ") + std::strerror(e),
                            "check free disk space");
  }
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp_.c_str());
    return Status::io_error(path_, std::string("cannot rename into place: ") + std::strerror(e));
  }
  return {};
}

Status gzip_member(std::string_view in, OutBuffer& out) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip wrapper with mtime 0, so the bytes depend on the input only.
  if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return Status::internal("sim/gzip", "deflateInit2 failed");
  out.clear();
  const auto* next = reinterpret_cast<const Bytef*>(in.data());
  std::size_t left = in.size();
  int rc = Z_OK;
  do {
    const uInt chunk = static_cast<uInt>(std::min<std::size_t>(left, 1u << 30));
    zs.next_in = const_cast<Bytef*>(next);
    zs.avail_in = chunk;
    next += chunk;
    left -= chunk;
    const int flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
    do {
      const std::size_t room = deflateBound(&zs, zs.avail_in) + 64;
      char* p = out.line(room);
      zs.next_out = reinterpret_cast<Bytef*>(p);
      zs.avail_out = static_cast<uInt>(room);
      rc = deflate(&zs, flush);
      out.commit(p + (room - zs.avail_out));
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) break;
    } while (zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  } while (left > 0 && rc == Z_OK);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::internal("sim/gzip", "deflate did not finish");
  return {};
}

Status zstd_frame(std::string_view in, OutBuffer& out) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  if (cctx == nullptr) return Status::internal("sim/zstd", "ZSTD_createCCtx failed");
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setPledgedSrcSize(cctx, in.size());
  out.clear();
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  std::size_t remaining = 0;
  do {
    const std::size_t room = ZSTD_CStreamOutSize() + ZSTD_compressBound(src.size - src.pos);
    char* p = out.line(room);
    ZSTD_outBuffer dst{p, room, 0};
    remaining = ZSTD_compressStream2(cctx, &dst, &src, ZSTD_e_end);
    if (ZSTD_isError(remaining)) {
      ZSTD_freeCCtx(cctx);
      return Status::internal("sim/zstd", ZSTD_getErrorName(remaining));
    }
    out.commit(p + dst.pos);
  } while (remaining != 0);
  ZSTD_freeCCtx(cctx);
  return {};
}

}  // namespace kohort::sim::internal
