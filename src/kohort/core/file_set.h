// kohort/core/file_set.h — several files written into one folder as one set: after a crash or
// a full disk the folder holds the previous set or the new one, never a mixture.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kohort/core/result.h"
#include "kohort/core/status.h"

namespace kohort {

/// The manifest's name inside the folder. It is written last, naming every file of the set
/// with its size and SHA-256: a reader that finds the files' sizes and digests as the manifest
/// says holds one complete set.
inline constexpr const char* kManifestName = "manifest.json";

struct SetFile {
  std::string name;   ///< a plain file name (no '/', not "." or "..", not the manifest's)
  std::string bytes;  ///< the whole content
};

struct FileSetOptions {
  /// Recorded in the manifest under "set" (e.g. the model version and fingerprint).
  nlohmann::json about = nlohmann::json::object();
  /// Called after each step of the protocol (0: temporaries written and synced, 1: the journal
  /// committed, 2 + i: file i renamed into place, 2 + n: manifest written). For tests, which
  /// stop the process there to prove every point is safe. Empty: nothing.
  std::function<void(int step)> after_step;
};

/// Writes `files` into `dir` (created when missing) as one set:
///   1. finishes a set an earlier run left committed but unfinished (recover_file_set);
///   2. writes each file as `.kohort-set.<name>.tmp` and syncs it;
///   3. commits: writes the journal `.kohort-set.journal` (atomically) naming the files;
///   4. renames each temporary over its final name;
///   5. writes the manifest (atomically), then removes the journal.
/// A failure before the commit (a full disk, a refused write) removes the temporaries and
/// leaves the folder as it was; a crash before the commit leaves temporaries that the next
/// write removes; a crash after it leaves a journal by which the next write (or
/// recover_file_set) finishes the set. Only files named by the set, its temporaries, the
/// journal and the manifest are ever written or removed: other files in `dir` are untouched.
/// Fails with invalid_argument for a bad file name, io_error naming the path and the system's
/// reason. Memory: the files' bytes (held by the caller) and one file's digest state.
[[nodiscard]] Status write_file_set(const std::string& dir, const std::vector<SetFile>& files,
                                    const FileSetOptions& options = {});

/// Finishes a set write that stopped after its commit (renames the journal's temporaries
/// still present, writes its manifest, removes the journal), and removes temporaries of a
/// write that stopped before it. A folder without either is left as it is. Fails with
/// io_error (or corruption for a journal that cannot be read back).
[[nodiscard]] Status recover_file_set(const std::string& dir);

/// Checks the set in `dir` against its manifest: every file it names exists with its size and
/// SHA-256, and no write is pending. Returns the manifest. Fails with not_found (no manifest),
/// corruption naming the first file that differs, or a pending journal.
[[nodiscard]] Result<nlohmann::json> verify_file_set(const std::string& dir);

}  // namespace kohort
