// kohort/io/internal/columns.h — a stream's header: columns mapped to roles, time formats decided.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kohort/core/status.h"
#include "kohort/io/internal/read_plan.h"

namespace kohort::io::internal {

/// Reads the header (or, for JSON Lines, the first object's keys), maps the columns and decides
/// the time formats from the first rows of `data`, the stream's first bytes. `reach` is set to
/// the last byte the outcome depended on: when it is data.size() and more data may follow, the
/// caller reads more and asks again (a header, a sample row or a blank file cut short).
[[nodiscard]] Status read_header(Plan& p, const std::string& file, std::string_view data,
                                 std::size_t& body, index_t& body_line, std::size_t& reach);

/// The strings joined with ", ".
[[nodiscard]] std::string join(const std::vector<std::string>& v);

/// A header's names for a message: each made printable and cut to 40 characters, at most 20
/// of them (then "… and N more"), so that a file that is not a table (or a hostile one) is
/// never echoed whole or raw.
[[nodiscard]] std::string header_names(const std::vector<std::string>& header);

}  // namespace kohort::io::internal
