// kohort/core/context.h — everything a library call depends on besides its arguments.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "kohort/core/log.h"
#include "kohort/core/progress.h"
#include "kohort/core/rng.h"

namespace kohort {

/// Threads, seed, logger, progress and cancellation for one run. Library code reads no
/// globals or environment: it reads this. Cheap to copy; the logger, progress sink and
/// cancellation flag are borrowed and must outlive the context.
class Context {
 public:
  Context() = default;
  Context(int threads, std::uint64_t seed) : threads_(threads < 1 ? 1 : threads), seed_(seed) {}

  int threads() const { return threads_; }
  std::uint64_t seed() const { return seed_; }
  /// A random stream for `purpose`, independent of every other purpose and block.
  Rng rng(std::string_view purpose, std::uint64_t block = 0) const {
    return Rng(seed_, purpose, block);
  }
  const Logger& log() const { return logger_ ? *logger_ : kSilent; }
  Progress& progress() const { return progress_ ? *progress_ : silent_progress(); }
  bool cancelled() const { return cancel_ && cancel_->load(std::memory_order_relaxed); }

  Context with_threads(int threads) const {
    Context c = *this;
    c.threads_ = threads < 1 ? 1 : threads;
    return c;
  }
  Context with_seed(std::uint64_t seed) const {
    Context c = *this;
    c.seed_ = seed;
    return c;
  }
  Context with_logger(const Logger* logger) const {
    Context c = *this;
    c.logger_ = logger;
    return c;
  }
  Context with_progress(Progress* progress) const {
    Context c = *this;
    c.progress_ = progress;
    return c;
  }
  Context with_cancel(const std::atomic<bool>* flag) const {
    Context c = *this;
    c.cancel_ = flag;
    return c;
  }
  /// The same context with progress reporting silenced (for nested calls such as restarts).
  Context quiet() const { return with_progress(nullptr); }

 private:
  static Progress& silent_progress();
  static const Logger kSilent;

  int threads_ = 1;
  std::uint64_t seed_ = 0;
  const Logger* logger_ = nullptr;
  Progress* progress_ = nullptr;
  const std::atomic<bool>* cancel_ = nullptr;
};

}  // namespace kohort
