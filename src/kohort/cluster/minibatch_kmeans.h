// kohort/cluster/minibatch_kmeans.h — mini-batch k-means for streams and very large n.
#pragma once

#include <cstdint>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::cluster {

struct MiniBatchOptions {
  int n_clusters = 8;
  index_t batch_size = 1024;     ///< rows per step
  int max_epochs = 100;          ///< passes over the data at most (in rows drawn)
  int max_no_improvement = 10;   ///< stop after this many steps without a better smoothed inertia
  double reassign_ratio = 0.01;  ///< centres with less than this share of the largest count are re-seeded
  int n_init = 3;                ///< k-means++ seedings tried on the initial sample; the best is kept
};

/// The running state: centres and how much weight each has absorbed. Feed it batches.
struct MiniBatchState {
  Matrix<float> centers;       ///< k × d
  std::vector<double> counts;  ///< weight absorbed per centre
  index_t steps = 0;
};

/// Starts a state from k-means++ centres chosen on `x` (the first batch, or a sample).
[[nodiscard]] Result<MiniBatchState> minibatch_start(const Context& ctx, MatrixView<const float> x,
                                                     int n_clusters);

/// One incremental update with a batch (Sculley 2010, "Web-scale k-means clustering"): each row
/// goes to its nearest centre, and each centre moves to the running mean of everything it has
/// absorbed; centres whose count falls below reassign_ratio × the largest are re-seeded at
/// batch rows drawn from ctx.rng. Returns the batch's inertia before the update.
/// Deterministic for ctx.seed() and the sequence of batches, at any thread count.
[[nodiscard]] Result<double> minibatch_partial_fit(const Context& ctx, MiniBatchState& state,
                                                   MatrixView<const float> batch,
                                                   const MiniBatchOptions& options = {});

/// Fits on x with batches drawn with replacement (ctx.rng("minibatch", step)), stopping early
/// when the exponentially smoothed batch inertia stops improving; returns the state and, via
/// `labels`, the nearest centre of every row. O(steps · batch · k · d) + one O(n·k·d) pass.
[[nodiscard]] Result<MiniBatchState> fit_minibatch_kmeans(const Context& ctx,
                                                          MatrixView<const float> x,
                                                          const MiniBatchOptions& options,
                                                          std::vector<std::int32_t>* labels = nullptr,
                                                          double* inertia = nullptr);

}  // namespace kohort::cluster
