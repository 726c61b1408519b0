// kohort/io/internal/read_stream.h — one stream file read into provisional columns, or routed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/events/event_log.h"
#include "kohort/io/dataset.h"
#include "kohort/io/internal/config.h"
#include "kohort/io/internal/local_dict.h"
#include "kohort/io/internal/read_plan.h"

namespace kohort::io::internal {

class Router;

/// Whether `s` ends with `suffix` (a file name with its extension).
[[nodiscard]] bool ends_with(std::string_view s, std::string_view suffix);

/// Reads one stream file into provisional columns, a window of text at a time — or, given a
/// router, sends its accepted rows to the partition files and keeps only the counts (then
/// ps.cols stay empty, and ps.plan is what load_partition() parses the partition files with).
Result<ParsedStream> read_stream(const Context& ctx, events::Stream stream, const std::string& file,
                                 const StreamConfig* config, const ReadOptions& options,
                                 LocalDict& customers, std::vector<std::string>& notes,
                                 Router* router = nullptr, Seconds* last_time = nullptr);

}  // namespace kohort::io::internal
