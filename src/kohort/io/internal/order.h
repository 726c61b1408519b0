// kohort/io/internal/order.h — building the log in canonical order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/events/event_log.h"
#include "kohort/io/internal/local_dict.h"
#include "kohort/io/internal/read_plan.h"

namespace kohort::io::internal {

/// The canonical order given whether each id is all digits (is_digits, computed once per id
/// where many comparisons follow).
[[nodiscard]] inline bool canonical_less(bool da, std::string_view a, bool db, std::string_view b) {
  if (da != db) return da;
  if (da && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}
/// Whether `s` is a non-empty run of the digits 0-9.
[[nodiscard]] inline bool is_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Frees a column once it has been gathered, so that a stream's provisional and final columns
/// are not all held at once.
template <typename V>
void release(V& v) {
  v = V();
}

/// Customer codes in the canonical order of their external ids (canonical_id_less).
[[nodiscard]] std::vector<std::int32_t> canonical_order(const LocalDict& customers);

/// Leaves out of `perm` (rows in (customer, time, row hash) order) each row whose text equals
/// the kept row before it (same customer, time, order id and row hash) and that has an order
/// id: a copy an order id proves. Returns how many were left out. O(rows).
[[nodiscard]] index_t drop_copies(std::vector<index_t>& perm, const std::vector<std::int32_t>& cust,
                                  const std::vector<Seconds>& time, const std::vector<std::uint64_t>& row_hash,
                                  const std::vector<std::uint64_t>& order_key);

/// Orders a stream's rows and moves them into the log. Transactions with an order id lose their
/// exact copies (drop_copies; counted in Transactions::duplicates_dropped). Customer columns keep provisional codes
/// (load_dataset maps them to final ids when every stream is read); rows are ordered by the
/// customers' canonical rank among those seen so far, which orders them as the final ids will.
void fill_stream(const Context& ctx, ParsedStream& ps, const std::vector<std::int32_t>& rank,
                 events::EventLog& log);

}  // namespace kohort::io::internal
