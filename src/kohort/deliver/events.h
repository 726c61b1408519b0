// kohort/deliver/events.h — the entry and exit events a webhook receives: what changed in the
// published segments between two days, as the store records it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kohort/core/result.h"
#include "kohort/core/time.h"
#include "kohort/store/store.h"

namespace kohort::deliver {

/// One event, ready to send.
struct Event {
  std::string id;           ///< idempotency key: "evt_" + 32 hex digits, the same for the same change
  std::string customer_id;
  std::string as_of;        ///< the day of the change, "YYYY-MM-DDTHH:MM:SSZ"
  std::string json;         ///< the event object as sent (see segment_events)
};

/// The idempotency key of `type` ("segment.entered" or "segment.exited") of `customer_id` and
/// `segment` on day `as_of`: the first 128 bits of a SHA-256 over the four, so a re-run of the
/// day, or a redelivery, sends the same key and a receiver can drop what it already has.
[[nodiscard]] std::string event_id(const std::string& type, const std::string& customer_id, std::int32_t segment,
                                   const std::string& as_of);

/// The events of every change published after `after` and up to `through`, ordered by day,
/// customer id (as bytes) and exit before entry. Each is a JSON object:
///   {"id", "type": "segment.exited"|"segment.entered", "customer_id", "segment", "segment_name",
///    "as_of", "reason", "from_segment", "to_segment", "model_version"}
/// where reason is the transition's (`moved` gives an exit and an entry, `new` an entry, `left`
/// an exit; `held` none) or `refit` for a customer whose segment a version fitted in between
/// changed (against the day before its date; the first version gives none). `from_segment` and
/// `to_segment` are null where there is none. Fails as the store does.
/// Cost: the transitions of the days in between; a refit in between reads two days' rows.
[[nodiscard]] Result<std::vector<Event>> segment_events(store::Store& store, Seconds after, Seconds through);

}  // namespace kohort::deliver
