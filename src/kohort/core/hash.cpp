#include "kohort/core/hash.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <openssl/evp.h>

namespace kohort {

std::string sha256_fingerprint(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const int ok = EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  std::string out = "sha256:";
  if (ok != 1) return out + "unavailable";
  for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

Result<std::string> file_fingerprint(const std::string& path) {
  constexpr std::streamoff kEnd = std::streamoff{1} << 20;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in)
    return Status::io_error(path, fmt::format("cannot read the file: {}", std::strerror(errno)),
                            "check that it exists and is readable");
  const std::streamoff size = in.tellg();
  std::string bytes = fmt::format("{}\n", size);
  auto take = [&](std::streamoff from, std::streamoff count) {
    const std::size_t at = bytes.size();
    bytes.resize(at + static_cast<std::size_t>(count));
    in.seekg(from);
    in.read(bytes.data() + at, count);
  };
  if (size <= 2 * kEnd) {
    take(0, size);
  } else {
    take(0, kEnd);
    take(size - kEnd, kEnd);
  }
  if (!in)
    return Status::io_error(path, "the file could not be read to its end", "check that it is not being written");
  return sha256_fingerprint(bytes);
}

}  // namespace kohort
