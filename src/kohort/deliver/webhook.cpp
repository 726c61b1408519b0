#include "kohort/deliver/webhook.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "kohort/core/hash.h"
#include "kohort/core/secrets.h"

namespace kohort::deliver {

namespace {

struct CurlInit {
  CurlInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlInit() { curl_global_cleanup(); }
};
void ensure_curl() { static const CurlInit once; }

struct EasyCleanup {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Easy = std::unique_ptr<CURL, EasyCleanup>;
using Slist = std::unique_ptr<curl_slist, SlistFree>;

std::size_t keep_some(char* data, std::size_t size, std::size_t n, void* out) {
  auto& body = *static_cast<std::string*>(out);
  body.append(data, std::min(size * n, body.size() < 300 ? 300 - body.size() : 0));
  return size * n;
}

std::size_t read_retry_after(char* data, std::size_t size, std::size_t n, void* out) {
  const std::string_view line(data, size * n);
  constexpr std::string_view key = "retry-after:";
  if (line.size() > key.size()) {
    std::string head(line.substr(0, key.size()));
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (head == key) *static_cast<double*>(out) = std::atof(std::string(line.substr(key.size())).c_str());
  }
  return size * n;
}

// One request's outcome.
struct Answer {
  bool delivered = false, retry = false;
  double retry_after = 0;  // seconds, from the answer's Retry-After
  std::string error;
};

class Poster {
 public:
  Poster(const WebhookOptions& o) : o_(o), easy_(curl_easy_init()) {}

  Answer post(const std::string& body, const std::string& key, int attempt) {
    Answer a;
    if (!easy_) return {false, false, 0, "libcurl could not start a request"};
    CURL* c = easy_.get();
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    Slist headers;
    for (const std::string& h : {std::string("Content-Type: application/json"), "Kohort-Signature: " + signature(o_.secret, now, body),
                                 "Idempotency-Key: " + key, fmt::format("Kohort-Attempt: {}", attempt), std::string("Expect:")})
      headers.reset(curl_slist_append(headers.release(), h.c_str()));
    std::string answer;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_URL, o_.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "kohort");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o_.timeout_s * 1000));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(o_.timeout_s, 10.0) * 1000));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_some);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, read_retry_after);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &a.retry_after);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    const CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    if (rc != CURLE_OK) {
      a.retry = true;
      a.error = scrub_secrets(errbuf[0] != 0 ? errbuf : curl_easy_strerror(rc), o_.url);
      return a;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    a.delivered = status >= 200 && status < 300;
    a.retry = status == 408 || status == 425 || status == 429 || status >= 500;
    if (!a.delivered) {
      answer.erase(std::remove_if(answer.begin(), answer.end(), [](char ch) { return ch == '\n' || ch == '\r'; }), answer.end());
      a.error = answer.empty() ? fmt::format("HTTP {}", status) : fmt::format("HTTP {}: {}", status, answer);
    }
    return a;
  }

 private:
  const WebhookOptions& o_;
  Easy easy_;
};

Status check_options(const WebhookOptions& o) {
  if (o.secret.empty()) return Status::invalid_argument("--webhook-secret-file", "the webhook secret is empty", "write the shared secret into the file");
  if (o.batch_size < 1 || o.attempts < 1)
    return Status::invalid_argument("--webhook-batch", "a batch size and a number of attempts must be at least 1");
  if (!(o.backoff_s >= 0) || !(o.backoff_max_s >= 0) || !(o.timeout_s > 0))
    return Status::invalid_argument("--webhook-backoff", "backoff times must be ≥ 0 and the timeout > 0");
  return check_webhook_url(o.url, "--webhook");
}

// The wait before retry `retry` (1, 2, …): base·2^(retry-1) capped, times a draw in [0.5, 1].
double backoff(const WebhookOptions& o, int retry, double retry_after, std::mt19937_64& rng) {
  const double full = std::min(o.backoff_max_s, o.backoff_s * std::ldexp(1.0, std::min(retry - 1, 60)));
  const double wait = full * std::uniform_real_distribution<double>(0.5, 1.0)(rng);
  return std::max(wait, std::min(retry_after, o.backoff_max_s));
}

}  // namespace

Status check_webhook_url(const std::string& url, std::string_view option) {
  const bool http = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
  CURLU* u = curl_url();
  const bool parsed = u != nullptr && curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK;
  curl_url_cleanup(u);
  if (http && parsed) return {};
  return Status::invalid_argument(std::string(option), fmt::format("'{}' is not an http:// or https:// URL", redact_url(url)),
                                  "give the receiver's full URL, e.g. https://crm.example.com/hooks/kohort");
}

std::string signature(std::string_view secret, std::int64_t timestamp, std::string_view body) {
  std::string signed_text = std::to_string(timestamp);
  signed_text += '.';
  signed_text += body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(signed_text.data()),
       signed_text.size(), mac, &len);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", mac[i]);
  return fmt::format("t={},v1={}", timestamp, hex);
}

Result<DeliveryReport> post_events(const Context& ctx, const WebhookOptions& o, const std::vector<Event>& events) {
  KOHORT_RETURN_IF_ERROR(check_options(o));
  ensure_curl();
  Poster poster(o);
  DeliveryReport report;
  report.events = static_cast<std::int64_t>(events.size());
  for (std::size_t begin = 0; begin < events.size(); begin += static_cast<std::size_t>(o.batch_size)) {
    const std::size_t end = std::min(events.size(), begin + static_cast<std::size_t>(o.batch_size));
    std::string body = "{\"events\":[", ids;
    for (std::size_t i = begin; i < end; ++i) body += (i > begin ? "," : "") + events[i].json, ids += events[i].id;
    body += "]}";
    const std::string key = "bat_" + sha256_fingerprint(ids).substr(7, 32);
    std::mt19937_64 rng(std::hash<std::string>{}(key));
    Answer a;
    int attempt = 1;
    for (;; ++attempt) {
      a = poster.post(body, key, attempt);
      ++report.requests;
      if (a.delivered || !a.retry || attempt >= o.attempts) break;
      const double wait = backoff(o, attempt, a.retry_after, rng);
      ctx.log().info("webhook {}: {}; retry {} of {} in {:.2f} s", redact_url(o.url), a.error, attempt, o.attempts - 1, wait);
      ++report.retries;
      std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    }
    if (a.delivered) {
      report.delivered += static_cast<std::int64_t>(end - begin);
      continue;
    }
    ctx.log().warn("webhook {}: {} events not delivered after {} request{}: {}", redact_url(o.url), end - begin, attempt,
                   attempt == 1 ? "" : "s", a.error);
    for (std::size_t i = begin; i < end; ++i) report.undelivered.push_back({i, attempt, a.error});
  }
  return report;
}

}  // namespace kohort::deliver
