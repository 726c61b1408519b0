#include "kohort/assign/life.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "kohort/assign/snapshot.h"
#include "kohort/core/time.h"

namespace kohort::assign {

namespace {

using nlohmann::json;

Seconds instant(const std::string& iso) { return parse_iso8601(iso).value_or(0); }
std::string date_of(const std::string& iso) { return iso.substr(0, 10); }

// One point of the sizes-over-time chart.
struct Point {
  Seconds at = 0;
  int order = 0;  // a fit before an assignment day of its date
  json row;
  std::map<std::int32_t, std::int64_t> sizes;
};

Result<std::vector<Point>> points(store::Store& store, const std::vector<store::VersionInfo>& versions,
                                  const std::vector<store::AssignDayInfo>& days, std::map<std::int32_t, std::string>& names) {
  std::vector<Point> out;
  for (const auto& v : versions) {
    KOHORT_ASSIGN_OR_RETURN(const auto segments, store.segments(v.version));
    Point p{instant(v.as_of), 0, {}, {}};
    std::int64_t customers = 0;
    for (const auto& s : segments) p.sizes[s.id] = s.size, names[s.id] = s.name, customers += s.size;
    p.row = {{"as_of", date_of(v.as_of)}, {"source", "fit"}, {"version", v.version}, {"status", "current"},
             {"customers", customers}, {"moved_share", nullptr}, {"raw_moved_share", nullptr}, {"alarm", false}};
    out.push_back(std::move(p));
  }
  for (const auto& d : days) {
    const json f = json::parse(d.figures_json, nullptr, false);
    const auto figure = [&](const char* key) { return f.is_object() && f.contains(key) ? f[key] : json(nullptr); };
    Point p{instant(d.as_of), 1, {}, {}};
    for (const auto& s : d.segments) p.sizes[s.segment] = s.size;
    const json alarm = figure("alarm");
    p.row = {{"as_of", date_of(d.as_of)}, {"source", "assign"}, {"version", d.version}, {"status", d.status},
             {"customers", figure("assigned").is_number_integer() ? figure("assigned") : json(0)},
             {"moved_share", figure("moved_share").is_number() ? figure("moved_share") : json(nullptr)},
             {"raw_moved_share", figure("raw_moved_share").is_number() ? figure("raw_moved_share") : json(nullptr)},
             {"alarm", alarm.is_boolean() ? alarm.get<bool>() : d.status == "held"}};
    out.push_back(std::move(p));
  }
  std::stable_sort(out.begin(), out.end(), [](const Point& a, const Point& b) { return std::tie(a.at, a.order) < std::tie(b.at, b.order); });
  return out;
}

json monitor_rows(const std::vector<store::MonitorRunInfo>& runs) {
  json out = json::array();
  for (const auto& r : runs) {
    const json f = json::parse(r.figures_json, nullptr, false);
    json reasons = json::array();
    for (const char* level : {"retrain", "watch"})
      if (f.is_object() && f.contains("reasons") && f["reasons"].is_array())
        for (const auto& why : f["reasons"])
          if (why.value("level", "") == level)
            reasons.push_back({{"level", level}, {"kind", why.value("kind", "")}, {"text", why.value("text", "")}});
    out.push_back({{"as_of", date_of(r.as_of)}, {"version", r.version}, {"verdict", r.verdict}, {"reasons", reasons}});
  }
  return out;
}

json kpi_series(const std::vector<store::MonitorRunInfo>& runs, const std::vector<std::int32_t>& ids) {
  std::optional<std::int64_t> window;
  std::vector<json> docs;
  for (const auto& r : runs) {
    docs.push_back(json::parse(r.figures_json, nullptr, false));
    if (docs.back().is_object() && docs.back().contains("kpis"))
      for (const auto& k : docs.back()["kpis"])
        if (k.value("kpi", "") == "revenue_per_customer" && k.contains("window_days") && k["window_days"].is_number_integer())
          window = std::min(window.value_or(k["window_days"].get<std::int64_t>()), k["window_days"].get<std::int64_t>());
  }
  if (!window) return nullptr;
  json dates = json::array(), values = json::array();
  for (std::size_t r = 0; r < runs.size(); ++r) {
    json row(ids.size(), nullptr);
    if (docs[r].is_object() && docs[r].contains("kpis"))
      for (const auto& k : docs[r]["kpis"]) {
        if (k.value("kpi", "") != "revenue_per_customer" || k.value("window_days", std::int64_t{-1}) != *window) continue;
        const auto at = std::find(ids.begin(), ids.end(), k.value("id", std::int32_t{-2}));
        if (at != ids.end() && k.contains("value") && k["value"].is_number()) row[at - ids.begin()] = k["value"];
      }
    dates.push_back(date_of(runs[r].as_of));
    values.push_back(std::move(row));
  }
  return {{"kpi", "revenue_per_customer"}, {"window_days", *window}, {"dates", dates}, {"values", values}};
}

// The day as it stood on `date`, with the date named when nothing was current then.
Result<Snapshot> snapshot_on(store::Store& store, Seconds date, std::string_view flag) {
  auto s = snapshot(store, date);
  if (!s.ok() && s.status().code() == Code::not_found)
    return Status::not_found(std::string(flag), fmt::format("no segmentation was current on {}", format_date(date)),
                             "pass a date on or after the first fit's");
  return s;
}

Result<json> migration(store::Store& store, const std::vector<store::VersionInfo>& versions,
                       const std::vector<store::AssignDayInfo>& days, const MigrationSpan& span) {
  if (versions.empty()) return json(nullptr);
  const Seconds from = span.from ? *span.from : instant(versions.back().as_of);
  std::optional<Seconds> to = span.to;
  if (!to)
    for (const auto& d : days)
      if (d.status == "current" && instant(d.as_of) > from) to = instant(d.as_of);
  if (!to) return json(nullptr);
  KOHORT_ASSIGN_OR_RETURN(const Snapshot before, snapshot_on(store, from, "--migration-from"));
  KOHORT_ASSIGN_OR_RETURN(const Snapshot after, snapshot_on(store, *to, "--migration-to"));
  std::map<std::string, std::int32_t> was;
  std::set<std::int32_t> seen;
  for (const auto& r : before.rows) was[r.customer_id] = r.segment, seen.insert(r.segment);
  for (const auto& r : after.rows) seen.insert(r.segment);
  const std::vector<std::int32_t> ids(seen.begin(), seen.end());
  const auto index = [&](std::int32_t id) { return static_cast<std::size_t>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin()); };
  std::vector<std::vector<std::int64_t>> counts(ids.size(), std::vector<std::int64_t>(ids.size(), 0));
  std::vector<std::int64_t> arrived(ids.size(), 0), left(ids.size(), 0);
  for (const auto& r : after.rows) {
    const auto w = was.find(r.customer_id);
    if (w == was.end()) {
      ++arrived[index(r.segment)];
      continue;
    }
    ++counts[index(r.segment)][index(w->second)];
    was.erase(w);
  }
  for (const auto& [id, segment] : was) ++left[index(segment)];
  return json{{"from", format_date(from)}, {"to", format_date(*to)}, {"ids", ids}, {"counts", counts}, {"arrived", arrived}, {"left", left}};
}

}  // namespace

Result<json> life_data(store::Store& store, const MigrationSpan& span) {
  KOHORT_ASSIGN_OR_RETURN(const auto runs, store.monitor_runs());
  KOHORT_ASSIGN_OR_RETURN(const auto days, store.assign_days());
  if (runs.empty() && days.empty()) return json(nullptr);
  KOHORT_ASSIGN_OR_RETURN(const auto versions, store.versions());
  std::map<std::int32_t, std::string> names;
  KOHORT_ASSIGN_OR_RETURN(const auto series, points(store, versions, days, names));
  KOHORT_ASSIGN_OR_RETURN(const auto labels, store.segment_labels());
  for (const auto& [id, name] : labels) names[id] = name;
  std::vector<std::int32_t> ids;
  json segments = json::array();
  for (const auto& [id, name] : names) ids.push_back(id), segments.push_back({{"id", id}, {"name", name}});
  json rows = json::array();
  for (const Point& p : series) {
    json row = p.row, sizes = json::array();
    for (const std::int32_t id : ids) {
      const auto s = p.sizes.find(id);
      sizes.push_back(s == p.sizes.end() ? json(nullptr) : json(s->second));
    }
    row["sizes"] = std::move(sizes);
    rows.push_back(std::move(row));
  }
  KOHORT_ASSIGN_OR_RETURN(json moves, migration(store, versions, days, span));
  return json{{"segments", segments}, {"days", rows}, {"monitor", monitor_rows(runs)}, {"kpis", kpi_series(runs, ids)},
              {"migration", moves}};
}

}  // namespace kohort::assign
