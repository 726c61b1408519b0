#include "kohort/model/identity.h"

#include "kohort/model/internal/fit_stages.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

namespace kohort::model {

namespace {

using nlohmann::json;
using Counts = std::vector<std::vector<std::int64_t>>;

// Minimum-cost perfect assignment on a square matrix (Kuhn–Munkres with potentials, O(n³)):
// row i gets column result[i].
std::vector<std::size_t> hungarian(const std::vector<std::vector<double>>& cost) {
  const std::size_t n = cost.size();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0), v(n + 1, 0);
  std::vector<std::size_t> p(n + 1, 0), way(n + 1, 0);
  for (std::size_t i = 1; i <= n; ++i) {
    p[0] = i;
    std::size_t j0 = 0;
    std::vector<double> minv(n + 1, inf);
    std::vector<char> used(n + 1, 0);
    do {
      used[j0] = 1;
      const std::size_t i0 = p[j0];
      double delta = inf;
      std::size_t j1 = 0;
      for (std::size_t j = 1; j <= n; ++j) {
        if (used[j]) continue;
        const double cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) minv[j] = cur, way[j] = j0;
        if (minv[j] < delta) delta = minv[j], j1 = j;
      }
      for (std::size_t j = 0; j <= n; ++j) {
        if (used[j]) u[p[j]] += delta, v[j] -= delta;
        else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const std::size_t j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<std::size_t> result(n, 0);
  for (std::size_t j = 1; j <= n; ++j)
    if (p[j] != 0) result[p[j] - 1] = j - 1;
  return result;
}

// counts[new position][previous position]: customers the fit puts in the one and the previous
// standing in the other (merging the two customer lists sorted by id).
Counts overlap_counts(const FitResult& fit, const PreviousSegmentation& prev) {
  const std::size_t kn = static_cast<std::size_t>(fit.model.k()), kp = prev.ids.size();
  Counts counts(kn, std::vector<std::int64_t>(kp, 0));
  std::vector<std::size_t> order(fit.customer_ids.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return fit.customer_ids[a] < fit.customer_ids[b]; });
  std::vector<std::pair<std::int32_t, std::size_t>> position;  // previous id → position
  for (std::size_t j = 0; j < kp; ++j) position.emplace_back(prev.ids[j], j);
  std::sort(position.begin(), position.end());
  std::size_t m = 0;
  for (std::size_t r : order) {
    const std::string& id = fit.customer_ids[r];
    while (m < prev.members.size() && prev.members[m].first < id) ++m;
    if (m == prev.members.size() || prev.members[m].first != id) continue;
    const auto it = std::lower_bound(position.begin(), position.end(), std::pair{prev.members[m].second, std::size_t{0}});
    if (it == position.end() || it->first != prev.members[m].second) continue;  // an outlier (-1)
    if (fit.labels[r] < 0) continue;  // an outlier of this fit
    ++counts[static_cast<std::size_t>(fit.labels[r])][it->second];
  }
  return counts;
}

using Diffs = std::map<std::string, double>;

// Root-mean-square difference of two profiles' standardised means over the features both have.
double profile_distance(const Diffs& a, const Diffs& b) {
  double sum = 0;
  int n = 0;
  for (const auto& [feature, value] : a) {
    const auto it = b.find(feature);
    if (it == b.end()) continue;
    const double d = value - it->second;
    sum += d * d, ++n;
  }
  return n > 0 ? std::sqrt(sum / n) : std::numeric_limits<double>::infinity();
}

// A stored profile's standardised means (a previous version's document).
Diffs std_diffs(const json& segment) {
  Diffs out;
  for (const auto& f : segment.value("features", json::array()))
    if (f.contains("feature") && f["feature"].is_string() && f.contains("std_diff") && f["std_diff"].is_number())
      out[f["feature"].get<std::string>()] = f["std_diff"].get<double>();
  return out;
}

// A fitted profile's standardised means, by feature name.
Diffs std_diffs(const profile::SegmentProfile& p, const std::vector<features::FeatureInfo>& info) {
  Diffs out;
  for (std::size_t j = 0; j < p.std_diff.size() && j < info.size(); ++j)
    if (std::isfinite(p.std_diff[j])) out[info[j].name] = p.std_diff[j];
  return out;
}

std::string driver_key(double std_diff, const std::string& feature) { return (std_diff >= 0 ? "+" : "-") + feature; }

std::string top_driver(const json& segment) {
  const json drivers = segment.value("drivers", json::array());
  if (drivers.empty() || !drivers[0].contains("feature") || !drivers[0]["feature"].is_string()) return "";
  return driver_key(drivers[0].value("std_diff", 0.0), drivers[0]["feature"].get<std::string>());
}

// Whether the new segment's drivers still include the previous segment's strongest one.
bool supports(const profile::SegmentProfile& p, const std::vector<features::FeatureInfo>& info, const std::string& driver) {
  if (driver.empty()) return false;
  for (const auto& d : p.drivers)
    if (static_cast<std::size_t>(d.feature) < info.size() &&
        driver_key(d.std_diff, info[static_cast<std::size_t>(d.feature)].name) == driver)
      return true;
  return false;
}

// Splits (a previous segment spread over several new ones) and merges (a new one gathering
// several previous ones), each part holding at least `share` of its source.
void splits_and_merges(const Counts& c, const std::vector<std::int32_t>& new_ids, const PreviousSegmentation& prev,
                       double share, json& report) {
  const std::size_t kn = c.size(), kp = prev.ids.size();
  json splits = json::array(), merges = json::array();
  for (std::size_t j = 0; j < kp; ++j) {
    std::int64_t total = 0;
    for (std::size_t i = 0; i < kn; ++i) total += c[i][j];
    json into = json::array();
    for (std::size_t i = 0; i < kn; ++i)
      if (total > 0 && static_cast<double>(c[i][j]) >= share * static_cast<double>(total)) into.push_back({{"id", new_ids[i]}, {"overlap", c[i][j]}});
    if (into.size() > 1) splits.push_back({{"from", prev.ids[j]}, {"into", into}});
  }
  for (std::size_t i = 0; i < kn; ++i) {
    const std::int64_t total = std::accumulate(c[i].begin(), c[i].end(), std::int64_t{0});
    json from = json::array();
    for (std::size_t j = 0; j < kp; ++j)
      if (total > 0 && static_cast<double>(c[i][j]) >= share * static_cast<double>(total)) from.push_back({{"id", prev.ids[j]}, {"overlap", c[i][j]}});
    if (from.size() > 1) merges.push_back({{"into", new_ids[i]}, {"from", from}});
  }
  report["splits"] = splits;
  report["merges"] = merges;
}

std::int64_t row_sum(const Counts& c, std::size_t i) { return std::accumulate(c[i].begin(), c[i].end(), std::int64_t{0}); }
std::int64_t column_sum(const Counts& c, std::size_t j) {
  std::int64_t s = 0;
  for (const auto& row : c) s += row[j];
  return s;
}

// The matched pairs: by overlap where the assignment's pair shares enough, then by profile.
std::vector<std::ptrdiff_t> match_pairs(const FitResult& fit, const PreviousSegmentation& prev, const Counts& c,
                                        const IdentityOptions& o, std::vector<std::string>& by) {
  const std::size_t kn = c.size(), kp = prev.ids.size(), n = std::max(kn, kp);
  std::vector<std::vector<double>> cost(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < kn; ++i)
    for (std::size_t j = 0; j < kp; ++j) cost[i][j] = -static_cast<double>(c[i][j]);
  const auto assignment = hungarian(cost);
  std::vector<std::ptrdiff_t> match(kn, -1);
  std::vector<char> taken(kp, 0);
  by.assign(kn, "");
  for (std::size_t i = 0; i < kn; ++i) {
    const std::size_t j = assignment[i];
    if (j >= kp) continue;
    const double smaller = static_cast<double>(std::min(row_sum(c, i), column_sum(c, j)));
    if (smaller > 0 && static_cast<double>(c[i][j]) >= o.min_overlap * smaller)
      match[i] = static_cast<std::ptrdiff_t>(j), taken[j] = 1, by[i] = "overlap";
  }
  for (std::size_t i = 0; i < kn; ++i) {  // thin overlap: the nearest previous profile, if near enough
    if (match[i] >= 0) continue;
    const Diffs mine = std_diffs(fit.profiles.segments[i], fit.features);
    double best = o.max_profile_distance;
    for (std::size_t j = 0; j < kp; ++j) {
      if (taken[j]) continue;
      const double d = profile_distance(mine, prev.profile[j]);
      if (d <= best) best = d, match[i] = static_cast<std::ptrdiff_t>(j);
    }
    if (match[i] >= 0) taken[static_cast<std::size_t>(match[i])] = 1, by[i] = "profile";
  }
  return match;
}

}  // namespace

Identity first_identity(const FitResult& fit) {
  Identity id;
  for (int s = 0; s < fit.model.k(); ++s) id.ids.push_back(s), id.names.push_back(fit.model.segment_names[static_cast<std::size_t>(s)]);
  id.report = {{"previous_version", nullptr}, {"next_id", fit.model.k()}};
  return id;
}

Identity match_identity(const FitResult& fit, const PreviousSegmentation& prev, const IdentityOptions& o) {
  const Counts c = overlap_counts(fit, prev);
  std::vector<std::string> by;
  const auto match = match_pairs(fit, prev, c, o, by);
  const std::size_t kn = c.size(), kp = prev.ids.size();
  Identity id;
  json matched = json::array(), births = json::array(), deaths = json::array(), renamed = json::array();
  std::int32_t next = prev.next_id;
  std::vector<char> alive(kp, 0);
  for (std::size_t i = 0; i < kn; ++i) {
    const std::string& fresh = fit.model.segment_names[i];
    if (match[i] < 0) {
      id.ids.push_back(next++), id.names.push_back(fresh);
      const auto size = std::count(fit.labels.begin(), fit.labels.end(), static_cast<std::int32_t>(i));
      births.push_back({{"id", id.ids.back()}, {"name", fresh}, {"size", size}, {"previously_segmented", row_sum(c, i)}});
      continue;
    }
    const auto j = static_cast<std::size_t>(match[i]);
    alive[j] = 1;
    const bool keep = (j < prev.labelled.size() && prev.labelled[j]) || fresh == prev.names[j] ||
                      supports(fit.profiles.segments[i], fit.features, prev.top_driver[j]);
    id.ids.push_back(prev.ids[j]), id.names.push_back(keep ? prev.names[j] : fresh);
    if (!keep) renamed.push_back({{"id", prev.ids[j]}, {"from", prev.names[j]}, {"to", fresh}});
    const auto share = [](std::int64_t part, std::int64_t whole) { return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0; };
    matched.push_back({{"id", prev.ids[j]}, {"by", by[i]}, {"overlap", c[i][j]},
                       {"share_of_new", share(c[i][j], row_sum(c, i))}, {"share_of_previous", share(c[i][j], column_sum(c, j))}});
  }
  for (std::size_t j = 0; j < kp; ++j)
    if (!alive[j]) deaths.push_back({{"id", prev.ids[j]}, {"name", prev.names[j]}, {"size", column_sum(c, j)}});
  json counts = json::array();
  for (const auto& row : c) counts.push_back(row);
  id.report = {{"previous_version", prev.version}, {"next_id", next}, {"matched", matched}, {"births", births},
               {"deaths", deaths}, {"renamed", renamed},
               {"migration", {{"previous", prev.ids}, {"new", id.ids}, {"counts", counts}}}};
  splits_and_merges(c, id.ids, prev, o.part_share, id.report);
  return id;
}

void apply_identity(FitResult& fit, const Identity& identity) {
  SegmentModel& m = fit.model;
  m.segment_ids = identity.ids;
  m.segment_names = identity.names;
  m.identity = identity.report;
  for (std::size_t i = 0; i < fit.profiles.segments.size(); ++i) {
    fit.profiles.segments[i].id = identity.ids[i];
    fit.profiles.segments[i].name = identity.names[i];
  }
  m.segments = internal::segments_json(fit.features, fit.profiles);
  if (m.diagnostics.contains("map") && m.diagnostics["map"].contains("segment"))
    for (auto& s : m.diagnostics["map"]["segment"])
      if (s.is_number_integer() && s.get<int>() >= 0 && s.get<std::size_t>() < identity.ids.size()) s = identity.ids[s.get<std::size_t>()];
}

void apply_labels(SegmentModel& model, const std::vector<std::pair<std::int32_t, std::string>>& labels) {
  for (const auto& [id, name] : labels)
    if (const index_t pos = model.position_of(id); pos >= 0) model.segment_names[static_cast<std::size_t>(pos)] = name;
}

void apply_labels(json& report, const std::vector<std::pair<std::int32_t, std::string>>& labels) {
  if (!report.contains("segments")) return;
  for (auto& seg : report["segments"])
    for (const auto& [id, name] : labels)
      if (seg.value("id", -1) == id) seg["name"] = name;
}

Result<std::optional<PreviousSegmentation>> read_previous(store::Store& store) {
  KOHORT_ASSIGN_OR_RETURN(const auto latest, store.latest());
  if (!latest) return std::optional<PreviousSegmentation>();
  PreviousSegmentation p;
  p.version = latest->version;
  KOHORT_ASSIGN_OR_RETURN(const std::string text, store.model_json(p.version));
  const json doc = json::parse(text, nullptr, false);
  KOHORT_ASSIGN_OR_RETURN(const SegmentModel model, SegmentModel::from_json(doc));
  KOHORT_ASSIGN_OR_RETURN(const auto segments, store.segments(p.version));
  KOHORT_ASSIGN_OR_RETURN(const auto labels, store.segment_labels());
  for (const auto& s : segments) {
    p.ids.push_back(s.id), p.names.push_back(s.name);
    const auto label = std::find_if(labels.begin(), labels.end(), [&](const auto& l) { return l.first == s.id; });
    p.labelled.push_back(label != labels.end() ? 1 : 0);
    if (label != labels.end()) p.names.back() = label->second;
    const index_t pos = model.position_of(s.id);
    const json profile = pos >= 0 && static_cast<std::size_t>(pos) < model.segments.size() ? model.segments[static_cast<std::size_t>(pos)] : json::object();
    p.top_driver.push_back(top_driver(profile));
    p.profile.push_back(std_diffs(profile));
    p.next_id = std::max(p.next_id, s.id + 1);
  }
  if (model.identity.is_object() && model.identity.contains("next_id") && model.identity["next_id"].is_number_integer())
    p.next_id = std::max(p.next_id, model.identity["next_id"].get<std::int32_t>());
  // Where the version's customers stand now: its latest current assignment day, else the fit.
  KOHORT_ASSIGN_OR_RETURN(const auto days, store.assign_days());
  const store::AssignDayInfo* day = nullptr;
  for (const auto& d : days)
    if (d.status == "current") day = &d;
  if (day != nullptr && day->version == p.version) {
    KOHORT_ASSIGN_OR_RETURN(const auto standing, store.day_standing(day->as_of));
    for (const auto& c : standing) p.members.emplace_back(c.customer_id, c.segment);
  } else {
    KOHORT_ASSIGN_OR_RETURN(const auto rows, store.assignments(p.version));
    for (const auto& a : rows) p.members.emplace_back(a.customer_id, a.segment);
  }
  return std::optional<PreviousSegmentation>(std::move(p));
}

}  // namespace kohort::model
