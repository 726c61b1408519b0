#include "kohort/reduce/covariance.h"

#include <algorithm>
#include <cmath>

#include "kohort/core/blas.h"
#include "kohort/core/parallel.h"

namespace kohort::reduce {

namespace {
constexpr index_t kBlock = 4096;
}

double Covariance::correlation(index_t i, index_t j) const {
  const double vi = at(i, i), vj = at(j, j);
  if (vi <= 0 || vj <= 0) return 0.0;
  return std::clamp(at(i, j) / std::sqrt(vi * vj), -1.0, 1.0);
}

Covariance covariance(const Context& ctx, MatrixView<const float> x) {
  const index_t n = x.rows, d = x.cols;
  Covariance out;
  out.d = d;
  const index_t nb = block_count(n, kBlock);
  std::vector<double> part(static_cast<std::size_t>(nb * d), 0.0);
  parallel_for_blocks(ctx, n, kBlock, [&](index_t b, index_t s, index_t e) {
    double* p = part.data() + b * d;
    for (index_t i = s; i < e; ++i)
      for (index_t j = 0; j < d; ++j) p[j] += x(i, j);
  });
  out.mean.assign(static_cast<std::size_t>(d), 0.0);
  for (index_t b = 0; b < nb; ++b)
    for (index_t j = 0; j < d; ++j)
      out.mean[static_cast<std::size_t>(j)] += part[static_cast<std::size_t>(b * d + j)];
  for (auto& m : out.mean) m /= static_cast<double>(std::max<index_t>(n, 1));

  std::vector<double> cov_part(static_cast<std::size_t>(nb * d * d), 0.0);
  const int threads = std::max(1, ctx.threads());
  std::vector<float> centred(static_cast<std::size_t>(kBlock * d * threads));
  std::vector<float> cb(static_cast<std::size_t>(d * d * threads));
  parallel_for_blocks_indexed(ctx, n, kBlock, [&](int w, index_t b, index_t s, index_t e) {
    float* xc = centred.data() + static_cast<std::size_t>(w) * static_cast<std::size_t>(kBlock * d);
    float* c = cb.data() + static_cast<std::size_t>(w) * static_cast<std::size_t>(d * d);
    for (index_t i = s; i < e; ++i)
      for (index_t j = 0; j < d; ++j)
        xc[(i - s) * d + j] = static_cast<float>(x(i, j) - out.mean[static_cast<std::size_t>(j)]);
    blas::syrk_ata(1.0f, MatrixView<const float>(xc, e - s, d), 0.0f, MatrixView<float>(c, d, d));
    double* o = cov_part.data() + b * d * d;
    for (index_t t = 0; t < d * d; ++t) o[t] = c[t];
  });
  out.cov.assign(static_cast<std::size_t>(d * d), 0.0);
  for (index_t b = 0; b < nb; ++b)
    for (index_t t = 0; t < d * d; ++t)
      out.cov[static_cast<std::size_t>(t)] += cov_part[static_cast<std::size_t>(b * d * d + t)];
  const double denom = static_cast<double>(std::max<index_t>(n - 1, 1));
  for (auto& v : out.cov) v /= denom;
  return out;
}

}  // namespace kohort::reduce
