#include "kohort/assign/snapshot.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

namespace kohort::assign {

namespace {

Seconds instant(const std::string& iso) { return parse_iso8601(iso).value_or(0); }

Result<Snapshot> from_fit(store::Store& store, const store::VersionInfo& v) {
  Snapshot s{instant(v.as_of), v.version, "fit", {}};
  KOHORT_ASSIGN_OR_RETURN(const auto rows, store.assignments(v.version));
  for (const auto& a : rows) s.rows.push_back({a.customer_id, a.segment, a.confidence, instant(a.since), a.value});
  return s;
}

// The fit's assignments of the day's version, moved on by the transitions of that version's
// current days up to the day.
Result<Snapshot> rebuilt(store::Store& store, const store::AssignDayInfo& day, const std::vector<store::VersionInfo>& versions,
                         const std::vector<store::AssignDayInfo>& days) {
  const auto v = std::find_if(versions.begin(), versions.end(), [&](const auto& x) { return x.version == day.version; });
  if (v == versions.end()) return Status::not_found("store", fmt::format("model version {} is missing", day.version));
  KOHORT_ASSIGN_OR_RETURN(Snapshot s, from_fit(store, *v));
  std::map<std::string, SnapshotRow> at;
  for (auto& r : s.rows) {
    r.confidence.reset();
    r.value = {};
    at.emplace(r.customer_id, std::move(r));
  }
  std::set<std::string> ours;  // the version's current days after its cut, as the store spells them
  for (const auto& d : days)
    if (d.status == "current" && d.version == day.version && instant(d.as_of) > instant(v->as_of)) ours.insert(d.as_of);
  KOHORT_ASSIGN_OR_RETURN(const auto moves, store.transitions(v->as_of, day.as_of));
  for (const auto& t : moves) {
    if (!ours.count(t.as_of)) continue;
    const Seconds when = instant(t.as_of);
    if (t.reason == "left") at.erase(t.customer_id);
    else if ((t.reason == "moved" || t.reason == "new") && t.to) at[t.customer_id] = {t.customer_id, *t.to, std::nullopt, when, {}};
  }
  s.as_of = instant(day.as_of);
  s.source = "transitions";
  s.rows.clear();
  for (auto& [id, row] : at) s.rows.push_back(std::move(row));
  return s;
}

}  // namespace

Result<Snapshot> snapshot(store::Store& store, Seconds date) {
  KOHORT_ASSIGN_OR_RETURN(const auto versions, store.versions());
  KOHORT_ASSIGN_OR_RETURN(const auto days, store.assign_days());
  const store::VersionInfo* fit = nullptr;
  for (const auto& v : versions)
    if (instant(v.as_of) <= date && (fit == nullptr || instant(v.as_of) >= instant(fit->as_of))) fit = &v;
  const store::AssignDayInfo* day = nullptr;
  for (const auto& d : days)
    if (d.status == "current" && instant(d.as_of) <= date) day = &d;
  if (day == nullptr || (fit != nullptr && instant(fit->as_of) > instant(day->as_of))) {
    if (fit == nullptr)
      return Status::not_found("--as-of", fmt::format("nothing was published as of {}", format_date(date)),
                               "ask for a day on or after the first fit's date");
    return from_fit(store, *fit);
  }
  auto kept = store.day_standing(day->as_of);
  if (!kept.ok() && kept.status().code() != Code::not_found) return kept.status();
  if (!kept.ok()) return rebuilt(store, *day, versions, days);
  Snapshot s{instant(day->as_of), day->version, "standing", {}};
  for (const auto& c : *kept) s.rows.push_back({c.customer_id, c.segment, c.confidence, c.since, c.value});
  return s;
}

Result<Snapshot> changes_since(store::Store& store, const Snapshot& s, Seconds since) {
  KOHORT_ASSIGN_OR_RETURN(const auto versions, store.versions());
  const bool refit = std::any_of(versions.begin(), versions.end(), [&](const auto& v) { return instant(v.as_of) > since; });
  if (refit) return s;
  Snapshot out = s;
  out.rows.clear();
  if (s.as_of <= since) return out;  // nothing newer than what the destination has
  KOHORT_ASSIGN_OR_RETURN(const auto moves, store.transitions(format_datetime(since + 1), format_datetime(s.as_of)));
  std::vector<std::string> entered;
  for (const auto& t : moves)
    if (t.reason == "moved" || t.reason == "new") entered.push_back(t.customer_id);
  std::sort(entered.begin(), entered.end());
  for (const auto& r : s.rows)
    if (std::binary_search(entered.begin(), entered.end(), r.customer_id)) out.rows.push_back(r);
  return out;
}

}  // namespace kohort::assign
