#include "kohort/deliver/events.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "kohort/assign/snapshot.h"
#include "kohort/core/hash.h"

namespace kohort::deliver {

namespace {

Seconds instant(const std::string& iso) { return parse_iso8601(iso).value_or(0); }

// A change of one customer's published segment, whichever way the store knows it.
struct Change {
  std::string as_of;
  int source = 0;  // 0: a refit on the day, 1: the day's assignment (a fit comes first on its date)
  std::string customer_id;
  std::optional<std::int32_t> from, to;
  std::string reason;
  std::int64_t version = 0;
};

// Segment names by version, read once each; an id the version lacks (a segment that died) is
// named by the newest earlier version that has it.
class Names {
 public:
  explicit Names(store::Store& store) : store_(store) {}
  Result<std::string> of(std::int64_t version, std::int32_t segment) {
    for (std::int64_t v = version; v >= 1; --v) {
      auto at = names_.find(v);
      if (at == names_.end()) {
        auto rows = store_.segments(v);
        if (!rows.ok() && rows.status().code() == Code::not_found) continue;
        if (!rows.ok()) return rows.status();
        std::map<std::int32_t, std::string> m;
        for (const auto& r : *rows) m.emplace(r.id, r.name);
        at = names_.emplace(v, std::move(m)).first;
      }
      if (auto n = at->second.find(segment); n != at->second.end()) return n->second;
    }
    return std::string(segment < 0 ? "outliers" : "");
  }

 private:
  store::Store& store_;
  std::map<std::int64_t, std::map<std::int32_t, std::string>> names_;
};

Status add_refits(store::Store& store, Seconds after, Seconds through, std::vector<Change>& out) {
  KOHORT_ASSIGN_OR_RETURN(const auto versions, store.versions());
  for (const auto& v : versions) {
    const Seconds at = instant(v.as_of);
    if (at <= after || at > through || v.version == versions.front().version) continue;
    auto before = assign::snapshot(store, at - 1);
    if (!before.ok() && before.status().code() == Code::not_found) continue;
    if (!before.ok()) return before.status();
    KOHORT_ASSIGN_OR_RETURN(const auto now, store.assignments(v.version));
    std::map<std::string, std::pair<std::optional<std::int32_t>, std::optional<std::int32_t>>> both;
    for (const auto& r : before->rows) both[r.customer_id].first = r.segment;
    for (const auto& r : now) both[r.customer_id].second = r.segment;
    for (const auto& [id, seg] : both)
      if (seg.first != seg.second) out.push_back({format_datetime(at), 0, id, seg.first, seg.second, "refit", v.version});
  }
  return {};
}

Status add_days(store::Store& store, Seconds after, Seconds through, std::vector<Change>& out) {
  KOHORT_ASSIGN_OR_RETURN(const auto days, store.assign_days());
  std::map<std::string, std::int64_t> version_of;
  for (const auto& d : days)
    if (d.status == "current" && instant(d.as_of) > after && instant(d.as_of) <= through) version_of[d.as_of] = d.version;
  if (version_of.empty()) return {};
  KOHORT_ASSIGN_OR_RETURN(const auto moves, store.transitions(format_datetime(after + 1), format_datetime(through)));
  for (const auto& t : moves) {
    const auto v = version_of.find(t.as_of);
    if (v == version_of.end() || t.reason == "held") continue;
    out.push_back({t.as_of, 1, t.customer_id, t.from, t.to, t.reason, v->second});
  }
  return {};
}

Result<Event> event(const Change& c, bool entered, Names& names) {
  const std::int32_t segment = entered ? *c.to : *c.from;
  const std::string type = entered ? "segment.entered" : "segment.exited";
  KOHORT_ASSIGN_OR_RETURN(std::string name, names.of(c.version, segment));
  const auto id_or_null = [](const std::optional<std::int32_t>& s) { return s ? nlohmann::json(*s) : nlohmann::json(nullptr); };
  Event e{event_id(type, c.customer_id, segment, c.as_of), c.customer_id, c.as_of, {}};
  nlohmann::ordered_json j;
  j["id"] = e.id, j["type"] = type, j["customer_id"] = c.customer_id, j["segment"] = segment;
  j["segment_name"] = std::move(name), j["as_of"] = c.as_of, j["reason"] = c.reason;
  j["from_segment"] = id_or_null(c.from), j["to_segment"] = id_or_null(c.to), j["model_version"] = c.version;
  e.json = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return e;
}

}  // namespace

std::string event_id(const std::string& type, const std::string& customer_id, std::int32_t segment, const std::string& as_of) {
  std::string key = type;
  key += '\0', key += customer_id, key += '\0', key += std::to_string(segment), key += '\0', key += as_of;
  return "evt_" + sha256_fingerprint(key).substr(7, 32);
}

Result<std::vector<Event>> segment_events(store::Store& store, Seconds after, Seconds through) {
  std::vector<Change> changes;
  KOHORT_RETURN_IF_ERROR(add_refits(store, after, through, changes));
  KOHORT_RETURN_IF_ERROR(add_days(store, after, through, changes));
  std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) {
    return std::tie(a.as_of, a.source, a.customer_id) < std::tie(b.as_of, b.source, b.customer_id);
  });
  Names names(store);
  std::vector<Event> out;
  for (const Change& c : changes) {
    for (const bool entered : {false, true}) {
      if (!(entered ? c.to : c.from)) continue;
      KOHORT_ASSIGN_OR_RETURN(Event e, event(c, entered, names));
      out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace kohort::deliver
