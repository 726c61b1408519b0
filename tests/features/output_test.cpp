#include "kohort/features/output.h"
#include "kohort/io/matrix_file.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kohort::features {
namespace {

TEST(FeatureOutput, CsvHasHeaderExternalIdsAndEmptyCellsForNaN) {
  events::EventLog log;
  log.intern("plain");
  log.intern("with,comma");
  FeatureTable t;
  t.values = Matrix<float>(2, 2);
  t.info = {{"orders_total", "frequency", "count", "Orders.", "orders"},
            {"recency_days", "recency", "days", "Days.", "days since"}};
  t.customers = {1, 0};
  t.values(0, 0) = 3;
  t.values(0, 1) = 0.1f;
  t.values(1, 0) = 1;
  t.values(1, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(features_csv(t, log),
            "customer_id,orders_total,recency_days\n\"with,comma\",3,0.1\nplain,1,\n");
}

TEST(FeatureOutput, SidecarDescribesEveryColumn) {
  FeatureTable t;
  t.values = Matrix<float>(4, 1);
  t.info = {{"orders_total", "frequency", "count", "Orders.", "orders"}};
  t.customers = {0, 1, 2, 3};
  t.as_of = 86400;
  const auto j = features_json(t);
  EXPECT_EQ(j["rows"], 4);
  EXPECT_EQ(j["cols"], 1);
  EXPECT_EQ(j["as_of"], "1970-01-02T00:00:00Z");
  EXPECT_EQ(j["features"][0]["phrase"], "orders");
  EXPECT_EQ(j["features"][0]["unit"], "count");
  EXPECT_EQ(io::sidecar_path("out/x.npy"), "out/x.features.json");
  EXPECT_EQ(io::sidecar_path("out.d/x"), "out.d/x.features.json");
  const std::vector<std::string> ids = {"a", "b", "c", "d"};
  EXPECT_EQ(features_json(t, ids)["ids"][2], "c");
}

}  // namespace
}  // namespace kohort::features
