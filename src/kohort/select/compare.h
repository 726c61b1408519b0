// kohort/select/compare.h — agreement between two partitions of the same rows.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kohort/core/result.h"

namespace kohort::select {

/// Adjusted Rand index (Hubert & Arabie 1985); 1 for identical partitions up to relabelling.
/// Labels may be any integers (outliers −1 are a cluster of their own here). Fails with
/// invalid_input when the lengths differ. O(n + ka·kb).
[[nodiscard]] Result<double> adjusted_rand_index(std::span<const std::int32_t> a,
                                                 std::span<const std::int32_t> b);

/// Normalised mutual information with the arithmetic mean of the entropies (scikit-learn's
/// default); 1 for identical partitions, 1 when both are a single cluster.
[[nodiscard]] Result<double> normalized_mutual_info(std::span<const std::int32_t> a,
                                                    std::span<const std::int32_t> b);

/// For each cluster of `reference`, the best Jaccard similarity |A∩B|/|A∪B| with any cluster of
/// `other` (stability per segment). Index = reference label (0..max); absent labels give NaN.
[[nodiscard]] Result<std::vector<double>> best_jaccard(std::span<const std::int32_t> reference,
                                                       std::span<const std::int32_t> other);

}  // namespace kohort::select
