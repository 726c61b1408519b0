// A fitted clusterer in the model document, and back.
#include <algorithm>

#include <fmt/format.h>

#include "kohort/cluster/clusterer.h"
#include "kohort/core/json_fields.h"

namespace kohort::cluster {

namespace {

using nlohmann::json;

constexpr std::pair<AssignRule, std::string_view> kRules[] = {
    {AssignRule::nearest_centre, "nearest_centre"},
    {AssignRule::posterior, "posterior"},
    {AssignRule::density, "density"},
    {AssignRule::core_radius, "core_radius"},
};

std::string_view rule_name(AssignRule r) {
  for (const auto& [rule, name] : kRules)
    if (rule == r) return name;
  return "nearest_centre";
}

Status bad(std::string what) { return Status::invalid_input("model", std::move(what), "refit the model"); }

Status sized(const std::vector<double>& v, std::size_t n, std::string_view key) {
  if (v.size() == n) return {};
  return bad(fmt::format("clusterer.{} has {} values; the model needs {}", key, v.size(), n));
}

Result<Covariance> covariance_from(const json& c) {
  KOHORT_ASSIGN_OR_RETURN(const std::string cov, json_field<std::string>(c, "covariance"));
  if (cov != "full" && cov != "diag") return bad(fmt::format("unknown covariance '{}'", cov));
  return cov == "full" ? Covariance::full : Covariance::diag;
}

json gmm_json(const GmmFit& g) {
  return {{"covariance", g.covariance == Covariance::full ? "full" : "diag"},
          {"weights", g.weights},
          {"means", g.means},
          {"covariances", g.covariances}};
}

Result<GmmFit> gmm_from(const json& c, index_t k, index_t d) {
  GmmFit g;
  KOHORT_ASSIGN_OR_RETURN(g.covariance, covariance_from(c));
  KOHORT_ASSIGN_OR_RETURN(g.weights, json_field<std::vector<double>>(c, "weights"));
  KOHORT_ASSIGN_OR_RETURN(g.means, json_field<std::vector<double>>(c, "means"));
  KOHORT_ASSIGN_OR_RETURN(g.covariances, json_field<std::vector<double>>(c, "covariances"));
  g.k = k;
  g.d = d;
  const auto per = static_cast<std::size_t>(g.covariance == Covariance::full ? d * d : d);
  KOHORT_RETURN_IF_ERROR(sized(g.weights, static_cast<std::size_t>(k), "weights"));
  KOHORT_RETURN_IF_ERROR(sized(g.means, static_cast<std::size_t>(k * d), "means"));
  KOHORT_RETURN_IF_ERROR(sized(g.covariances, static_cast<std::size_t>(k) * per, "covariances"));
  return g;
}

json bgmm_json(const BgmmFit& b) {
  return {{"covariance", b.covariance == Covariance::full ? "full" : "diag"},
          {"components", b.k},
          {"weights", b.weights},
          {"concentration_a", b.concentration_a},
          {"concentration_b", b.concentration_b},
          {"mean_precision", b.mean_precision},
          {"degrees_of_freedom", b.degrees_of_freedom},
          {"means", b.means},
          {"covariances", b.covariances},
          {"effective", b.effective}};
}

Result<BgmmFit> bgmm_from(const json& c, index_t k, index_t d) {
  BgmmFit b;
  KOHORT_ASSIGN_OR_RETURN(b.covariance, covariance_from(c));
  KOHORT_ASSIGN_OR_RETURN(b.k, json_field<index_t>(c, "components"));
  b.d = d;
  if (b.k < k || b.k > 100000) return bad(fmt::format("clusterer.components is {} for {} segments", b.k, k));
  const auto n = static_cast<std::size_t>(b.k);
  for (auto [key, v] : {std::pair{"weights", &b.weights}, {"concentration_a", &b.concentration_a},
                        {"concentration_b", &b.concentration_b}, {"mean_precision", &b.mean_precision},
                        {"degrees_of_freedom", &b.degrees_of_freedom}}) {
    KOHORT_ASSIGN_OR_RETURN(*v, json_field<std::vector<double>>(c, key));
    KOHORT_RETURN_IF_ERROR(sized(*v, n, key));
  }
  KOHORT_ASSIGN_OR_RETURN(b.means, json_field<std::vector<double>>(c, "means"));
  KOHORT_RETURN_IF_ERROR(sized(b.means, n * static_cast<std::size_t>(d), "means"));
  KOHORT_ASSIGN_OR_RETURN(b.covariances, json_field<std::vector<double>>(c, "covariances"));
  KOHORT_RETURN_IF_ERROR(sized(b.covariances, n * static_cast<std::size_t>(b.covariance == Covariance::full ? d * d : d),
                               "covariances"));
  KOHORT_ASSIGN_OR_RETURN(b.effective, json_field<std::vector<index_t>>(c, "effective"));
  if (static_cast<index_t>(b.effective.size()) != k ||
      std::any_of(b.effective.begin(), b.effective.end(), [&](index_t e) { return e < 0 || e >= b.k; }))
    return bad("clusterer.effective does not name one component per segment");
  return b;
}

json hdbscan_json(const HdbscanFit& h) {
  return {{"min_samples", h.min_samples},
          {"rows", matrix_json(h.rows.cview())},
          {"core_distances", h.core_distances},
          {"row_labels", h.row_labels},
          {"row_eps_max", h.row_eps_max},
          {"cluster_birth", h.cluster_birth},
          {"cluster_max_core", h.cluster_max_core}};
}

Result<HdbscanFit> hdbscan_from(const json& c, index_t k, index_t d) {
  HdbscanFit h;
  KOHORT_ASSIGN_OR_RETURN(h.min_samples, json_field<int>(c, "min_samples"));
  KOHORT_ASSIGN_OR_RETURN(h.rows, matrix_from_json(c, "rows", "clusterer.rows"));
  const auto m = static_cast<std::size_t>(h.rows.rows());
  if (m == 0 || h.rows.cols() != d || h.min_samples < 1)
    return bad(fmt::format("clusterer.rows must be fitted rows of {} columns", d));
  KOHORT_ASSIGN_OR_RETURN(h.core_distances, json_field<std::vector<double>>(c, "core_distances"));
  KOHORT_RETURN_IF_ERROR(sized(h.core_distances, m, "core_distances"));
  KOHORT_ASSIGN_OR_RETURN(h.row_eps_max, json_field<std::vector<double>>(c, "row_eps_max"));
  KOHORT_RETURN_IF_ERROR(sized(h.row_eps_max, m, "row_eps_max"));
  KOHORT_ASSIGN_OR_RETURN(h.cluster_birth, json_field<std::vector<double>>(c, "cluster_birth"));
  KOHORT_RETURN_IF_ERROR(sized(h.cluster_birth, static_cast<std::size_t>(k), "cluster_birth"));
  KOHORT_ASSIGN_OR_RETURN(h.cluster_max_core, json_field<std::vector<double>>(c, "cluster_max_core"));
  KOHORT_RETURN_IF_ERROR(sized(h.cluster_max_core, static_cast<std::size_t>(k), "cluster_max_core"));
  KOHORT_ASSIGN_OR_RETURN(h.row_labels, json_field<std::vector<std::int32_t>>(c, "row_labels"));
  if (h.row_labels.size() != m ||
      std::any_of(h.row_labels.begin(), h.row_labels.end(), [&](std::int32_t l) { return l < -1 || l >= k; }))
    return bad("clusterer.row_labels does not give one segment (or -1) per fitted row");
  h.n_clusters = static_cast<int>(k);
  return h;
}

json dbscan_json(const FittedClusterer& m) {
  return {{"eps", m.eps}, {"core_rows", matrix_json(m.core_rows.cview())}, {"core_labels", m.core_labels}};
}

Status dbscan_from(const json& c, index_t k, index_t d, FittedClusterer& m) {
  KOHORT_ASSIGN_OR_RETURN(m.eps, json_field<double>(c, "eps"));
  KOHORT_ASSIGN_OR_RETURN(m.core_rows, matrix_from_json(c, "core_rows", "clusterer.core_rows"));
  KOHORT_ASSIGN_OR_RETURN(m.core_labels, json_field<std::vector<std::int32_t>>(c, "core_labels"));
  if (!(m.eps > 0) || (m.core_rows.rows() > 0 && m.core_rows.cols() != d) ||
      static_cast<index_t>(m.core_labels.size()) != m.core_rows.rows() ||
      std::any_of(m.core_labels.begin(), m.core_labels.end(), [&](std::int32_t l) { return l < 0 || l >= k; }))
    return bad("clusterer.core_rows, core_labels or eps do not describe the segments");
  return {};
}

}  // namespace

json to_json(const FittedClusterer& m) {
  json c = {{"algorithm", m.algorithm}, {"rule", rule_name(m.rule)}, {"centers", matrix_json(m.centers.cview())}};
  if (m.gmm) c.update(gmm_json(*m.gmm));
  if (m.bgmm) c.update(bgmm_json(*m.bgmm));
  if (m.hdbscan) c.update(hdbscan_json(*m.hdbscan));
  if (m.rule == AssignRule::core_radius) c.update(dbscan_json(m));
  if (m.rule == AssignRule::density || m.rule == AssignRule::core_radius)
    c["noise"] = m.noise == NoisePolicy::nearest ? "nearest" : "outlier";
  return c;
}

Result<FittedClusterer> clusterer_from_json(const json& c, index_t dims) {
  FittedClusterer m;
  KOHORT_ASSIGN_OR_RETURN(m.algorithm, json_field<std::string>(c, "algorithm"));
  if (find_clusterer(m.algorithm) == nullptr) return bad(fmt::format("unknown clusterer '{}'", m.algorithm));
  KOHORT_ASSIGN_OR_RETURN(m.centers, matrix_from_json(c, "centers", "clusterer.centers"));
  if (m.centers.cols() != dims && m.centers.rows() > 0)
    return bad(fmt::format("centres have {} columns; the clustering space has {}", m.centers.cols(), dims));
  if (m.centers.rows() == 0) m.centers = Matrix<float>(0, dims);
  // Documents from before the rule was recorded hold kmeans or gmm.
  const std::string rule = c.is_object() && c.contains("rule") ? c.value("rule", std::string())
                           : m.algorithm == "gmm"               ? "posterior"
                                                                : "nearest_centre";
  const auto it = std::find_if(std::begin(kRules), std::end(kRules), [&](const auto& r) { return r.second == rule; });
  if (it == std::end(kRules)) return bad(fmt::format("unknown assignment rule '{}'", rule));
  m.rule = it->first;
  const index_t k = m.centers.rows();
  if (m.algorithm == "gmm") {
    KOHORT_ASSIGN_OR_RETURN(m.gmm, gmm_from(c, k, dims));
  } else if (m.algorithm == "bgmm") {
    KOHORT_ASSIGN_OR_RETURN(m.bgmm, bgmm_from(c, k, dims));
  } else if (m.algorithm == "hdbscan") {
    KOHORT_ASSIGN_OR_RETURN(m.hdbscan, hdbscan_from(c, k, dims));
  } else if (m.algorithm == "dbscan") {
    KOHORT_RETURN_IF_ERROR(dbscan_from(c, k, dims, m));
  }
  const bool mixture = m.gmm || m.bgmm;
  if ((m.rule == AssignRule::posterior) != mixture || (m.rule == AssignRule::density) != m.hdbscan.has_value() ||
      (m.rule == AssignRule::core_radius) != (m.algorithm == "dbscan"))
    return bad(fmt::format("the rule '{}' does not fit the algorithm '{}'", rule, m.algorithm));
  if (m.rule == AssignRule::density || m.rule == AssignRule::core_radius) {
    KOHORT_ASSIGN_OR_RETURN(const std::string noise, json_field<std::string>(c, "noise"));
    if (noise != "nearest" && noise != "outlier") return bad(fmt::format("unknown noise policy '{}'", noise));
    m.noise = noise == "nearest" ? NoisePolicy::nearest : NoisePolicy::outlier;
  }
  return m;
}

}  // namespace kohort::cluster
