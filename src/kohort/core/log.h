// kohort/core/log.h — leveled logging to a sink chosen by the shell (stderr for the CLI).
#pragma once

#include <ostream>
#include <string_view>

#include <fmt/format.h>

namespace kohort {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

/// Parses "debug|info|warn|error|off"; returns false for anything else.
[[nodiscard]] bool parse_log_level(std::string_view text, LogLevel& out);

/// A logger writes whole lines to one stream. Thread-safe (lines never interleave).
/// A default-constructed Logger discards everything.
class Logger {
 public:
  Logger() = default;
  Logger(std::ostream* sink, LogLevel level) : sink_(sink), level_(level) {}

  bool enabled(LogLevel level) const { return sink_ != nullptr && level >= level_; }
  void write(LogLevel level, std::string_view line) const;

  template <typename... Args>
  void info(fmt::format_string<Args...> f, Args&&... args) const {
    if (enabled(LogLevel::info)) write(LogLevel::info, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void warn(fmt::format_string<Args...> f, Args&&... args) const {
    if (enabled(LogLevel::warn)) write(LogLevel::warn, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void debug(fmt::format_string<Args...> f, Args&&... args) const {
    if (enabled(LogLevel::debug))
      write(LogLevel::debug, fmt::format(f, std::forward<Args>(args)...));
  }

 private:
  std::ostream* sink_ = nullptr;
  LogLevel level_ = LogLevel::off;
};

}  // namespace kohort
