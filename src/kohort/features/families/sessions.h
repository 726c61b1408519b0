// kohort/features/families/sessions.h — browsing features from web and app sessions.
#pragma once

#include <span>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/events/event_log.h"
#include "kohort/features/families/common.h"
#include "kohort/features/feature_spec.h"

namespace kohort::features::internal {

class SessionFamily {
 public:
  void plan(const Context& ctx, const events::EventLog& log, const FeatureSpec& spec,
            std::span<const events::customer_t> rows, PopulationInputs& pop, Columns& cols);
  /// Uses st (orders, purchase days) from the transactions family.
  void compute(events::customer_t c, Scratch& s, const CustomerState& st, float* row) const;
  [[nodiscard]] bool active() const { return log_ != nullptr; }

 private:
  const events::EventLog* log_ = nullptr;
  Seconds as_of_ = 0;
  std::vector<int> windows_;
  bool has_pages_ = false, has_duration_ = false, has_search_ = false, has_device_ = false;
  int total_ = -1, days_ = -1, pages_ = -1, minutes_ = -1, search_ = -1;
  std::vector<int> window_cols_;
  Levels device_levels_;
  int device_first_ = -1, conversion_ = -1, before_first_ = -1, hours_to_buy_ = -1;
  int since_last_ = -1;
};

}  // namespace kohort::features::internal
