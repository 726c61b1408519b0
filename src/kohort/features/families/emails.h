// kohort/features/families/emails.h — email engagement: rates per sent email, unsubscribe,
// days since the last engagement.
#pragma once

#include <vector>

#include "kohort/events/event_log.h"
#include "kohort/features/families/common.h"
#include "kohort/features/feature_spec.h"

namespace kohort::features::internal {

class EmailFamily {
 public:
  void plan(const events::EventLog& log, const FeatureSpec& spec, Columns& cols);
  void compute(events::customer_t c, float* row) const;
  [[nodiscard]] bool active() const { return log_ != nullptr; }

 private:
  const events::EventLog* log_ = nullptr;
  Seconds as_of_ = 0;
  std::vector<int> windows_;
  int sent_ = -1, open_rate_ = -1, click_rate_ = -1, click_to_open_ = -1, unsub_ = -1;
  int since_engaged_ = -1, since_email_ = -1;
  std::vector<int> sent_w_;
};

}  // namespace kohort::features::internal
