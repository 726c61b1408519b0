#include "kohort/cluster/internal/distance.h"

#include <algorithm>
#include <limits>

#include "kohort/core/blas.h"
#include "kohort/core/parallel.h"

namespace kohort::cluster::internal {

std::vector<float> row_norms(const Context& ctx, MatrixView<const float> x) {
  std::vector<float> out(static_cast<std::size_t>(x.rows));
  parallel_for_blocks(ctx, x.rows, kBlockRows, [&](index_t, index_t b, index_t e) {
    for (index_t i = b; i < e; ++i) {
      const float* r = x.row(i);
      double s = 0;
      for (index_t j = 0; j < x.cols; ++j) s += static_cast<double>(r[j]) * r[j];
      out[static_cast<std::size_t>(i)] = static_cast<float>(s);
    }
  });
  return out;
}

float squared_distance(const float* a, const float* b, index_t d) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  index_t j = 0;
  for (; j + 8 <= d; j += 8)
    for (int t = 0; t < 8; ++t) {
      const float v = a[j + t] - b[j + t];
      acc[t] += v * v;
    }
  float tail = 0;
  for (; j < d; ++j) {
    const float v = a[j] - b[j];
    tail += v * v;
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}

void nearest_tile(MatrixView<const float> x, const float* x_norms, MatrixView<const float> c,
                  const float* c_norms, std::int32_t* labels, float* min_dist, float* scratch,
                  float* second_dist) {
  const index_t k = c.rows;
  MatrixView<float> g(scratch, x.rows, k);
  blas::gemm_abt(1.0f, x, c, 0.0f, g);
  for (index_t i = 0; i < x.rows; ++i) {
    const float* gi = g.row(i);
    float best = std::numeric_limits<float>::infinity();
    std::int32_t arg = 0;
    if (second_dist == nullptr) {
      for (index_t j = 0; j < k; ++j) {
        const float d = c_norms[j] - 2.0f * gi[j];
        if (d < best) {
          best = d;
          arg = static_cast<std::int32_t>(j);
        }
      }
    } else {
      float second = std::numeric_limits<float>::infinity();
      for (index_t j = 0; j < k; ++j) {
        const float d = c_norms[j] - 2.0f * gi[j];
        if (d < best) {
          second = best;
          best = d;
          arg = static_cast<std::int32_t>(j);
        } else if (d < second) {
          second = d;
        }
      }
      second_dist[i] = std::max(0.0f, second + x_norms[i]);
    }
    labels[i] = arg;
    // clamp: ‖x‖²+‖c‖²−2x·c can be slightly negative for x ≈ c after rounding
    min_dist[i] = std::max(0.0f, best + x_norms[i]);
  }
}

void nearest(const Context& ctx, MatrixView<const float> x, std::span<const float> x_norms,
             MatrixView<const float> c, std::span<const float> c_norms,
             std::span<std::int32_t> labels, std::span<float> min_dist) {
  const int threads = std::max(1, ctx.threads());
  std::vector<float> scratch(static_cast<std::size_t>(threads * kTileRows * c.rows));
  parallel_for_blocks_indexed(ctx, x.rows, kBlockRows, [&](int w, index_t, index_t b, index_t e) {
    float* s = scratch.data() + static_cast<std::size_t>(w) *
                                    static_cast<std::size_t>(kTileRows * c.rows);
    for (index_t t = b; t < e; t += kTileRows) {
      const index_t te = std::min(e, t + kTileRows);
      nearest_tile(x.rows_range(t, te), x_norms.data() + t, c, c_norms.data(),
                   labels.data() + t, min_dist.data() + t, s);
    }
  });
}

}  // namespace kohort::cluster::internal
