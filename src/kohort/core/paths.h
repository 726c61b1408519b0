// kohort/core/paths.h — what a command may read and write: regular files only, and never an
// output over one of its own inputs.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "kohort/core/status.h"

namespace kohort {

/// OK when `path` names a regular file (after following links). Fails with not_found when it
/// does not exist, and with invalid_input when it is a folder, a FIFO, a device (such as
/// /dev/zero), or a socket: such a "file" never ends or blocks the reader. Does not open the
/// file (opening a FIFO would block). O(1).
[[nodiscard]] Status check_regular_file(const std::string& path);

/// True when `a` and `b` are the same existing file system object (same device and inode, so
/// any symbolic or hard link to it counts), or the same path after making both absolute and
/// normal. False when either does not exist and the paths differ.
[[nodiscard]] bool same_file(const std::string& a, const std::string& b);

/// OK unless writing `output` (given by option `flag`, e.g. "--out") would replace one of
/// `inputs` (the files the command reads, its store's files included). "-" (standard output)
/// and an existing non-regular output (/dev/null) are always fine. Fails with invalid_input
/// naming the flag and both paths, with a hint to write elsewhere. O(inputs).
[[nodiscard]] Status check_not_an_input(const std::string& output, std::string_view flag,
                                        std::span<const std::string> inputs);

}  // namespace kohort
