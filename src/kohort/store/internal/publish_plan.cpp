#include "kohort/store/internal/publish_plan.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kohort/core/hash.h"
#include "kohort/core/text.h"
#include "kohort/core/time.h"

namespace kohort::store::internal {

namespace {

Status check_json(const std::string& where, std::string_view field, const std::string& text) {
  if (!nlohmann::json::accept(text)) {
    return Status::invalid_input(where, fmt::format("{} is not valid JSON", field),
                                 "pass a complete JSON document (\"{}\" when there is none)");
  }
  return {};
}

}  // namespace

bool valid_text(std::string_view s) { return s.find('\0') == std::string_view::npos && is_utf8(s); }

namespace {

// Keeps the valid sequences of `s` and passes each bad byte to `bad`.
template <typename OnBad>
std::string repair_text(std::string_view s, OnBad bad) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t len = 1;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xC0) len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (i + len <= s.size() && valid_text(s.substr(i, len))) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      bad(out, static_cast<unsigned char>(s[i]));
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string to_valid_text(std::string_view s) {
  if (valid_text(s)) return std::string(s);
  return repair_text(s, [](std::string& out, unsigned char) { out.push_back('?'); });
}

FailedRunText failed_run_text(const FailedRun& run) {
  FailedRunText t;
  t.command = to_valid_text(run.command);
  t.error = to_valid_text(run.error);
  t.options_json = nlohmann::json::accept(run.options_json) && valid_text(run.options_json) ? run.options_json : "{}";
  if (const auto started = parse_iso8601(run.started_at)) t.started_at = format_datetime(*started);
  return t;
}

Result<std::string> checked_model(std::int64_t version, std::string text, const std::string& fingerprint) {
  if (kohort::sha256_fingerprint(text) != fingerprint)
    return Status(Code::corruption, fmt::format("model version {}", version),
                  "the stored model document does not match its fingerprint (it was changed after publishing)",
                  "publish the model again (kohort fit … --store …)");
  return text;
}

Result<DayPlan> plan_day(const std::string& where, const AssignDayRequest& request) {
  DayPlan plan;
  const auto as_of = parse_iso8601(request.as_of);
  if (!as_of)
    return Status::invalid_input(where, fmt::format("as_of '{}' is not an ISO 8601 date or date-time", request.as_of),
                                 "give the day as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
  plan.as_of = format_datetime(*as_of);
  if (!request.started_at.empty()) {
    const auto started = parse_iso8601(request.started_at);
    if (!started)
      return Status::invalid_input(where, fmt::format("started_at '{}' is not an ISO 8601 date-time", request.started_at),
                                   "give it as YYYY-MM-DDTHH:MM:SSZ, or leave it empty for the recording time");
    plan.run_started_at = format_datetime(*started);
  }
  plan.status = request.current ? "current" : "held";
  if (!valid_text(request.command))
    return Status::invalid_input(where, "command is not valid UTF-8 text", "pass UTF-8 text without NUL bytes");
  KOHORT_RETURN_IF_ERROR(check_json(where, "figures_json", request.figures_json));
  KOHORT_RETURN_IF_ERROR(check_json(where, "options_json", request.options_json));
  if (!request.current && (!request.customers.empty() || !request.transitions.empty()))
    return Status::invalid_input(where, "a held day carries customers or transitions",
                                 "a day the alarm held back records its figures only");
  plan.sorted.reserve(request.customers.size());
  for (const CustomerDay& c : request.customers) {
    if (c.customer_id.empty() || !valid_text(c.customer_id))
      return Status::invalid_input(where, "a customer id is empty or not valid UTF-8 text",
                                   "pass non-empty UTF-8 ids without NUL bytes");
    if (!(c.confidence >= 0 && c.confidence <= 1))
      return Status::invalid_input(where, fmt::format("customer '{}' has confidence {} outside [0, 1]",
                                                      printable(c.customer_id), c.confidence));
    if (const std::string bad = value_problem(c.value); !bad.empty())
      return Status::invalid_input(where, fmt::format("customer '{}': {}", printable(c.customer_id), bad));
    plan.sorted.push_back(&c);
  }
  std::sort(plan.sorted.begin(), plan.sorted.end(),
            [](const CustomerDay* a, const CustomerDay* b) { return a->customer_id < b->customer_id; });
  for (std::size_t i = 1; i < plan.sorted.size(); ++i)
    if (plan.sorted[i]->customer_id == plan.sorted[i - 1]->customer_id)
      return Status::invalid_input(where, fmt::format("customer '{}' appears twice", printable(plan.sorted[i]->customer_id)));
  for (const TransitionRecord& t : request.transitions)
    if (!valid_text(t.customer_id) || (t.reason != "moved" && t.reason != "held" && t.reason != "new" && t.reason != "left"))
      return Status::invalid_input(where, fmt::format("a transition of '{}' is malformed (reason '{}')",
                                                      printable(t.customer_id), printable(t.reason)),
                                   "reasons are moved, held, new and left");
  return plan;
}

Status check_day_segments(const std::string& where, const AssignDayRequest& request, const std::vector<std::int32_t>& ids) {
  const std::unordered_set<std::int32_t> known(ids.begin(), ids.end());
  const auto bad = [&](std::int32_t s) { return s != -1 && known.count(s) == 0; };
  for (const SegmentDayRecord& s : request.segments)
    if (bad(s.segment))
      return Status::invalid_input(where, fmt::format("segment {} is not a segment of version {}", s.segment, request.version));
  for (const CustomerDay& c : request.customers)
    if (bad(c.segment) || bad(c.raw_segment))
      return Status::invalid_input(where, fmt::format("customer '{}' is in segment {}, not a segment of version {}",
                                                      printable(c.customer_id), bad(c.segment) ? c.segment : c.raw_segment,
                                                      request.version));
  return {};
}

std::string vector_bytes(const std::vector<float>& v) {
  std::string out(v.size() * sizeof(float), '\0');
  if (!v.empty()) std::memcpy(out.data(), v.data(), out.size());  // little-endian hosts only (x86-64, arm64)
  return out;
}

std::optional<std::vector<float>> vector_from_bytes(std::string_view bytes) {
  if (bytes.size() % sizeof(float) != 0) return std::nullopt;
  std::vector<float> v(bytes.size() / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

Result<PublishPlan> plan_publish(const std::string& where, const PublishRequest& request) {
  PublishPlan plan;
  const auto as_of = parse_iso8601(request.as_of);
  if (!as_of) {
    return Status::invalid_input(
        where, fmt::format("as_of '{}' is not an ISO 8601 date or date-time", request.as_of),
        "give the data cut as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
  }
  plan.as_of_seconds = *as_of;
  plan.as_of = format_datetime(*as_of);
  if (!request.run_started_at.empty()) {
    const auto started = parse_iso8601(request.run_started_at);
    if (!started) {
      return Status::invalid_input(
          where,
          fmt::format("run_started_at '{}' is not an ISO 8601 date-time", request.run_started_at),
          "give it as YYYY-MM-DDTHH:MM:SSZ, or leave it empty for the publish time");
    }
    plan.run_started_at = format_datetime(*started);
  }
  if (request.kohort_version.empty())
    return Status::invalid_input(where, "kohort_version is empty", "pass the producing version");
  if (request.algorithm.empty())
    return Status::invalid_input(where, "algorithm is empty", "pass the clustering algorithm");
  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{
                                         "kohort_version", &request.kohort_version},
                                     {"algorithm", &request.algorithm},
                                     {"command", &request.command}}) {
    if (!valid_text(*value)) {
      return Status::invalid_input(where, fmt::format("{} is not valid UTF-8 text", name),
                                   "pass UTF-8 text without NUL bytes");
    }
  }
  if (request.k < 0)
    return Status::invalid_input(where, fmt::format("k {} is negative", request.k));
  KOHORT_RETURN_IF_ERROR(check_json(where, "model_json", request.model_json));
  KOHORT_RETURN_IF_ERROR(check_json(where, "run_metrics_json", request.run_metrics_json));
  KOHORT_RETURN_IF_ERROR(check_json(where, "run_options_json", request.run_options_json));

  std::unordered_set<std::int32_t> segment_ids;
  for (const SegmentRecord& s : request.segments) {
    if (s.id < 0) {
      return Status::invalid_input(where, fmt::format("segment id {} is negative", s.id),
                                   "segment ids are ≥ 0; -1 marks outliers in assignments only");
    }
    if (!segment_ids.insert(s.id).second)
      return Status::invalid_input(where, fmt::format("segment id {} appears twice", s.id));
    if (s.size < 0) {
      return Status::invalid_input(where,
                                   fmt::format("segment {} has a negative size {}", s.id, s.size));
    }
    if (!(s.share >= 0 && s.share <= 1)) {
      return Status::invalid_input(
          where, fmt::format("segment {} has share {} outside [0, 1]", s.id, s.share));
    }
    if (!valid_text(s.name)) {
      return Status::invalid_input(
          where, fmt::format("the name of segment {} is not valid UTF-8 text", s.id));
    }
    KOHORT_RETURN_IF_ERROR(
        check_json(where, fmt::format("profile_json of segment {}", s.id), s.profile_json));
  }

  plan.sorted.reserve(request.assignments.size());
  for (const AssignmentRecord& a : request.assignments) {
    if (a.customer_id.empty())
      return Status::invalid_input(where, "an assignment has an empty customer_id");
    if (!valid_text(a.customer_id)) {
      return Status::invalid_input(where,
                                   fmt::format("customer id '{}' is not valid UTF-8 text",
                                               printable(a.customer_id, 0)),
                                   "convert the input to UTF-8; ids must not contain NUL bytes");
    }
    if (a.segment != -1 && segment_ids.count(a.segment) == 0) {
      return Status::invalid_input(
          where,
          fmt::format("customer '{}' is assigned to segment {}, which is not among the segments",
                      a.customer_id, a.segment),
          "list every segment id used by the assignments (-1 marks an outlier)");
    }
    if (!(std::isfinite(a.confidence) && a.confidence >= 0 && a.confidence <= 1)) {
      return Status::invalid_input(
          where,
          fmt::format("customer '{}' has confidence {} outside [0, 1]", a.customer_id,
                      a.confidence));
    }
    if (const std::string bad = value_problem(a.value); !bad.empty())
      return Status::invalid_input(where, fmt::format("customer '{}': {}", printable(a.customer_id), bad));
    plan.sorted.push_back(&a);
  }
  std::sort(plan.sorted.begin(), plan.sorted.end(),
            [](const AssignmentRecord* x, const AssignmentRecord* y) {
              return x->customer_id < y->customer_id;
            });
  for (std::size_t i = 1; i < plan.sorted.size(); ++i) {
    if (plan.sorted[i]->customer_id == plan.sorted[i - 1]->customer_id) {
      return Status::invalid_input(
          where,
          fmt::format("customer '{}' appears twice in the assignments",
                      plan.sorted[i]->customer_id),
          "each customer has exactly one segment per version; remove the duplicate rows");
    }
  }
  plan.fingerprint = kohort::sha256_fingerprint(request.model_json);
  return plan;
}

void PreviousAssignments::add(std::string_view customer_id, std::int32_t segment,
                              std::int64_t since_seconds) {
  customer_ids.emplace_back(customer_id);
  segments.push_back(segment);
  // Few distinct values, and consecutive rows mostly share one: check the last hit first.
  auto it = std::find(since_values.begin(), since_values.end(), since_seconds);
  if (it == since_values.end()) {
    since_values.push_back(since_seconds);
    it = since_values.end() - 1;
  }
  since_index.push_back(static_cast<std::uint32_t>(it - since_values.begin()));
}

std::vector<std::int64_t> carry_since(const PublishPlan& plan,
                                      const PreviousAssignments& previous) {
  std::vector<std::int64_t> since(plan.sorted.size(), plan.as_of_seconds);
  std::size_t j = 0;
  const std::size_t m = previous.customer_ids.size();
  for (std::size_t i = 0; i < plan.sorted.size(); ++i) {
    const std::string& id = plan.sorted[i]->customer_id;
    while (j < m && previous.customer_ids[j] < id) ++j;
    if (j < m && previous.customer_ids[j] == id && previous.segments[j] == plan.sorted[i]->segment) {
      // A version cut before the previous one's `since` (history refitted) cannot carry it:
      // the customer is known to be there from this as_of on, not from a later date.
      const std::int64_t before = previous.since_values[previous.since_index[j]];
      if (before <= plan.as_of_seconds) since[i] = before;
    }
  }
  return since;
}


Result<MonitorPlan> plan_monitor_run(const std::string& where, const MonitorRunRequest& request) {
  MonitorPlan plan;
  const auto as_of = parse_iso8601(request.as_of);
  if (!as_of)
    return Status::invalid_input(where, fmt::format("as_of '{}' is not an ISO 8601 date or date-time", printable(request.as_of)),
                                 "give the day as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
  plan.as_of = format_datetime(*as_of);
  if (!request.started_at.empty()) {
    const auto started = parse_iso8601(request.started_at);
    if (!started)
      return Status::invalid_input(where, fmt::format("started_at '{}' is not an ISO 8601 date-time", printable(request.started_at)),
                                   "give it as YYYY-MM-DDTHH:MM:SSZ, or leave it empty for the recording time");
    plan.run_started_at = format_datetime(*started);
  }
  if (request.verdict != "ok" && request.verdict != "watch" && request.verdict != "retrain")
    return Status::invalid_input(where, fmt::format("verdict '{}' is not ok, watch or retrain", printable(request.verdict)));
  if (!valid_text(request.command))
    return Status::invalid_input(where, "command is not valid UTF-8 text", "pass UTF-8 text without NUL bytes");
  KOHORT_RETURN_IF_ERROR(check_json(where, "figures_json", request.figures_json));
  KOHORT_RETURN_IF_ERROR(check_json(where, "options_json", request.options_json));
  return plan;
}

Status check_forget(const std::string& where, const std::vector<std::string>& ids) {
  if (ids.empty()) return Status::invalid_input(where, "no customer ids to forget", "pass the ids to erase");
  for (const std::string& id : ids)
    if (id.empty() || !valid_text(id))
      return Status::invalid_input(where, fmt::format("customer id '{}' is empty or not valid UTF-8 text", printable(id)),
                                   "pass non-empty UTF-8 ids without NUL bytes");
  return {};
}

Result<std::string> plan_watermark(const std::string& where, const std::string& name, const std::string& as_of) {
  if (name.empty() || !valid_text(name))
    return Status::invalid_input(where, "an export destination needs a non-empty UTF-8 name", "pass --delta NAME, e.g. --delta hubspot");
  const auto t = parse_iso8601(as_of);
  if (!t) return Status::invalid_input(where, fmt::format("as_of '{}' is not an ISO 8601 date-time", printable(as_of)));
  return format_datetime(*t);
}

Result<DeliveryRecord> plan_delivery(const std::string& where, DeliveryRecord record) {
  if (record.destination.empty() || !valid_text(record.destination))
    return Status::invalid_input(where, "a webhook delivery needs a non-empty destination URL");
  if (record.watermark) {
    KOHORT_ASSIGN_OR_RETURN(record.through, plan_watermark(where, *record.watermark, record.through));
  }
  for (const std::string& id : record.delivered)
    if (id.empty() || !valid_text(id)) return Status::invalid_input(where, "a delivered event id is empty or not UTF-8 text");
  for (DeadLetter& d : record.failed) {
    if (d.event_id.empty() || !valid_text(d.event_id) || d.customer_id.empty() || !valid_text(d.customer_id) ||
        !valid_text(d.last_error))
      return Status::invalid_input(where, fmt::format("dead letter '{}': the event id and customer id must be non-empty UTF-8 "
                                                      "text, and the error UTF-8 text", printable(d.event_id)));
    const auto t = parse_iso8601(d.as_of);
    if (!t) return Status::invalid_input(where, fmt::format("dead letter '{}': as_of '{}' is not an ISO 8601 date-time",
                                                            printable(d.event_id), printable(d.as_of)));
    d.as_of = format_datetime(*t);
    if (d.attempts < 0) return Status::invalid_input(where, fmt::format("dead letter '{}': negative attempts", printable(d.event_id)));
    const auto payload = nlohmann::json::parse(d.payload_json, nullptr, false);
    if (payload.is_discarded() || !payload.is_object())
      return Status::invalid_input(where, fmt::format("dead letter '{}': the payload is not a JSON object", printable(d.event_id)));
  }
  return record;
}

std::string value_problem(const CustomerValue& v) {
  const auto share = [](float x) { return std::isnan(x) || (x >= 0 && x <= 1); };
  if (!(std::isnan(v.clv) || std::isfinite(v.clv))) return fmt::format("clv {} is not finite", v.clv);
  if (!share(v.p_alive)) return fmt::format("p_alive {} is outside [0, 1]", v.p_alive);
  if (!share(v.churn_risk)) return fmt::format("churn_risk {} is outside [0, 1]", v.churn_risk);
  return {};
}

}  // namespace kohort::store::internal
