// The report's data is drawn only from a model document that is whole: anything else is a
// clear corruption error naming the key, never a crash and never a report of nothing.
#include "kohort/model/report_data.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kohort/model/model.h"

namespace kohort::model {
namespace {

using nlohmann::json;

json segment(int id) {
  return {{"id", id}, {"name", id == 0 ? "big spenders" : "lapsing"}, {"size", 10}, {"share", 0.5},
          {"revenue_share", 0.5}, {"revenue", 100.0}, {"clv_12m", 12.5}, {"p_alive", 0.8}, {"churn_risk", 0.3},
          {"avg_order_value", 20.0}, {"orders_per_year", 2.0}, {"tenure_days", 300.0}, {"silhouette", 0.2},
          {"stability", nullptr}, {"narrative", "text"},
          {"rules", {{{"text", "a > 1"}, {"precision", 0.9}, {"recall", 0.8}}}},
          {"drivers",
           {{{"feature", "a"}, {"phrase", "spend"}, {"unit", "€"}, {"segment_mean", 3.0},
             {"population_mean", 2.0}, {"std_diff", 0.7}}}}};
}

// A small but whole document: two segments on two features, no PCA.
json whole_document() {
  SegmentModel m;
  m.kohort_version = "0.1.0";
  m.created_at = "2024-07-02T10:00:00Z";
  m.as_of = 1719792000;  // 2024-07-01
  m.seed = 1;
  m.feature_names = {"a", "b"};
  m.transform.input_names = {"a", "b"};
  m.transform.columns = {{"a", 0}, {"b", 1}};
  m.selected = {0, 1};
  m.clusterer.algorithm = "kmeans";
  m.clusterer.centers = Matrix<float>(2, 2);
  m.segment_names = {"big spenders", "lapsing"};
  m.segments = {segment(0), segment(1)};
  m.diagnostics = {
      {"metrics", {{"silhouette", 0.2}, {"calinski_harabasz", 10.0}, {"davies_bouldin", 1.0}, {"inertia", 5.0}}},
      {"population", {{"customers", 20}}},
      {"heatmap", {{"features", {"a"}}, {"phrases", {"spend"}}, {"values", {{0.5}, {-0.5}}}}},
      {"map", {{"method", "umap"}, {"x", {0.0, 1.0}}, {"y", {1.0, 0.0}}, {"segment", {0, 1}}}},
      {"choice", nullptr}};
  return m.to_json();
}

Status read(const json& doc) { return report_data(doc.dump(), 4).status(); }

TEST(ReportData, AWholeDocumentGivesTheContractsKeys) {
  const auto r = report_data(whole_document().dump(), 4);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)["model_version"], 4);
  EXPECT_EQ((*r)["as_of"], "2024-07-01");
  EXPECT_EQ((*r)["k"], 2);
  EXPECT_EQ((*r)["customers"], 20);
  EXPECT_EQ((*r)["segments"][1]["name"], "lapsing");
  EXPECT_FALSE((*r)["segments"][0].contains("revenue"));  // only the contract's keys
  // A document without the revenue period and churn horizon (an earlier Kohort's): null.
  EXPECT_TRUE((*r)["revenue_period"].is_null());
  EXPECT_TRUE((*r)["churn_horizon_days"].is_null());
  json doc = whole_document();
  doc["diagnostics"]["population"]["revenue_from"] = "2023-01-05";
  doc["diagnostics"]["population"]["revenue_to"] = "2024-06-30";
  doc["clv"] = {{"churn_horizon_days", 90}};
  const auto with = report_data(doc.dump(), 4);
  ASSERT_TRUE(with.ok()) << with.status().message();
  EXPECT_EQ((*with)["revenue_period"], json({{"from", "2023-01-05"}, {"to", "2024-06-30"}}));
  EXPECT_EQ((*with)["churn_horizon_days"], 90);
  doc["clv"]["churn_horizon_days"] = "ninety";
  EXPECT_NE(read(doc).what().find("clv.churn_horizon_days is not a number or null"), std::string::npos);
}

TEST(ReportData, DocumentsOfAnotherShapeAreCorruptionNotACrash) {
  for (const char* text : {"[]", "null", "{}", "5", "\"x\"", "{\"segments\":5}", "not json", ""}) {
    const auto r = report_data(text, 4);
    EXPECT_EQ(r.status().code(), Code::corruption) << text;
    EXPECT_EQ(r.status().where(), "model version 4") << text;
  }
}

TEST(ReportData, EveryWrongKeyIsNamedByItsPath) {
  struct Case {
    std::string pointer;
    json value;
    std::string what;
  };
  const std::vector<Case> cases = {
      {"/segments", 5, "segments is not an array"},
      {"/segments/1", "x", "segments[1] is not an object"},
      {"/segments/1/share", "half", "segments[1].share is not a number"},
      {"/segments/0/id", -2, "segments[0].id is -2"},
      {"/segments/1/id", 0, "segments[1].id 0 repeats an earlier segment's"},
      {"/segments/0/drivers/0/std_diff", nullptr, "segments[0].drivers[0].std_diff is not a number"},
      {"/segments/1/rules", json::object(), "segments[1].rules is not an array"},
      {"/diagnostics", json::array(), "diagnostics is not an object"},
      {"/diagnostics/heatmap/values", {{0.5}}, "diagnostics.heatmap.values has 1 rows for 2 segments"},
      {"/diagnostics/map/segment", {0, 7}, "diagnostics.map.segment holds 7, which is no segment's id"},
      {"/diagnostics/map/y", {1.0}, "differ in length"},
      {"/diagnostics/choice", 3, "diagnostics.choice is not an object or null"},
      {"/diagnostics/population/customers", "many", "diagnostics.population.customers is not an integer"},
  };
  for (const auto& c : cases) {
    json doc = whole_document();
    doc[json::json_pointer(c.pointer)] = c.value;
    const Status s = read(doc);
    EXPECT_EQ(s.code(), Code::corruption) << c.pointer;
    EXPECT_NE(s.what().find(c.what), std::string::npos) << c.pointer << ": " << s.what();
  }
  json doc = whole_document();
  doc["segments"].erase(1);
  EXPECT_NE(read(doc).what().find("segments has 1 entries for the model's 2 segments"), std::string::npos);
  doc = whole_document();
  doc["diagnostics"].erase("metrics");
  EXPECT_NE(read(doc).what().find("diagnostics.metrics is missing"), std::string::npos);
}

}  // namespace
}  // namespace kohort::model
