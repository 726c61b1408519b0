// kohort/deliver/deliver.h — a webhook destination kept up to date from the store: what changed
// since its watermark goes out, what it did not take stays as dead letters until redelivered.
#pragma once

#include <optional>
#include <string>

#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/core/time.h"
#include "kohort/deliver/webhook.h"
#include "kohort/store/store.h"

namespace kohort::deliver {

/// What a delivery did.
struct Delivery {
  DeliveryReport report;
  std::optional<std::string> after;  ///< the destination's watermark before (none: a new destination)
  std::string through;               ///< its watermark now
  std::int64_t dead_letters = 0;     ///< of the destination, after this delivery
};

/// The watermark name of a webhook destination in the store ("webhook <url>").
[[nodiscard]] std::string watermark_name(const std::string& url);

/// Posts to `options.url` every change published after the destination's watermark and up to
/// `through` (segment_events); a destination without one gets the changes after `first_after`
/// only (a new destination takes the whole base from kohort export first). A day the
/// destination already has (a re-run) is sent again whole: unchanged events keep their ids. Then records, in one
/// transaction, the undelivered events as dead letters and the watermark at `through`. A run
/// killed before that records nothing, and the next sends the same events again with the same
/// ids, so nothing is lost. Fails as the store does or with post_events' invalid_argument.
[[nodiscard]] Result<Delivery> deliver_changes(const Context& ctx, store::Store& store, const WebhookOptions& options,
                                               Seconds through, Seconds first_after);

/// Posts the dead letters of `options.url` again, with their ids and payloads, oldest day first;
/// removes those delivered and adds the attempts and error to the rest, in one transaction.
[[nodiscard]] Result<Delivery> redeliver(const Context& ctx, store::Store& store, const WebhookOptions& options);

}  // namespace kohort::deliver
