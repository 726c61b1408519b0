// kohort/deliver/webhook.h — events posted to an HTTP endpoint in signed JSON batches, with
// retries and exponential backoff, through libcurl.
//
// A request is `POST url` with body {"events": [event, …]} (deliver/events.h) and headers
//   Content-Type: application/json
//   Kohort-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>
//   Idempotency-Key: <key of the batch>  (each event carries its own key, "id", too)
//   Kohort-Attempt: <1, 2, …>
// A receiver checks the signature and the timestamp's age, and drops events whose id it has
// (a request that failed after the receiver took it is sent again, so is a redelivery).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/deliver/events.h"

namespace kohort::deliver {

struct WebhookOptions {
  std::string url;              ///< http:// or https://
  std::string secret;           ///< the HMAC-SHA256 key (non-empty)
  int batch_size = 100;         ///< events per request
  int attempts = 6;             ///< requests per batch, the first included, before its events are dead letters
  double backoff_s = 1;         ///< wait before the first retry; doubled at each retry, up to backoff_max_s,
  double backoff_max_s = 60;    ///< and drawn between half and all of that (jitter); a Retry-After within the cap is honoured
  double timeout_s = 10;        ///< per request, connecting included
};

/// An event that was not delivered: its index in the events given, the requests that carried
/// it and what the last one got.
struct Undelivered {
  std::size_t index = 0;
  std::int64_t attempts = 0;
  std::string error;
};

struct DeliveryReport {
  std::int64_t events = 0, delivered = 0;
  std::int64_t requests = 0, retries = 0;  ///< every request sent; those after a batch's first
  std::vector<Undelivered> undelivered;    ///< in the order given
};

/// OK when `url` is an http:// or https:// URL libcurl can parse; invalid_argument naming
/// `option` otherwise.
[[nodiscard]] Status check_webhook_url(const std::string& url, std::string_view option);

/// "t=<timestamp>,v1=<hex HMAC-SHA256 of '<timestamp>.<body>' under secret>".
[[nodiscard]] std::string signature(std::string_view secret, std::int64_t timestamp, std::string_view body);

/// Posts `events` in order, in batches. A batch is retried on a network error, a timeout, or
/// HTTP 408, 425, 429 and 5xx; any other answer but 2xx (a 400, a 401 for a bad signature) is
/// final at once. A batch not delivered by its last attempt leaves its events undelivered, for
/// the caller to keep as dead letters; the next batch is still tried. Never throws; fails only
/// with invalid_argument for options out of range (an empty secret, a batch size or attempts
/// below 1, negative times). Messages show the URL without its password. Logs each retry.
[[nodiscard]] Result<DeliveryReport> post_events(const Context& ctx, const WebhookOptions& options, const std::vector<Event>& events);

}  // namespace kohort::deliver
