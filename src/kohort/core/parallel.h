// kohort/core/parallel.h — fixed-size blocks over rows, run on ctx.threads() OpenMP threads.
#pragma once

#include <algorithm>
#include <cstdint>

#include <omp.h>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"

namespace kohort {

/// Number of blocks of `block` rows covering n rows.
[[nodiscard]] inline index_t block_count(index_t n, index_t block) {
  return n <= 0 ? 0 : (n + block - 1) / block;
}

/// Calls fn(block_index, begin, end) for every block [begin, end) of `block` rows in [0, n),
/// on ctx.threads() threads (dynamic schedule). Blocks depend only on n and `block`, never on
/// the thread count, so a caller that writes per-block partial results and combines them in
/// block order gets the same bits at any thread count.
/// REQUIRES: fn does not throw and does not call BLAS with more than one thread.
template <typename Fn>
void parallel_for_blocks(const Context& ctx, index_t n, index_t block, Fn&& fn) {
  const index_t nb = block_count(n, block);
  if (nb == 0) return;
  const int threads = static_cast<int>(std::min<index_t>(ctx.threads(), nb));
  if (threads <= 1) {
    for (index_t b = 0; b < nb; ++b) fn(b, b * block, std::min(n, (b + 1) * block));
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (index_t b = 0; b < nb; ++b) fn(b, b * block, std::min(n, (b + 1) * block));
}

/// As parallel_for_blocks, but fn(worker, block_index, begin, end) also receives the index of
/// the worker running it, in [0, ctx.threads()), for per-worker scratch buffers. Results must
/// not depend on which worker ran a block.
template <typename Fn>
void parallel_for_blocks_indexed(const Context& ctx, index_t n, index_t block, Fn&& fn) {
  const index_t nb = block_count(n, block);
  if (nb == 0) return;
  const int threads = static_cast<int>(std::min<index_t>(ctx.threads(), nb));
  if (threads <= 1) {
    for (index_t b = 0; b < nb; ++b) fn(0, b, b * block, std::min(n, (b + 1) * block));
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (index_t b = 0; b < nb; ++b)
    fn(omp_get_thread_num(), b, b * block, std::min(n, (b + 1) * block));
}

}  // namespace kohort
