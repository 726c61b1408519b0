// kohort/features/feature_spec.h — what to compute: the as-of instant, windows and groups.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kohort/core/status.h"
#include "kohort/core/time.h"

namespace kohort::features {

/// Names of every feature group compute_features() knows, in table order:
/// recency, frequency, monetary, windows, trends, intervals, lifecycle, categories, price,
/// channels, payments, returns, basket, relative, recent, browsing, email, support, attributes,
/// referrals. A group appears in a table only when its stream (and column) is present.
inline constexpr std::array<std::string_view, 20> kFeatureGroups = {
    "recency",    "frequency", "monetary", "windows",  "trends",  "intervals",  "lifecycle",
    "categories", "price",     "channels", "payments", "returns", "basket",     "relative",
    "recent",     "browsing",  "email",    "support",  "attributes", "referrals"};
[[nodiscard]] inline std::span<const std::string_view> feature_groups() { return kFeatureGroups; }

/// Groups computed for monitoring, never clustered: "recent" holds the purchase lines of the
/// shortest window and their channel, payment and discount mix, which `kohort monitor`
/// compares within each segment against the fit's window (monitor/drift.h). Mostly missing
/// (most customers buy nothing in a month), they would add noise to the clustering space;
/// transform_table() leaves them out with that reason.
[[nodiscard]] inline bool is_clustered_group(std::string_view group) { return group != "recent"; }

/// Options for compute_features(). Ranges are checked by validate().
struct FeatureSpec {
  /// Only events with time strictly before this instant are used (epoch seconds, UTC).
  Seconds as_of = 0;
  /// Look-back windows in days for the windowed counts, spend, categories and trends; each in
  /// [1, 3650], distinct. Default {30, 90, 365}.
  std::vector<int> windows_days = {30, 90, 365};
  /// The window of the order-value trend and of the lifecycle stage, in days; [1, 3650].
  int trend_window_days = 90;
  /// At most this many levels of a categorical column (category, channel, payment, device,
  /// topic, region) get a share column each; the rest are pooled into "other". [1, 64].
  int max_levels = 12;
  /// Groups to compute (names from feature_groups()); empty means all of them.
  std::vector<std::string> groups;

  /// Ranges, duplicate windows and unknown group names; where names the field
  /// ("windows_days", "groups", …).
  [[nodiscard]] Status validate() const;
  /// True when `group` is to be computed.
  [[nodiscard]] bool wants(std::string_view group) const;
  /// This spec without the groups that are never clustered: what assigning a customer needs.
  [[nodiscard]] FeatureSpec clustered_only() const;
};

}  // namespace kohort::features
