#include "kohort/core/file_set.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "kohort/core/atomic_file.h"
#include "kohort/core/hash.h"
#include "kohort/core/text.h"

namespace kohort {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kJournal = ".kohort-set.journal";
constexpr const char* kTempPrefix = ".kohort-set.";
constexpr const char* kTempSuffix = ".tmp";

std::string temp_name(const std::string& name) { return kTempPrefix + name + kTempSuffix; }

std::string path_in(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

Status system_error(const std::string& path, std::string_view what) {
  return Status::io_error(path, fmt::format("{}: {}", what, std::strerror(errno)),
                          "check free disk space and permissions");
}

Status sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return system_error(dir, "cannot open the folder");
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status() : system_error(dir, "cannot sync the folder");
}

Status write_synced(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return system_error(path, "cannot create");
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      const Status s = system_error(path, "cannot write");
      ::close(fd);
      return s;
    }
    off += static_cast<std::size_t>(w);
  }
  if (::fsync(fd) != 0) {
    const Status s = system_error(path, "cannot sync");
    ::close(fd);
    return s;
  }
  return ::close(fd) == 0 ? Status() : system_error(path, "cannot close");
}

Status check_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos || name == kManifestName || name == kJournal ||
      name.rfind(kTempPrefix, 0) == 0)
    return Status::invalid_argument(printable(name), "not a plain file name for an output set");
  return {};
}

// Renames the journal's temporaries still present into place, writes its manifest and
// removes the journal: the second half of a committed write.
Status finish(const std::string& dir, const json& journal, const FileSetOptions* options) {
  const json& names = journal.at("files");
  int step = 2;
  for (const auto& n : names) {
    const std::string name = n.at("name").get<std::string>();
    const std::string tmp = path_in(dir, temp_name(name));
    if (::access(tmp.c_str(), F_OK) == 0 && std::rename(tmp.c_str(), path_in(dir, name).c_str()) != 0)
      return system_error(path_in(dir, name), "cannot rename into place");
    if (options && options->after_step) options->after_step(step);
    ++step;
  }
  KOHORT_RETURN_IF_ERROR(sync_dir(dir));
  KOHORT_RETURN_IF_ERROR(write_file_atomic(path_in(dir, kManifestName), json_text(journal.at("manifest"), 2) + "\n"));
  if (options && options->after_step) options->after_step(step);
  if (::unlink(path_in(dir, kJournal).c_str()) != 0 && errno != ENOENT)
    return system_error(path_in(dir, kJournal), "cannot remove");
  return sync_dir(dir);
}

// Removes the temporaries of a write that never committed.
Status remove_temporaries(const std::string& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kTempPrefix, 0) != 0 || name.size() < std::strlen(kTempSuffix) ||
        name.compare(name.size() - std::strlen(kTempSuffix), std::string::npos, kTempSuffix) != 0 ||
        name == kJournal)
      continue;
    if (::unlink(it->path().c_str()) != 0 && errno != ENOENT) return system_error(it->path().string(), "cannot remove");
  }
  if (ec) return Status::io_error(dir, "cannot list the folder: " + ec.message());
  return {};
}

Status recover(const std::string& dir, const FileSetOptions* options) {
  const std::string journal_path = path_in(dir, kJournal);
  if (::access(journal_path.c_str(), F_OK) == 0) {
    std::string text;
    KOHORT_RETURN_IF_ERROR(read_file(journal_path, text));
    json journal;
    try {
      journal = json::parse(text);
      if (!journal.is_object() || !journal.contains("files") || !journal["files"].is_array() ||
          !journal.contains("manifest"))
        throw std::runtime_error("incomplete");
      for (const auto& f : journal["files"]) KOHORT_RETURN_IF_ERROR(check_name(f.at("name").get<std::string>()));
      KOHORT_RETURN_IF_ERROR(finish(dir, journal, options));
    } catch (const std::exception&) {
      // The journal is written whole or not at all, so this is not a crash of ours.
      return Status(Code::corruption, journal_path, "the output set's journal cannot be read",
                    "remove it by hand; the files beside it may be from two runs");
    }
  }
  return remove_temporaries(dir);
}

}  // namespace

Status recover_file_set(const std::string& dir) { return recover(dir, nullptr); }

Status write_file_set(const std::string& dir, const std::vector<SetFile>& files, const FileSetOptions& options) {
  for (const auto& f : files) KOHORT_RETURN_IF_ERROR(check_name(f.name));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return Status::io_error(dir, "cannot create the output folder: " + ec.message(), "pass a folder you can write to");
  KOHORT_RETURN_IF_ERROR(recover(dir, nullptr));

  json manifest = {{"format", "kohort.output-set"}, {"set", options.about}, {"files", json::array()}};
  for (const auto& f : files) {
    const std::string tmp = path_in(dir, temp_name(f.name));
    if (Status s = write_synced(tmp, f.bytes); !s.ok()) {
      (void)remove_temporaries(dir);
      return s;
    }
    manifest["files"].push_back({{"name", f.name}, {"bytes", f.bytes.size()}, {"sha256", sha256_fingerprint(f.bytes)}});
  }
  if (options.after_step) options.after_step(0);
  // The commit point: once the journal is in place, the set is finished, now or by the next
  // write into this folder.
  const json journal = {{"files", manifest["files"]}, {"manifest", manifest}};
  const std::string journal_tmp = path_in(dir, temp_name("journal"));
  Status s = write_synced(journal_tmp, json_text(journal) + "\n");
  if (s.ok() && std::rename(journal_tmp.c_str(), path_in(dir, kJournal).c_str()) != 0)
    s = system_error(path_in(dir, kJournal), "cannot commit");
  if (s.ok()) s = sync_dir(dir);
  if (!s.ok()) {
    ::unlink(path_in(dir, kJournal).c_str());
    (void)remove_temporaries(dir);
    return s;
  }
  if (options.after_step) options.after_step(1);
  return finish(dir, journal, &options);
}

Result<json> verify_file_set(const std::string& dir) {
  if (::access(path_in(dir, kJournal).c_str(), F_OK) == 0)
    return Status(Code::corruption, path_in(dir, kJournal), "an output set is half written",
                  "run the command that writes this folder again; it finishes the set first");
  std::string text;
  KOHORT_RETURN_IF_ERROR(read_file(path_in(dir, kManifestName), text));
  json manifest;
  try {
    manifest = json::parse(text);
    for (const auto& f : manifest.at("files")) {
      const std::string name = f.at("name").get<std::string>();
      std::string bytes;
      if (!read_file(path_in(dir, name), bytes).ok() || bytes.size() != f.at("bytes").get<std::size_t>() ||
          sha256_fingerprint(bytes) != f.at("sha256").get<std::string>())
        return Status(Code::corruption, path_in(dir, name), "the file is not the one the manifest names",
                      "write the folder again");
    }
  } catch (const json::exception&) {
    return Status(Code::corruption, path_in(dir, kManifestName), "the manifest cannot be read",
                  "write the folder again");
  }
  return manifest;
}

}  // namespace kohort
