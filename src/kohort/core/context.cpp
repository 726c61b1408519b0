#include "kohort/core/context.h"

#include <mutex>
#include <ostream>

namespace kohort {

const Logger Context::kSilent{};

Progress& Context::silent_progress() {
  // Stateless: every call is a no-op, so one shared instance holds no state.
  static Progress silent;
  return silent;
}

bool parse_log_level(std::string_view text, LogLevel& out) {
  if (text == "debug") out = LogLevel::debug;
  else if (text == "info") out = LogLevel::info;
  else if (text == "warn") out = LogLevel::warn;
  else if (text == "error") out = LogLevel::error;
  else if (text == "off") out = LogLevel::off;
  else return false;
  return true;
}

namespace {
std::mutex& log_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

void Logger::write(LogLevel level, std::string_view line) const {
  if (!enabled(level)) return;
  static constexpr const char* kTags[] = {"debug: ", "", "warning: ", "error: ", ""};
  std::lock_guard<std::mutex> lock(log_mutex());
  *sink_ << kTags[static_cast<int>(level)] << line << '\n';
  sink_->flush();
}

}  // namespace kohort
