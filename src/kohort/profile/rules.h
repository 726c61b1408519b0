// kohort/profile/rules.h — rule-style descriptors of each segment in feature units, from
// shallow one-vs-rest surrogate decision trees on the raw features.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/features/feature_table.h"
#include "kohort/profile/profile.h"
#include "kohort/profile/surrogate_tree.h"

namespace kohort::profile {

/// For each segment of `labels`, up to options.max_rules rules ("orders in the last 90 days >
/// 3.5 and share of orders with a discount > 60% — 78% of members; 91% of matches are
/// members"), fitted by segment_rules() on the raw features with missing values imputed by
/// the population medians of `profiles` (so thresholds read in the features' own units).
/// Fails as segment_rules(). Deterministic at any ctx.threads().
[[nodiscard]] Result<std::vector<std::vector<RuleText>>> describe_rules(const Context& ctx,
                                                                         const features::FeatureTable& raw,
                                                                         const Profiles& profiles,
                                                                         std::span<const std::int32_t> labels,
                                                                         int k, const RuleOptions& options);

/// describe_rules() without a copy of the table: the missing values of `raw` are replaced in
/// place by the population medians, which the caller must not mind.
[[nodiscard]] Result<std::vector<std::vector<RuleText>>> describe_rules_in_place(
    const Context& ctx, features::FeatureTable& raw, const Profiles& profiles,
    std::span<const std::int32_t> labels, int k, const RuleOptions& options);

}  // namespace kohort::profile
