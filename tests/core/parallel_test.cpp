#include "kohort/core/parallel.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace kohort {
namespace {

double blocked_sum(int threads, const std::vector<float>& v) {
  const Context ctx(threads, 0);
  const index_t n = static_cast<index_t>(v.size()), block = 1000;
  std::vector<double> partial(static_cast<std::size_t>(block_count(n, block)), 0.0);
  parallel_for_blocks(ctx, n, block, [&](index_t b, index_t begin, index_t end) {
    double s = 0;
    for (index_t i = begin; i < end; ++i) s += v[static_cast<std::size_t>(i)];
    partial[static_cast<std::size_t>(b)] = s;
  });
  return std::accumulate(partial.begin(), partial.end(), 0.0);
}

TEST(Parallel, BlockOrderedSumIsIdenticalAtAnyThreadCount) {
  std::vector<float> v(123457);
  Rng r(3);
  for (auto& x : v) x = static_cast<float>(r.normal() * 1e3);
  const double one = blocked_sum(1, v);
  EXPECT_EQ(one, blocked_sum(2, v));
  EXPECT_EQ(one, blocked_sum(4, v));
}

TEST(Parallel, CoversEveryRowOnceIncludingRaggedLastBlock) {
  for (index_t n : {0, 1, 999, 1000, 1001, 4097}) {
    std::vector<int> hits(static_cast<std::size_t>(n), 0);
    parallel_for_blocks(Context(3, 0), n, 1000, [&](index_t, index_t b, index_t e) {
      for (index_t i = b; i < e; ++i) ++hits[static_cast<std::size_t>(i)];
    });
    for (int h : hits) ASSERT_EQ(h, 1);
  }
}

}  // namespace
}  // namespace kohort
