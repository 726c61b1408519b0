#include "kohort/features/feature_spec.h"

#include <algorithm>

#include <fmt/format.h>

#include "kohort/features/families/common.h"

namespace kohort::features {

Status FeatureSpec::validate() const {
  if (windows_days.empty() || windows_days.size() > internal::kMaxWindows)
    return Status::invalid_argument("windows_days",
                                    fmt::format("{} windows given, expected 1 to {}",
                                                windows_days.size(), internal::kMaxWindows),
                                    "give between 1 and 8 windows, such as 30,90,365");
  for (std::size_t i = 0; i < windows_days.size(); ++i) {
    const int w = windows_days[i];
    if (w < 1 || w > 3650)
      return Status::invalid_argument("windows_days",
                                      fmt::format("window {} days is outside [1, 3650]", w),
                                      "use windows between 1 and 3650 days");
    for (std::size_t j = 0; j < i; ++j)
      if (windows_days[j] == w)
        return Status::invalid_argument(
            "windows_days", fmt::format("window {} days is repeated", w), "list each window once");
  }
  if (trend_window_days < 1 || trend_window_days > 3650)
    return Status::invalid_argument("trend_window_days",
                                    fmt::format("{} is outside [1, 3650]", trend_window_days),
                                    "use a trend window between 1 and 3650 days");
  if (max_levels < 1 || max_levels > 64)
    return Status::invalid_argument("max_levels", fmt::format("{} is outside [1, 64]", max_levels),
                                    "use between 1 and 64 levels per categorical column");
  const auto& known = feature_groups();
  for (const auto& g : groups)
    if (std::find(known.begin(), known.end(), g) == known.end())
      return Status::invalid_argument("groups", fmt::format("unknown feature group '{}'", g),
                                      fmt::format("use one of: {}", fmt::join(known, ", ")));
  return {};
}

bool FeatureSpec::wants(std::string_view group) const {
  return groups.empty() || std::find(groups.begin(), groups.end(), group) != groups.end();
}

FeatureSpec FeatureSpec::clustered_only() const {
  FeatureSpec out = *this;
  out.groups.clear();
  for (const auto g : feature_groups())
    if (wants(g) && is_clustered_group(g)) out.groups.emplace_back(g);
  return out;
}

}  // namespace kohort::features
