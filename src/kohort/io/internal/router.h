// kohort/io/internal/router.h — accepted rows sent to partition files by customer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/status.h"
#include "kohort/events/event_log.h"
#include "kohort/io/internal/read_plan.h"
#include "kohort/io/internal/spill.h"

namespace kohort::io::internal {

/// Sends accepted rows to partition files by customer (see partition_dataset()).
class Router {
 public:
  /// Rows go to `partitions` files under `dir`, each written a frame of `frame_bytes` at a time.
  Router(std::string dir, std::uint32_t partitions, std::size_t frame_bytes)
      : dir_(std::move(dir)), partitions_(partitions), frame_bytes_(frame_bytes) {}
  [[nodiscard]] std::uint32_t partitions() const { return partitions_; }

  /// The file of `stream` in partition k.
  [[nodiscard]] std::string path(std::uint32_t k, events::Stream stream, bool jsonl) const;
  /// Starts the rows of `stream`; a partition's file is created with its first row.
  Status begin(events::Stream stream, bool jsonl);
  /// Appends one window's rows to their partitions (in file order) and writes full buffers.
  Status take(const Context& ctx, std::vector<ChunkOut>& outs);
  /// Writes what is left and closes the stream's files.
  Status end(const Context& ctx);
  [[nodiscard]] std::uint64_t text_bytes() const { return text_bytes_; }
  [[nodiscard]] std::uint64_t file_bytes() const { return file_bytes_; }

 private:
  /// Compresses the full buffers (all of them when `all`) on ctx.threads() threads.
  Status flush(const Context& ctx, bool all);

  std::string dir_;
  std::uint32_t partitions_;
  std::size_t frame_bytes_;
  events::Stream stream_ = events::Stream::transactions;
  bool jsonl_ = false;
  std::vector<std::unique_ptr<internal::SpillWriter>> writers_;
  std::uint64_t text_bytes_ = 0, file_bytes_ = 0;
};

}  // namespace kohort::io::internal
