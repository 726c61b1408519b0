// kohort/io/internal/schema.h — column roles per stream and their inference from header names.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kohort/events/event_log.h"

namespace kohort::io::internal {

/// How a role's cells are converted.
enum class Kind {
  id,         ///< a customer id (interned)
  time,       ///< a timestamp (format decided per column)
  number,     ///< a finite number (fast_float); NA/null/NaN/empty → missing
  code,       ///< a categorical value (interned); empty → missing
  flag,       ///< 1/0, true/false, yes/no, y/n, t/f
  email,      ///< sent/open/click/unsubscribe (and their -ed/-s forms)
  sentiment,  ///< a number in −1..1, or negative/neutral/positive
};

/// One role a stream may have: name, kind, whether the stream needs it, accepted header names.
struct RoleSpec {
  std::string_view name;
  Kind kind;
  bool required;
  std::span<const std::string_view> aliases;
};

/// The roles of a stream, in a fixed order (index = role slot).
[[nodiscard]] std::span<const RoleSpec> stream_roles(events::Stream s);

/// Lower-case with '_', ' ', '-' and '.' removed: "Customer ID" → "customerid".
[[nodiscard]] std::string normalize_name(std::string_view name);

/// The inferred mapping of one file's header onto a stream's roles.
struct Mapping {
  std::vector<int> column;          ///< per role slot: 0-based source column, or -1
  bool amount_from_price = false;   ///< transactions: amount = unit_price × quantity (a price
                                    ///< column without a quantity is the amount itself)
  std::vector<int> unused;          ///< source columns no role took
};

/// Maps header names to roles: for each role the first alias (in the role's order) that a
/// column matches, case-insensitively ignoring '_', ' ', '-'. A column serves one role.
/// `forced` (empty, or one entry per role slot: a column or -1) fixes roles first (the
/// kohort.toml mapping); inference fills the others from the remaining columns.
[[nodiscard]] Mapping infer_mapping(events::Stream s, std::span<const std::string> header,
                                    std::span<const int> forced = {});

/// Slot of role `name` in stream_roles(s), or -1.
[[nodiscard]] int role_slot(events::Stream s, std::string_view name);

}  // namespace kohort::io::internal
