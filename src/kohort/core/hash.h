// kohort/core/hash.h — content fingerprints (SHA-256 through OpenSSL).
#pragma once

#include <string>
#include <string_view>

#include "kohort/core/result.h"

namespace kohort {

/// SHA-256 of `bytes` as "sha256:<64 lower-case hex digits>".
[[nodiscard]] std::string sha256_fingerprint(std::string_view bytes);

/// A fingerprint of a file that costs the same for 1 KB and 10 GB: SHA-256 over its size and
/// its first and last MiB, as "sha256:…". It changes when the size or either end changes
/// (appended, truncated or re-exported data); an edit in the middle of a large file goes
/// unnoticed. Fails with io_error naming the file when it cannot be read.
[[nodiscard]] Result<std::string> file_fingerprint(const std::string& path);

}  // namespace kohort
