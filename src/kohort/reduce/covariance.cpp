#include "kohort/reduce/covariance.h"

#include <algorithm>
#include <cmath>

#include "kohort/core/blas.h"
#include "kohort/core/parallel.h"

namespace kohort::reduce {

namespace {
constexpr index_t kBlock = 4096;
constexpr index_t kGroupBlocks = 16;
}

double Covariance::correlation(index_t i, index_t j) const {
  const double vi = at(i, i), vj = at(j, j);
  if (vi <= 0 || vj <= 0) return 0.0;
  return std::clamp(at(i, j) / std::sqrt(vi * vj), -1.0, 1.0);
}

std::vector<double> column_means(const Context& ctx, MatrixView<const float> x) {
  const index_t n = x.rows, d = x.cols;
  const index_t group_rows = kBlock * kGroupBlocks;
  const index_t ng = block_count(n, group_rows);
  std::vector<double> part(static_cast<std::size_t>(ng * d), 0.0);
  parallel_for_blocks(ctx, n, group_rows, [&](index_t g, index_t s, index_t e) {
    double* p = part.data() + g * d;
    for (index_t i = s; i < e; ++i)
      for (index_t j = 0; j < d; ++j) p[j] += x(i, j);
  });
  std::vector<double> mean(static_cast<std::size_t>(d), 0.0);
  for (index_t g = 0; g < ng; ++g)
    for (index_t j = 0; j < d; ++j) mean[static_cast<std::size_t>(j)] += part[static_cast<std::size_t>(g * d + j)];
  for (auto& m : mean) m /= static_cast<double>(std::max<index_t>(n, 1));
  return mean;
}

Covariance covariance(const Context& ctx, MatrixView<const float> x) {
  const index_t n = x.rows, d = x.cols;
  Covariance out;
  out.d = d;
  // Partial sums per group of kGroupBlocks consecutive blocks, each group summed in block order
  // and the groups combined in order: the same bits at any thread count, and memory that grows
  // with n / (kBlock · kGroupBlocks) rather than with the number of blocks.
  const index_t group_rows = kBlock * kGroupBlocks;
  const index_t ng = block_count(n, group_rows);
  out.mean = column_means(ctx, x);

  std::vector<double> cov_part(static_cast<std::size_t>(ng * d * d), 0.0);
  const int threads = std::max(1, ctx.threads());
  std::vector<float> centred(static_cast<std::size_t>(kBlock * d * threads));
  std::vector<float> cb(static_cast<std::size_t>(d * d * threads));
  parallel_for_blocks_indexed(ctx, n, group_rows, [&](int w, index_t g, index_t gs, index_t ge) {
    float* xc = centred.data() + static_cast<std::size_t>(w) * static_cast<std::size_t>(kBlock * d);
    float* c = cb.data() + static_cast<std::size_t>(w) * static_cast<std::size_t>(d * d);
    double* o = cov_part.data() + g * d * d;
    for (index_t s = gs; s < ge; s += kBlock) {
      const index_t e = std::min(ge, s + kBlock);
      for (index_t i = s; i < e; ++i)
        for (index_t j = 0; j < d; ++j)
          xc[(i - s) * d + j] = static_cast<float>(x(i, j) - out.mean[static_cast<std::size_t>(j)]);
      blas::syrk_ata(1.0f, MatrixView<const float>(xc, e - s, d), 0.0f, MatrixView<float>(c, d, d));
      for (index_t t = 0; t < d * d; ++t) o[t] += c[t];
    }
  });
  out.cov.assign(static_cast<std::size_t>(d * d), 0.0);
  for (index_t g = 0; g < ng; ++g)
    for (index_t t = 0; t < d * d; ++t)
      out.cov[static_cast<std::size_t>(t)] += cov_part[static_cast<std::size_t>(g * d * d + t)];
  const double denom = static_cast<double>(std::max<index_t>(n - 1, 1));
  for (auto& v : out.cov) v /= denom;
  return out;
}

}  // namespace kohort::reduce
