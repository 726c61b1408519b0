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

/// What the export says of a segment: its name and its characteristics in words.
struct SegmentText {
  std::string name;
  std::string characteristics;
};

/// The segment's top three distinguishing features in words: the `evidence` of the first three
/// drivers of a segment profile (profile_json as published; drivers ranked by effect size),
/// joined by "; ". Empty when the profile has none.
[[nodiscard]] std::string characteristics(const std::string& profile_json);

/// `customer_id,segment,segment_name,confidence,since,clv,p_alive,churn_risk,characteristics`,
/// one row per customer of `s`; `segments` maps segment ids to their text. In CSV the free text
/// (name, characteristics) is neutralised; ids and numbers are written unchanged (CSV-quoted
/// when they hold a comma, quote or line break); an unknown number is an empty cell (null in
/// JSON Lines). clv has 2 decimals, probabilities 4 significant digits.
[[nodiscard]] std::string assignments_table(const Snapshot& s, const std::map<std::int32_t, SegmentText>& segments,
                                            TableFormat format);

/// `customer_id,from_segment,to_segment,as_of,reason`; an absent side is an empty cell (null).
[[nodiscard]] std::string transitions_table(const std::vector<store::TransitionRecord>& moves, TableFormat format);

/// `destination,event_id,customer_id,as_of,type,segment,attempts,last_error,failed_at`, one row
/// per dead letter: the destination without a password, the event's type and segment from its
/// payload; the error (free text) neutralised in CSV.
[[nodiscard]] std::string dead_letters_table(const std::vector<store::DeadLetter>& letters, TableFormat format);

}  // namespace kohort::assign
