#include "kohort/core/paths.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "kohort/core/text.h"

namespace kohort {

namespace {

std::string_view kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string normal(const std::string& p) {
  std::error_code ec;
  auto abs = std::filesystem::weakly_canonical(std::filesystem::absolute(p, ec), ec);
  return ec ? p : abs.lexically_normal().string();
}

}  // namespace

Status check_regular_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return Status::not_found(printable(path, 0), "no such file", "check the path and the working folder");
    return Status::io_error(printable(path, 0), std::string("cannot read: ") + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode))
    return Status::invalid_input(printable(path, 0), fmt::format("{}, not a regular file", kind_of(st.st_mode)),
                                 "pass a regular file (or - for standard input where the command takes it)");
  return {};
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  return normal(a) == normal(b);
}

Status check_not_an_input(const std::string& output, std::string_view flag, std::span<const std::string> inputs) {
  if (output.empty() || output == "-") return {};
  struct stat st {};
  if (::stat(output.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return {};
  for (const auto& in : inputs) {
    if (in.empty() || in == "-" || !same_file(output, in)) continue;
    return Status::invalid_input(
        std::string(flag),
        fmt::format("{} would write over {}, which this command reads", printable(output, 0), printable(in, 0)),
        "write the output to another file");
  }
  return {};
}

}  // namespace kohort
