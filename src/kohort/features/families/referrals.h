// kohort/features/families/referrals.h — the referral graph: degrees and PageRank.
#pragma once

#include <span>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/events/event_log.h"
#include "kohort/features/families/common.h"
#include "kohort/features/feature_spec.h"

namespace kohort::features::internal {

/// PageRank of a directed graph on n nodes, edges src[e] → dst[e] (node ids in [0, n)), by power
/// iteration: p ← (1−d)/n + d·(Σ_{j→i} p_j / out_j + Σ_{dangling j} p_j / n), from p = 1/n,
/// until Σ|Δp| < tol or max_iter iterations. Returns p (sums to 1). Deterministic (serial,
/// edges in the order given). O((n + edges) · iterations).
[[nodiscard]] std::vector<double> pagerank(index_t n, std::span<const index_t> src,
                                           std::span<const index_t> dst, double damping = 0.85,
                                           double tol = 1e-12, int max_iter = 200);

class ReferralFamily {
 public:
  /// Builds the graph on the table's rows: an edge counts when both ends are rows and, when
  /// the stream has times, its time is before the as-of instant.
  void plan(const events::EventLog& log, const FeatureSpec& spec,
            std::span<const events::customer_t> rows, std::span<const index_t> row_of,
            Columns& cols);
  void compute(index_t r, float* row) const;
  [[nodiscard]] bool active() const { return active_; }

 private:
  bool active_ = false;
  int out_ = -1, in_ = -1, second_ = -1, rank_ = -1;
  std::vector<double> out_deg_, in_deg_, second_deg_, rank_scaled_;
};

}  // namespace kohort::features::internal
