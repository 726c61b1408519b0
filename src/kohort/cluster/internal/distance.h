// kohort/cluster/internal/distance.h — blocked squared-Euclidean distances with fused argmin.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"

namespace kohort::cluster::internal {

/// Rows per SGEMM tile: a tile × k block of distances and the tile's rows stay in L2.
inline constexpr index_t kTileRows = 512;
/// Rows per accumulation block: partial sums are kept per block and combined in block order.
inline constexpr index_t kBlockRows = 16384;

/// Squared norm of every row, accumulated in double, stored as float.
[[nodiscard]] std::vector<float> row_norms(const Context& ctx, MatrixView<const float> x);

/// For every row of `x` (n × d) the nearest row of `c` (k × d) and the squared distance to it,
/// computed as ‖x‖² − 2·x·c + ‖c‖² through SGEMM per tile and clamped at 0. Ties go to the
/// lowest centre index. x_norms/c_norms come from row_norms(). Parallel over kBlockRows blocks;
/// deterministic. Extra memory: threads × kTileRows × k floats.
void nearest(const Context& ctx, MatrixView<const float> x, std::span<const float> x_norms,
             MatrixView<const float> c, std::span<const float> c_norms, std::span<std::int32_t> labels,
             std::span<float> min_dist);

/// Single-threaded version on one tile of rows; `scratch` holds rows × k floats. When
/// `second_dist` is not null it receives the squared distance to the second-nearest centre
/// (+∞ when k = 1).
void nearest_tile(MatrixView<const float> x, const float* x_norms, MatrixView<const float> c,
                  const float* c_norms, std::int32_t* labels, float* min_dist, float* scratch,
                  float* second_dist = nullptr);

/// Squared Euclidean distance between two d-vectors, computed directly (exact near ties) with
/// eight partial sums so that it vectorises without reassociation flags.
[[nodiscard]] float squared_distance(const float* a, const float* b, index_t d);

}  // namespace kohort::cluster::internal
