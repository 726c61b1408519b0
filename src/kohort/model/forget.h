// kohort/model/forget.h — customers erased on request (kohort forget, Store::forget()) stay out
// of later fits, assignment days and monitor runs until they are seen again: a purchase, a
// browsing session, a support contact or an email engagement dated after the erasure.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "kohort/core/result.h"
#include "kohort/core/time.h"
#include "kohort/features/feature_table.h"
#include "kohort/model/fit.h"
#include "kohort/store/store.h"

namespace kohort::model {

/// The store's forgotten customers: the SHA-256 of each id → when it was forgotten.
struct Forgotten {
  std::unordered_map<std::string, Seconds> when;
  [[nodiscard]] static Result<Forgotten> read(store::Store& store);
};

/// Which rows of `raw` (row i is customer ids[i]) a run keeps: every row but a forgotten
/// customer's whose latest activity the features show — as_of minus the smallest of
/// recency_days, days_since_last_session, days_since_last_contact and
/// days_since_email_engagement (those present) — is not after the erasure. O(n) hashes.
[[nodiscard]] std::vector<bool> rows_to_keep(const Forgotten& forgotten, const features::FeatureTable& raw,
                                             const std::vector<std::string>& ids);

/// Drops the rows `keep` leaves out from a feature table and its ids; returns how many.
index_t drop_rows(features::FeatureTable& raw, std::vector<std::string>& ids, const std::vector<bool>& keep);
/// The same for a fit's prepared data (features, ids, business values, purchase summaries).
index_t drop_rows(FitData& data, const std::vector<bool>& keep);

}  // namespace kohort::model
