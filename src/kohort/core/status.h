// kohort/core/status.h — expected failures as values: a code, where, what, and how to fix.
#pragma once

#include <string>
#include <string_view>

namespace kohort {

/// Error codes; each maps to a CLI exit code (see STYLE.md "Errors in detail").
enum class Code {
  ok,
  invalid_input,     ///< the data is wrong (names file:line:column)
  invalid_argument,  ///< an option or config value is wrong (names the flag or key)
  not_found,         ///< a file, version, segment or customer does not exist
  io_error,          ///< the operating system refused a read or write
  corruption,        ///< a stored artifact fails its checksum or version check
  conflict,          ///< someone else published first
  unsupported,       ///< the build lacks the feature
  cancelled,         ///< the user interrupted; nothing was half-written
  internal,          ///< a KOHORT_CHECK failed: a bug
};

/// Spelling of a code as in JSON output ("invalid_input").
[[nodiscard]] std::string_view code_name(Code code);

/// The outcome of an operation. A default-constructed Status is ok.
/// Messages: `where` is "file:line:column", "--flag" or "model v12"; `what` starts lower-case
/// and names the value; `hint` says how to fix it (may be empty).
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string where, std::string what, std::string hint = {})
      : code_(code), where_(std::move(where)), what_(std::move(what)), hint_(std::move(hint)) {}

  static Status invalid_input(std::string where, std::string what, std::string hint = {}) {
    return {Code::invalid_input, std::move(where), std::move(what), std::move(hint)};
  }
  static Status invalid_argument(std::string where, std::string what, std::string hint = {}) {
    return {Code::invalid_argument, std::move(where), std::move(what), std::move(hint)};
  }
  static Status not_found(std::string where, std::string what, std::string hint = {}) {
    return {Code::not_found, std::move(where), std::move(what), std::move(hint)};
  }
  static Status io_error(std::string where, std::string what, std::string hint = {}) {
    return {Code::io_error, std::move(where), std::move(what), std::move(hint)};
  }
  static Status unsupported(std::string where, std::string what, std::string hint = {}) {
    return {Code::unsupported, std::move(where), std::move(what), std::move(hint)};
  }
  static Status cancelled() { return {Code::cancelled, "", "interrupted; nothing was written"}; }
  static Status internal(std::string where, std::string what) {
    return {Code::internal, std::move(where), std::move(what),
            "this is a bug in kohort; please report it with the command that triggered it"};
  }

  bool ok() const { return code_ == Code::ok; }
  Code code() const { return code_; }
  const std::string& where() const { return where_; }
  const std::string& what() const { return what_; }
  const std::string& hint() const { return hint_; }

  /// "<where>: error: <what>" plus "\nhint: <hint>" when there is a hint.
  std::string message() const;
  /// {"code","where","what","hint"} as a JSON object text.
  std::string json() const;

 private:
  Code code_ = Code::ok;
  std::string where_;
  std::string what_;
  std::string hint_;
};

}  // namespace kohort

/// Guards kohort's own invariants; a failure is a bug, never a user error. Aborts with the
/// location (it must never be reachable from user input).
#define KOHORT_CHECK(cond)                                                                  \
  do {                                                                                      \
    if (!(cond)) ::kohort::internal_check_failed(#cond, __FILE__, __LINE__);                \
  } while (0)

/// Returns the Status from the enclosing function when `expr` (a Status) is not ok.
#define KOHORT_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::kohort::Status kohort_status_ = (expr);        \
    if (!kohort_status_.ok()) return kohort_status_; \
  } while (0)

namespace kohort {
[[noreturn]] void internal_check_failed(const char* cond, const char* file, int line);
}  // namespace kohort
