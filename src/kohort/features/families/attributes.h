// kohort/features/families/attributes.h — customer attributes: age, signup tenure, loyalty tier,
// region. Columns listed in Attributes::protected_columns are never used.
#pragma once

#include <span>
#include <vector>

#include "kohort/events/event_log.h"
#include "kohort/features/families/common.h"
#include "kohort/features/feature_spec.h"

namespace kohort::features::internal {

/// The rank of a loyalty tier's name on a common ladder (none 0, basic/standard/member/bronze 1,
/// silver 2, gold 3, platinum 4, diamond 5, vip/black 6; case-insensitive), or its number
/// ("3", "tier 3", "level 3"); -1 when the name is not recognised.
[[nodiscard]] double tier_ladder_rank(std::string_view name);

class AttributeFamily {
 public:
  void plan(const events::EventLog& log, const FeatureSpec& spec,
            std::span<const events::customer_t> rows, PopulationInputs& pop, Columns& cols);
  void compute(events::customer_t c, float* row) const;
  [[nodiscard]] bool active() const { return log_ != nullptr; }

 private:
  const events::EventLog* log_ = nullptr;
  Seconds as_of_ = 0;
  int age_ = -1, signup_ = -1, tier_ = -1, region_first_ = -1;
  std::vector<double> tier_rank_;  ///< ordinal per tier code.
  Levels region_levels_;
};

}  // namespace kohort::features::internal
