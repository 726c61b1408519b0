#include "kohort/model/report_data.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include <fmt/format.h>

#include "kohort/core/time.h"
#include "kohort/model/model.h"

namespace kohort::model {

namespace {

using nlohmann::json;

enum class Kind { string, number, integer, number_or_null, array, object, object_or_null };

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::string: return "a string";
    case Kind::number: return "a number";
    case Kind::integer: return "an integer";
    case Kind::number_or_null: return "a number or null";
    case Kind::array: return "an array";
    case Kind::object: return "an object";
    case Kind::object_or_null: return "an object or null";
  }
  return "a value";
}

bool is_kind(const json& v, Kind k) {
  switch (k) {
    case Kind::string: return v.is_string();
    case Kind::number: return v.is_number() && std::isfinite(v.get<double>());
    case Kind::integer: return v.is_number_integer();
    case Kind::number_or_null: return v.is_null() || (v.is_number() && std::isfinite(v.get<double>()));
    case Kind::array: return v.is_array();
    case Kind::object: return v.is_object();
    case Kind::object_or_null: return v.is_null() || v.is_object();
  }
  return false;
}

// Reads a document key by key, keeping the first key that is missing or of the wrong kind.
// Reads after an error return null, so the caller checks once at the end.
class Reader {
 public:
  json take(const json& obj, std::string_view key, Kind kind, const std::string& path) {
    const std::string at = path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
    if (!error.empty()) return nullptr;
    const auto it = obj.is_object() ? obj.find(key) : obj.end();
    if (it == obj.end()) {
      error = fmt::format("{} is missing", at);
      return nullptr;
    }
    if (!is_kind(*it, kind)) {
      error = fmt::format("{} is not {}", at, kind_name(kind));
      return nullptr;
    }
    return *it;
  }
  // Every element of the array obj[key] checked as `kind`.
  json take_all(const json& obj, std::string_view key, Kind kind, const std::string& path) {
    json a = take(obj, key, Kind::array, path);
    if (!error.empty()) return json::array();
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!is_kind(a[i], kind)) {
        error = fmt::format("{}{}{}[{}] is not {}", path, path.empty() ? "" : ".", key, i, kind_name(kind));
        return json::array();
      }
    return a;
  }
  // obj[key] when present (checked as `kind`), else null: keys that older documents lack.
  json optional(const json& obj, std::string_view key, Kind kind, const std::string& path) {
    return obj.is_object() && obj.contains(key) ? take(obj, key, kind, path) : json(nullptr);
  }
  // Copies `keys` of `obj` (each of its kind) into a new object.
  json copy(const json& obj, std::initializer_list<std::pair<const char*, Kind>> keys, const std::string& path) {
    json out = json::object();
    for (const auto& [key, kind] : keys) out[key] = take(obj, key, kind, path);
    return out;
  }
  std::string error;
};

json segment_of(Reader& r, const json& s, std::size_t i) {
  const std::string at = fmt::format("segments[{}]", i);
  json out = r.copy(s, {{"id", Kind::integer}, {"name", Kind::string}, {"size", Kind::integer},
                        {"share", Kind::number}, {"revenue_share", Kind::number},
                        {"clv_12m", Kind::number_or_null}, {"p_alive", Kind::number_or_null},
                        {"churn_risk", Kind::number_or_null}, {"avg_order_value", Kind::number_or_null},
                        {"orders_per_year", Kind::number_or_null}, {"tenure_days", Kind::number_or_null},
                        {"silhouette", Kind::number_or_null}, {"stability", Kind::number_or_null},
                        {"narrative", Kind::string}},
                    at);
  if (r.error.empty() && out["id"].get<std::int64_t>() < 0)
    r.error = fmt::format("{}.id is {}; segment ids are ≥ 0", at, out["id"].get<std::int64_t>());
  json rules = json::array();
  const json rs = r.take_all(s, "rules", Kind::object, at);
  for (std::size_t j = 0; j < rs.size(); ++j)
    rules.push_back(r.copy(rs[j], {{"text", Kind::string}, {"precision", Kind::number}, {"recall", Kind::number}},
                           fmt::format("{}.rules[{}]", at, j)));
  json drivers = json::array();
  const json ds = r.take_all(s, "drivers", Kind::object, at);
  for (std::size_t j = 0; j < ds.size(); ++j)
    drivers.push_back(r.copy(ds[j],
                             {{"feature", Kind::string}, {"phrase", Kind::string}, {"unit", Kind::string},
                              {"segment_mean", Kind::number_or_null}, {"population_mean", Kind::number_or_null},
                              {"std_diff", Kind::number}},
                             fmt::format("{}.drivers[{}]", at, j)));
  out["rules"] = std::move(rules);
  out["drivers"] = std::move(drivers);
  return out;
}

json heatmap_of(Reader& r, const json& diag, std::size_t k) {
  const json h = r.take(diag, "heatmap", Kind::object, "diagnostics");
  json out = {{"features", r.take_all(h, "features", Kind::string, "diagnostics.heatmap")},
              {"phrases", r.take_all(h, "phrases", Kind::string, "diagnostics.heatmap")},
              {"values", r.take_all(h, "values", Kind::array, "diagnostics.heatmap")}};
  if (!r.error.empty()) return out;
  const std::size_t d = out["features"].size();
  if (out["phrases"].size() != d) r.error = "diagnostics.heatmap.phrases and .features differ in length";
  if (out["values"].size() != k) r.error = fmt::format("diagnostics.heatmap.values has {} rows for {} segments", out["values"].size(), k);
  for (std::size_t s = 0; r.error.empty() && s < out["values"].size(); ++s) {
    const json& row = out["values"][s];
    if (row.size() != d) r.error = fmt::format("diagnostics.heatmap.values[{}] has {} values for {} features", s, row.size(), d);
    for (const auto& v : row)
      if (r.error.empty() && !is_kind(v, Kind::number_or_null))
        r.error = fmt::format("diagnostics.heatmap.values[{}] holds a value that is not a number", s);
  }
  return out;
}

// {id, overlap} parts of a split or a merge.
json parts_of(Reader& r, const json& obj, const char* key, const std::string& at) {
  json out = json::array();
  const json parts = r.take_all(obj, key, Kind::object, at);
  for (std::size_t i = 0; i < parts.size(); ++i)
    out.push_back(r.copy(parts[i], {{"id", Kind::integer}, {"overlap", Kind::integer}}, fmt::format("{}.{}[{}]", at, key, i)));
  return out;
}

// How the segments were matched to the previous version's: null for a first version (or a
// model from before identities were kept).
json identity_of(Reader& r, const json& m) {
  const json id = m.value("identity", json());
  if (!id.is_object() || id.value("previous_version", json()).is_null()) return nullptr;
  json out = {{"previous_version", r.take(id, "previous_version", Kind::integer, "identity")}};
  for (const char* key : {"births", "deaths"}) {
    json list = json::array();
    const json items = r.take_all(id, key, Kind::object, "identity");
    for (std::size_t i = 0; i < items.size(); ++i)
      list.push_back(r.copy(items[i], {{"id", Kind::integer}, {"name", Kind::string}, {"size", Kind::integer}},
                            fmt::format("identity.{}[{}]", key, i)));
    out[key] = std::move(list);
  }
  json renamed = json::array(), splits = json::array(), merges = json::array();
  const json rn = r.take_all(id, "renamed", Kind::object, "identity");
  for (std::size_t i = 0; i < rn.size(); ++i)
    renamed.push_back(r.copy(rn[i], {{"id", Kind::integer}, {"from", Kind::string}, {"to", Kind::string}},
                             fmt::format("identity.renamed[{}]", i)));
  const json sp = r.take_all(id, "splits", Kind::object, "identity");
  for (std::size_t i = 0; i < sp.size(); ++i) {
    const std::string at = fmt::format("identity.splits[{}]", i);
    splits.push_back({{"from", r.take(sp[i], "from", Kind::integer, at)}, {"into", parts_of(r, sp[i], "into", at)}});
  }
  const json mg = r.take_all(id, "merges", Kind::object, "identity");
  for (std::size_t i = 0; i < mg.size(); ++i) {
    const std::string at = fmt::format("identity.merges[{}]", i);
    merges.push_back({{"into", r.take(mg[i], "into", Kind::integer, at)}, {"from", parts_of(r, mg[i], "from", at)}});
  }
  const json mig = r.take(id, "migration", Kind::object, "identity");
  json migration = {{"previous", r.take_all(mig, "previous", Kind::integer, "identity.migration")},
                    {"new", r.take_all(mig, "new", Kind::integer, "identity.migration")},
                    {"counts", r.take_all(mig, "counts", Kind::array, "identity.migration")}};
  for (std::size_t i = 0; r.error.empty() && i < migration["counts"].size(); ++i) {
    const json& row = migration["counts"][i];
    if (row.size() != migration["previous"].size() || !std::all_of(row.begin(), row.end(), [](const json& v) { return v.is_number_integer(); }))
      r.error = fmt::format("identity.migration.counts[{}] is not {} integers, one per previous segment", i, migration["previous"].size());
  }
  if (r.error.empty() && migration["counts"].size() != migration["new"].size())
    r.error = "identity.migration.counts has not one row per new segment";
  out["renamed"] = std::move(renamed);
  out["splits"] = std::move(splits);
  out["merges"] = std::move(merges);
  out["migration"] = std::move(migration);
  return out;
}

json map_of(Reader& r, const json& diag, const std::set<std::int64_t>& ids) {
  const json m = r.take(diag, "map", Kind::object, "diagnostics");
  json out = {{"method", r.take(m, "method", Kind::string, "diagnostics.map")},
              {"x", r.take_all(m, "x", Kind::number, "diagnostics.map")},
              {"y", r.take_all(m, "y", Kind::number, "diagnostics.map")},
              {"segment", r.take_all(m, "segment", Kind::integer, "diagnostics.map")}};
  if (!r.error.empty()) return out;
  if (out["y"].size() != out["x"].size() || out["segment"].size() != out["x"].size())
    r.error = "diagnostics.map.x, .y and .segment differ in length";
  for (const auto& s : out["segment"])
    if (r.error.empty() && s.get<std::int64_t>() != -1 && ids.count(s.get<std::int64_t>()) == 0)
      r.error = fmt::format("diagnostics.map.segment holds {}, which is no segment's id (nor -1, an outlier)", s.get<std::int64_t>());
  return out;
}

json choice_of(Reader& r, const json& diag) {
  const json c = r.take(diag, "choice", Kind::object_or_null, "diagnostics");
  if (c.is_null()) return nullptr;
  json out = r.copy(c, {{"chosen_k", Kind::integer}, {"rule", Kind::string}, {"reason", Kind::string}},
                    "diagnostics.choice");
  json rows = json::array();
  const json rs = r.take_all(c, "rows", Kind::object, "diagnostics.choice");
  for (std::size_t i = 0; i < rs.size(); ++i)
    rows.push_back(r.copy(rs[i],
                          {{"k", Kind::integer}, {"inertia", Kind::number_or_null}, {"silhouette", Kind::number_or_null},
                           {"calinski_harabasz", Kind::number_or_null}, {"davies_bouldin", Kind::number_or_null},
                           {"gap", Kind::number_or_null}, {"bic", Kind::number_or_null}},
                          fmt::format("diagnostics.choice.rows[{}]", i)));
  if (r.error.empty() && rows.empty()) r.error = "diagnostics.choice.rows is empty";
  out["rows"] = std::move(rows);
  return out;
}

// The days the revenue shares cover, {"from", "to"} (inclusive), or null for a model that does
// not record them.
json revenue_period(Reader& r, const json& population) {
  const json from = r.optional(population, "revenue_from", Kind::string, "diagnostics.population");
  const json to = r.optional(population, "revenue_to", Kind::string, "diagnostics.population");
  if (from.is_null() || to.is_null()) return nullptr;
  return {{"from", from}, {"to", to}};
}

}  // namespace

Result<json> report_data(std::string_view model_text, std::int64_t version) {
  const std::string where = fmt::format("model version {}", version);
  const std::string hint = "the stored document is damaged or was not written by kohort fit; refit and publish again";
  const json m = json::parse(model_text, nullptr, false);
  if (m.is_discarded()) return Status(Code::corruption, where, "the model document is not valid JSON", hint);
  auto model = SegmentModel::from_json(m);
  if (!model.ok()) return Status(Code::corruption, where, model.status().what(), hint);
  const std::size_t k = static_cast<std::size_t>(model->k());

  Reader r;
  const json segs = r.take_all(m, "segments", Kind::object, "");
  if (r.error.empty() && segs.size() != k)
    r.error = fmt::format("segments has {} entries for the model's {} segments", segs.size(), k);
  json segments = json::array();
  std::set<std::int64_t> ids;
  for (std::size_t i = 0; r.error.empty() && i < segs.size(); ++i) {
    segments.push_back(segment_of(r, segs[i], i));
    if (r.error.empty() && !ids.insert(segments.back()["id"].get<std::int64_t>()).second)
      r.error = fmt::format("segments[{}].id {} repeats an earlier segment's", i, segments.back()["id"].get<std::int64_t>());
  }
  const json diag = r.take(m, "diagnostics", Kind::object, "");
  const json population = r.take(diag, "population", Kind::object, "diagnostics");
  json out = {{"kohort_version", model->kohort_version},
              {"model_version", version},
              {"created_at", model->created_at},
              {"as_of", format_date(model->as_of)},
              {"customers", r.take(population, "customers", Kind::integer, "diagnostics.population")},
              {"algorithm", model->clusterer.algorithm},
              {"k", k},
              {"currency", ""},
              {"metrics", r.copy(r.take(diag, "metrics", Kind::object, "diagnostics"),
                                 {{"silhouette", Kind::number_or_null}, {"calinski_harabasz", Kind::number_or_null},
                                  {"davies_bouldin", Kind::number_or_null}, {"inertia", Kind::number_or_null}},
                                 "diagnostics.metrics")},
              {"segments", std::move(segments)},
              {"heatmap", heatmap_of(r, diag, k)},
              {"map", map_of(r, diag, ids)},
              {"choice", choice_of(r, diag)},
              {"revenue_period", revenue_period(r, population)},
              {"churn_horizon_days", r.optional(m.value("clv", json::object()), "churn_horizon_days",
                                                Kind::number_or_null, "clv")},
              {"identity", identity_of(r, m)},
              {"life", nullptr}};  // from the store, not the model document (assign/life.h)
  if (!r.error.empty()) return Status(Code::corruption, where, "the model document is malformed: " + r.error, hint);
  return out;
}

}  // namespace kohort::model
