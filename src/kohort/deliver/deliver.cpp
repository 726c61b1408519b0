#include "kohort/deliver/deliver.h"

#include <algorithm>

namespace kohort::deliver {

namespace {

// The dead letters of `events` that `report` left undelivered.
std::vector<store::DeadLetter> dead_letters(const std::vector<Event>& events, const DeliveryReport& report) {
  std::vector<store::DeadLetter> out;
  for (const Undelivered& u : report.undelivered) {
    const Event& e = events[u.index];
    out.push_back({"", e.id, e.customer_id, e.as_of, e.json, u.attempts, u.error, ""});
  }
  return out;
}

Result<std::int64_t> count_dead(store::Store& store, const std::string& url) {
  KOHORT_ASSIGN_OR_RETURN(const auto left, store.dead_letters(url));
  return static_cast<std::int64_t>(left.size());
}

}  // namespace

std::string watermark_name(const std::string& url) { return "webhook " + url; }

Result<Delivery> deliver_changes(const Context& ctx, store::Store& store, const WebhookOptions& options, Seconds through,
                                 Seconds first_after) {
  Delivery d;
  KOHORT_ASSIGN_OR_RETURN(d.after, store.watermark(watermark_name(options.url)));
  // A day delivered before and run again is sent again whole: its transitions may have changed,
  // and the receiver drops the events it has by their ids.
  const Seconds after = d.after ? std::min(parse_iso8601(*d.after).value_or(first_after), through - 1) : first_after;
  KOHORT_ASSIGN_OR_RETURN(const auto events, segment_events(store, after, through));
  KOHORT_ASSIGN_OR_RETURN(d.report, post_events(ctx, options, events));
  d.through = format_datetime(std::max(after, through));
  KOHORT_RETURN_IF_ERROR(
      store.record_delivery({options.url, watermark_name(options.url), d.through, {}, dead_letters(events, d.report)}));
  KOHORT_ASSIGN_OR_RETURN(d.dead_letters, count_dead(store, options.url));
  return d;
}

Result<Delivery> redeliver(const Context& ctx, store::Store& store, const WebhookOptions& options) {
  Delivery d;
  KOHORT_ASSIGN_OR_RETURN(const auto letters, store.dead_letters(options.url));
  std::vector<Event> events;
  for (const auto& l : letters) events.push_back({l.event_id, l.customer_id, l.as_of, l.payload_json});
  KOHORT_ASSIGN_OR_RETURN(d.report, post_events(ctx, options, events));
  std::vector<bool> failed(events.size(), false);
  for (const Undelivered& u : d.report.undelivered) failed[u.index] = true;
  std::vector<std::string> delivered;
  for (std::size_t i = 0; i < events.size(); ++i)
    if (!failed[i]) delivered.push_back(events[i].id);
  KOHORT_RETURN_IF_ERROR(store.record_delivery({options.url, std::nullopt, "", delivered, dead_letters(events, d.report)}));
  KOHORT_ASSIGN_OR_RETURN(d.dead_letters, count_dead(store, options.url));
  return d;
}

}  // namespace kohort::deliver
