// kohort/io/internal/compressed.h — whole-file reads with .gz / .zst decompression.
#pragma once

#include <string>

#include "kohort/core/status.h"

namespace kohort::io::internal {

/// Reads `path` into `out`, decompressing by extension: `.gz` (zlib, concatenated members
/// allowed) and `.zst` (zstd, concatenated frames allowed); other files are read as they are.
/// Fails with not_found/io_error naming the path, or invalid_input "unexpected end of
/// compressed data after N bytes" (N decompressed bytes) for a truncated stream and "corrupt
/// gzip/zstd data" for damaged bytes. Memory: the decompressed size plus 1 MiB of buffers.
[[nodiscard]] Status read_maybe_compressed(const std::string& path, std::string& out);

/// "1,048,576" for 1048576.
[[nodiscard]] std::string with_thousands(std::uint64_t n);

}  // namespace kohort::io::internal
