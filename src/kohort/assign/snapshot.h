// kohort/assign/snapshot.h — where every customer stood on any past day. The store keeps the
// standing of the two latest assignment days only; an earlier day is rebuilt from the fit's
// assignments of that day's version and the transitions of every day up to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kohort/core/result.h"
#include "kohort/core/time.h"
#include "kohort/store/store.h"

namespace kohort::assign {

struct SnapshotRow {
  std::string customer_id;
  std::int32_t segment = 0;
  std::optional<float> confidence;  ///< known on a kept day and on a fit's own day only
  Seconds since = 0;                ///< in `segment` since then
  store::CustomerValue value = {};  ///< known on a kept day and on a fit's own day only (else NaN)
};

struct Snapshot {
  Seconds as_of = 0;          ///< the day that was current on the date asked for
  std::int64_t version = 0;   ///< its model version
  std::string source;         ///< "standing" (kept), "transitions" (rebuilt) or "fit" (the fit's assignments)
  std::vector<SnapshotRow> rows;  ///< ordered by customer_id as bytes
};

/// Every customer's published segment as it stood on `date`: after the latest current
/// assignment day on or before it, or the assignments of a version fitted as of a later instant
/// still on or before it (a fit is current as of its own date). A rebuilt day is exact in
/// segment and since, without confidence. Fails with not_found when nothing was current then.
/// Cost: one read of the version's assignments and of the transitions in between; O(n log n).
[[nodiscard]] Result<Snapshot> snapshot(store::Store& store, Seconds date);

/// What a destination that has everything up to `since` lacks of `s` (kohort export --delta):
/// the rows of customers who entered their segment — moved or new — after `since` (none when
/// `s` is not later than it); all of `s` when a version was fitted after `since` (a refit may
/// move anyone).
[[nodiscard]] Result<Snapshot> changes_since(store::Store& store, const Snapshot& s, Seconds since);

}  // namespace kohort::assign
