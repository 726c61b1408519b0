// kohort/io/internal/windows.h — a stream read a window of text at a time, its rows handed on.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/status.h"
#include "kohort/io/internal/compressed.h"
#include "kohort/io/internal/read_plan.h"

namespace kohort::io::internal {

/// Hands each window's chunk outputs, in file order, to the reader's consumer.
/// `ctx` is the context to run on (one thread when the sink runs beside the next window's
/// parse); `read_share` is the share of the source read when the window was cut (0 when unknown
/// or at its end).
using WindowSink =
    std::function<Status(const Context& ctx, std::vector<ChunkOut>& outs, double read_share)>;

/// OK while a record of `bytes` so far (starting on physical line `line`) is within
/// options.max_record_bytes; else invalid_input at its file:line.
[[nodiscard]] Status record_fits(const Plan& p, std::size_t bytes, index_t line, const ReadOptions& options);

/// Parses the records of `source` from buffer[start] on (physical line `line`), a window of
/// text at a time, and hands each window's chunk outputs to `sink` in order. A record longer
/// than options.max_record_bytes fails (record_fits) instead of widening the window further.
[[nodiscard]] Status read_records(const Context& ctx, const Plan& p, StreamReader& source,
                                  std::string& buffer, std::size_t start, index_t line,
                                  const ReadOptions& options, const WindowSink& sink);

/// Adds one window's chunk outputs, in order, to the stream's counts and rejects.
void tally(const Plan& p, const std::string& file, std::vector<ChunkOut>& outs, Totals& totals,
           bool quarantine);

/// Appends one window's chunk outputs, in order, to the stream's columns; dictionary values are
/// copied, so the window's text can go afterwards.
void merge_window(const Context& ctx, const Plan& p, std::vector<ChunkOut>& outs,
                  ParsedStream& ps, LocalDict& customers);

/// Reserves a stream's columns for `rows` rows. Only address space is taken: pages are touched
/// as rows arrive. Columns that grew by doubling would copy and fault in every row again.
void reserve_columns(const Plan& p, ParsedStream& ps, std::size_t rows);

}  // namespace kohort::io::internal
