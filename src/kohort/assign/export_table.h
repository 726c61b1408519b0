// kohort/assign/export_table.h — the assignments of a day and the transitions between dates as
// the files CRMs and spreadsheets read (kohort export): CSV (RFC 4180) or JSON Lines.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kohort/assign/snapshot.h"
#include "kohort/store/store.h"

namespace kohort::assign {

enum class TableFormat { csv, jsonl };

/// A free-text cell a spreadsheet would run as a formula (first character =, +, −, @, tab or
/// carriage return) with a ' put before it; any other text unchanged.
[[nodiscard]] std::string neutralise_formula(std::string_view text);

/// `customer_id,segment,segment_name,confidence,since`, one row per customer of `s`; `names`
/// maps segment ids to names. In CSV the segment name (free text) is neutralised; ids and
/// numbers are written unchanged (CSV-quoted when they hold a comma, quote or line break); an
/// unknown confidence is an empty cell (null in JSON Lines).
[[nodiscard]] std::string assignments_table(const Snapshot& s, const std::map<std::int32_t, std::string>& names,
                                            TableFormat format);

/// `customer_id,from_segment,to_segment,as_of,reason`; an absent side is an empty cell (null).
[[nodiscard]] std::string transitions_table(const std::vector<store::TransitionRecord>& moves, TableFormat format);

/// `destination,event_id,customer_id,as_of,type,segment,attempts,last_error,failed_at`, one row
/// per dead letter: the destination without a password, the event's type and segment from its
/// payload; the error (free text) neutralised in CSV.
[[nodiscard]] std::string dead_letters_table(const std::vector<store::DeadLetter>& letters, TableFormat format);

}  // namespace kohort::assign
