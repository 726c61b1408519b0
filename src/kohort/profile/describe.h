// kohort/profile/describe.h — segments in words: names composed from each segment's measured
// distinguishing features, narratives with evidence, and rule conditions in feature units.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "kohort/features/feature_table.h"
#include "kohort/profile/profile.h"

namespace kohort::profile {

/// A unique, deterministic name per segment ("Lapsing big spenders", "Frequent app-first
/// bargain hunters"), composed from the segment's features with the largest standardised
/// differences (|d| ≥ 0.25): each known feature contributes a word for its direction —
/// an adjective, or the head noun ("big spenders", "bargain hunters", …; "customers" when none
/// applies). Features of one concept (total spend, spend in 90 days, …) speak once: the one
/// with the largest difference decides. Segments whose names would coincide take further words from their next features;
/// any that still coincide are numbered by size. Names depend only on the profiles.
[[nodiscard]] std::vector<std::string> name_segments(std::span<const features::FeatureInfo> info,
                                                     const Profiles& profiles);

/// One driver as evidence, in the feature's units: "total spend 3.1× the average (1,240 vs
/// 402)", "share of orders with a discount 72% vs 18% overall", "days since the last purchase
/// 210 vs 64 on average".
[[nodiscard]] std::string evidence(const features::FeatureInfo& info, const Driver& driver);

/// Two or three sentences: size and revenue, the evidence of the top drivers, and the
/// segment's value and churn risk (the chance of no purchase within `churn_horizon_days`)
/// against the population.
[[nodiscard]] std::string narrative(std::span<const features::FeatureInfo> info, const SegmentProfile& segment,
                                    const Population& population, double churn_horizon_days = 90);

/// A rule condition in words: "orders in the last 90 days > 3.5", "share of orders with a
/// discount > 60%", "is a new customer" (flags).
[[nodiscard]] std::string condition_text(const features::FeatureInfo& info, bool greater, double threshold);

/// A number for people: thousands separated, 3 significant digits below 1000.
[[nodiscard]] std::string format_number(double value);

}  // namespace kohort::profile
