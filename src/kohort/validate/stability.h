// kohort/validate/stability.h — are the segments real? Bootstrap stability per segment.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::validate {

struct StabilityOptions {
  int resamples = 20;              ///< B bootstrap resamples
  index_t max_rows = 50000;        ///< each resample draws min(n, max_rows) rows with replacement
  double unstable_below = 0.6;     ///< mean Jaccard under this flags a segment as unstable
};

struct Stability {
  std::vector<double> jaccard;     ///< per segment: mean over resamples of the best Jaccard
  std::vector<bool> unstable;      ///< jaccard < unstable_below
  double mean_ari = 0;             ///< mean ARI between the reference and each refit
  std::vector<double> ari;         ///< per resample
};

/// Clusters a resample: rows of `sample` → labels (any integers; −1 for outliers).
using FitSample =
    std::function<Result<std::vector<std::int32_t>>(const Context&, MatrixView<const float> sample)>;

/// Bootstrap stability in the manner of Hennig (2007, "Cluster-wise assessment of cluster
/// stability"): for each of B resamples (rows drawn with replacement from ctx.rng), the rows are
/// re-clustered with `fit`, and on the distinct rows drawn each reference segment is compared
/// with its best-matching new cluster by Jaccard similarity; the ARI compares the partitions.
/// Resample b uses the stream ctx.rng("stability", b), so results do not depend on threads.
/// Fails with invalid_argument for resamples < 1 and passes on fit's failures. Cost: B fits.
[[nodiscard]] Result<Stability> bootstrap_stability(const Context& ctx, MatrixView<const float> x,
                                                    std::span<const std::int32_t> reference,
                                                    const FitSample& fit,
                                                    const StabilityOptions& options);

}  // namespace kohort::validate
