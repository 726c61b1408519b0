// kohort/io/internal/convert.h — a chunk's rows into columns (or partitions): CSV and JSON Lines.
#pragma once

#include <string>
#include <string_view>

#include "kohort/io/internal/csv_scan.h"
#include "kohort/io/internal/read_plan.h"

namespace kohort::io::internal {

/// Where a place in the plan's file is, for messages: `file:line:column`, or `file:line` when
/// column <= 0.
[[nodiscard]] std::string where(const Plan& p, index_t line, int column);

/// Readies a chunk output for a new chunk. Its column buffers are reused from window to
/// window (cleared, not freed): fresh ones would be page-faulted in again every window.
void init_chunk(const Plan& p, ChunkOut& out);

/// Converts the CSV records of data[ch.begin, ch.end) into `out`, readied by init_chunk(): into
/// columns, or, when the plan routes, into rows sent to their partitions. Bad rows go as
/// p.on_error says; the first failure becomes out.error. Sets out.irregular when the record
/// reader met an irregular quote.
void parse_csv_chunk(const Plan& p, std::string_view data, const Chunk& ch, ChunkOut& out);

/// Fills row.text from one JSON object line; false with a reason when it is not an object.
[[nodiscard]] bool json_fields(const Plan& p, std::string_view line, JsonRow& row,
                               std::string& why);

/// parse_csv_chunk() for JSON Lines: one object per line; blank lines are skipped.
void parse_jsonl_chunk(const Plan& p, std::string_view data, const Chunk& ch, ChunkOut& out);

}  // namespace kohort::io::internal
