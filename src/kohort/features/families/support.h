// kohort/features/families/support.h — support contacts: rate, topics, sentiment.
#pragma once

#include <span>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/events/event_log.h"
#include "kohort/features/families/common.h"
#include "kohort/features/feature_spec.h"

namespace kohort::features::internal {

class SupportFamily {
 public:
  void plan(const Context& ctx, const events::EventLog& log, const FeatureSpec& spec,
            std::span<const events::customer_t> rows, PopulationInputs& pop, Columns& cols);
  /// Uses st.tenure_days from the transactions family for the contact rate.
  void compute(events::customer_t c, const CustomerState& st, float* row) const;
  [[nodiscard]] bool active() const { return log_ != nullptr; }

 private:
  const events::EventLog* log_ = nullptr;
  Seconds as_of_ = 0;
  std::vector<int> windows_;
  bool has_sentiment_ = false;
  int total_ = -1, rate_ = -1, topic_first_ = -1, sentiment_mean_ = -1, sentiment_min_ = -1;
  int negative_share_ = -1, since_last_ = -1;
  std::vector<int> window_cols_;
  Levels topic_levels_;
};

}  // namespace kohort::features::internal
