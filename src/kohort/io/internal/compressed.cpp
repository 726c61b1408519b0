#include "kohort/io/internal/compressed.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "kohort/core/atomic_file.h"

namespace kohort::io::internal {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Status truncated(const std::string& path, std::size_t produced) {
  return Status::invalid_input(
      path,
      fmt::format("unexpected end of compressed data after {} bytes", with_thousands(produced)),
      "the file is truncated; copy or download it again");
}

Status gunzip(const std::string& path, const std::string& in, std::string& out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK)
    return Status::internal(path, "zlib inflateInit2 failed");
  std::vector<char> buf(1 << 20);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  out.clear();
  out.reserve(in.size() * 4);
  int rc = Z_OK;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf.data(), buf.size() - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // a further gzip member follows
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      inflateEnd(&zs);
      return truncated(path, out.size());
    }
    if (rc != Z_OK) {
      const std::string msg = zs.msg != nullptr ? zs.msg : "error " + std::to_string(rc);
      inflateEnd(&zs);
      return Status::invalid_input(path, "corrupt gzip data: " + msg,
                                   "the file is damaged; copy or download it again");
    }
    if (zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return truncated(path, out.size());
    }
  }
  inflateEnd(&zs);
  return {};
}

Status unzstd(const std::string& path, const std::string& in, std::string& out) {
  std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) return Status::internal(path, "ZSTD_createDCtx failed");
  std::vector<char> buf(ZSTD_DStreamOutSize());
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  out.clear();
  out.reserve(in.size() * 4);
  std::size_t last = 0;
  bool full = false;
  do {
    ZSTD_outBuffer output{buf.data(), buf.size(), 0};
    last = ZSTD_decompressStream(dctx.get(), &output, &input);
    if (ZSTD_isError(last) != 0)
      return Status::invalid_input(path,
                                   std::string("corrupt zstd data: ") + ZSTD_getErrorName(last),
                                   "the file is damaged; copy or download it again");
    out.append(buf.data(), output.pos);
    full = output.pos == output.size;  // the decoder may hold more output
  } while (input.pos < input.size || full);
  if (last != 0) return truncated(path, out.size());  // a frame was not finished
  return {};
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

Status read_maybe_compressed(const std::string& path, std::string& out) {
  if (ends_with(path, ".gz") || ends_with(path, ".zst")) {
    std::string raw;
    KOHORT_RETURN_IF_ERROR(read_file(path, raw));
    if (raw.empty()) return truncated(path, 0);
    return ends_with(path, ".gz") ? gunzip(path, raw, out) : unzstd(path, raw, out);
  }
  return read_file(path, out);
}

}  // namespace kohort::io::internal
