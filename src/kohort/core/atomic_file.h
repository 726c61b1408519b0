// kohort/core/atomic_file.h — all-or-nothing file output.
#pragma once

#include <string>
#include <string_view>

#include "kohort/core/status.h"

namespace kohort {

/// Writes `bytes` to `path` so that readers see either the old file or the whole new one:
/// to a hidden ".<name>.kohort.tmp" beside it, fsync, rename, fsync of the directory. "-" writes to standard output; an
/// existing non-regular file (such as /dev/null) is written directly. Fails with io_error
/// naming the path and the system's reason; on failure the temporary file is removed.
[[nodiscard]] Status write_file_atomic(const std::string& path, std::string_view bytes);

/// Reads a whole regular file. Fails with not_found or io_error naming the path, and with
/// invalid_input for a folder, FIFO, device or socket (check_regular_file, core/paths.h).
[[nodiscard]] Status read_file(const std::string& path, std::string& out);

}  // namespace kohort
