// kohort/core/progress.h — progress reporting interface; the shell decides how to show it.
#pragma once

#include <cstdint>
#include <string_view>

namespace kohort {

/// Receives progress from long-running library calls. The default does nothing.
/// Implementations must be thread-safe; library code calls them from the calling thread only.
class Progress {
 public:
  virtual ~Progress() = default;
  /// A new phase begins ("k-means", "reading transactions.csv"); total 0 means unknown.
  virtual void begin(std::string_view /*phase*/, std::int64_t /*total*/) {}
  /// `done` units of the current phase are complete.
  virtual void step(std::int64_t /*done*/) {}
  /// The current phase ended.
  virtual void end() {}
};

}  // namespace kohort
