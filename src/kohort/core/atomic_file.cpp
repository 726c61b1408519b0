#include "kohort/core/atomic_file.h"

#include "kohort/core/paths.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace kohort {

namespace {

Status write_all(int fd, std::string_view bytes, const std::string& path) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::io_error(path, std::string("cannot write: ") + std::strerror(errno),
                              "check free disk space and permissions");
    }
    off += static_cast<std::size_t>(w);
  }
  return {};
}

}  // namespace

Status write_file_atomic(const std::string& path, std::string_view bytes) {
  if (path == "-") {
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size())
      return Status::io_error("<stdout>", "cannot write to standard output");
    std::fflush(stdout);
    return {};
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      return Status::io_error(path, std::string("cannot open for writing: ") + std::strerror(errno));
    Status s = write_all(fd, bytes, path);
    ::close(fd);
    return s;
  }
  // A hidden temporary of our own beside the file: never a name a user's file could have.
  const std::filesystem::path target(path);
  std::string hidden = ".";
  hidden += target.filename().string();
  hidden += ".kohort.tmp";
  const std::string tmp = (target.parent_path() / hidden).string();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::io_error(path, std::string("cannot create: ") + std::strerror(errno),
                            "check that the folder exists and is writable");
  Status s = write_all(fd, bytes, path);
  if (s.ok() && ::fsync(fd) != 0)
    s = Status::io_error(path, std::string("cannot sync: ") + std::strerror(errno));
  ::close(fd);
  if (s.ok() && std::rename(tmp.c_str(), path.c_str()) != 0)
    s = Status::io_error(path, std::string("cannot rename into place: ") + std::strerror(errno));
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Status read_file(const std::string& path, std::string& out) {
  // A FIFO, a device or a folder would block the open or never end: refused before opening.
  KOHORT_RETURN_IF_ERROR(check_regular_file(path));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return Status::not_found(path, "no such file", "check the path and the working folder");
    return Status::io_error(path, std::string("cannot open: ") + std::strerror(errno));
  }
  out.clear();
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    // A regular file: one allocation of its size, then read() straight into it.
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < out.size()) {
      const ssize_t r = ::read(fd, out.data() + got, out.size() - got);
      if (r < 0) {
        if (errno == EINTR) continue;
        const int e = errno;
        ::close(fd);
        return Status::io_error(path, std::string("cannot read: ") + std::strerror(e));
      }
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    ::close(fd);
    out.resize(got);
    return {};
  }
  char buf[1 << 16];
  for (;;) {
    const ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      return Status::io_error(path, std::string("cannot read: ") + std::strerror(e));
    }
    if (r == 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  ::close(fd);
  return {};
}

}  // namespace kohort
