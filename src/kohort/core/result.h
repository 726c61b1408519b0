// kohort/core/result.h — a value or the Status saying why there is none.
#pragma once

#include <optional>
#include <utility>

#include "kohort/core/status.h"

namespace kohort {

/// Result<T> holds either a T or a non-ok Status. Access the value only when ok().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    KOHORT_CHECK(!status_.ok());
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status& status() const { return status_; }

  T& value() & { KOHORT_CHECK(ok()); return *value_; }
  const T& value() const& { KOHORT_CHECK(ok()); return *value_; }
  T&& value() && { KOHORT_CHECK(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace kohort

#define KOHORT_CONCAT_INNER(a, b) a##b
#define KOHORT_CONCAT(a, b) KOHORT_CONCAT_INNER(a, b)

/// `KOHORT_ASSIGN_OR_RETURN(auto x, make_x());` declares x from a Result or returns its Status.
#define KOHORT_ASSIGN_OR_RETURN(decl, expr)                                        \
  auto KOHORT_CONCAT(kohort_result_, __LINE__) = (expr);                           \
  if (!KOHORT_CONCAT(kohort_result_, __LINE__).ok())                               \
    return KOHORT_CONCAT(kohort_result_, __LINE__).status();                       \
  decl = std::move(KOHORT_CONCAT(kohort_result_, __LINE__)).value()
