// kohort/io/internal/router.cpp — accepted rows sent to partition files by customer.

#include "kohort/io/internal/router.h"

#include <cstddef>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "kohort/core/parallel.h"

namespace kohort::io::internal {

namespace fs = std::filesystem;
using events::Stream;

std::string Router::path(std::uint32_t k, Stream stream, bool jsonl) const {
  return (fs::path(dir_) / fmt::format("p{:04}", k) /
          fmt::format("{}.{}.zst", stream_name(stream), jsonl ? "jsonl" : "csv"))
      .string();
}

Status Router::begin(Stream stream, bool jsonl) {
  stream_ = stream;
  jsonl_ = jsonl;
  writers_.clear();
  writers_.resize(partitions_);
  return {};
}

Status Router::take(const Context& ctx, std::vector<ChunkOut>& outs) {
  for (auto& o : outs) {
    for (const auto& r : o.routed) {
      auto& w = writers_[r.part];
      if (w == nullptr) {
        w = std::make_unique<internal::SpillWriter>(frame_bytes_);
        std::error_code ec;
        const std::string file = path(r.part, stream_, jsonl_);
        fs::create_directories(fs::path(file).parent_path(), ec);
        KOHORT_RETURN_IF_ERROR(w->open(file));
      }
      w->append(r.raw);
      w->append("\n");
    }
    o.routed.clear();
  }
  return flush(ctx, false);
}

Status Router::end(const Context& ctx) {
  KOHORT_RETURN_IF_ERROR(flush(ctx, true));
  for (auto& w : writers_)
    if (w != nullptr) {
      text_bytes_ += w->text_bytes();
      file_bytes_ += w->file_bytes();
      KOHORT_RETURN_IF_ERROR(w->close());
    }
  writers_.clear();
  return {};
}

Status Router::flush(const Context& ctx, bool all) {
  std::vector<internal::SpillWriter*> due;
  for (auto& w : writers_)
    if (w != nullptr && (all || w->full())) due.push_back(w.get());
  std::vector<Status> st(due.size());
  parallel_for_blocks(ctx, static_cast<index_t>(due.size()), 1, [&](index_t b, index_t, index_t) {
    st[static_cast<std::size_t>(b)] = due[static_cast<std::size_t>(b)]->flush();
  });
  for (auto& e : st) KOHORT_RETURN_IF_ERROR(e);
  return {};
}

}  // namespace kohort::io::internal
