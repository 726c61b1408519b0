#include "kohort/cluster/dbscan.h"

#include <gtest/gtest.h>

#include "common/fixtures.h"
#include "kohort/cluster/internal/kd_tree.h"

namespace kohort::cluster {
namespace {

TEST(Dbscan, MatchesScikitLearnLabelsAndCoreRows) {
  const auto j = testing::load_json("cluster/dbscan_620x2.json");
  const auto x = testing::load_csv_matrix("cluster/" + j["data"].get<std::string>());
  for (const auto& [name, c] : j["cases"].items()) {
    DbscanOptions o;
    o.eps = c["eps"];
    o.min_samples = c["min_samples"];
    const auto fit = fit_dbscan(Context(2, 0), x.cview(), o);
    ASSERT_TRUE(fit.ok()) << fit.status().message();
    EXPECT_EQ(fit->labels, c["labels"].get<std::vector<std::int32_t>>()) << name << "; " << j["source"];
    const auto core = c["core"].get<std::vector<int>>();
    for (std::size_t i = 0; i < core.size(); ++i) ASSERT_EQ(fit->core[i], core[i]) << name << " row " << i;
  }
}

TEST(KdTree, RadiusQueriesMatchBruteForceTwin) {
  for (index_t d : {1, 2, 5, 9}) {
    const auto b = testing::make_blobs({.n = 700, .k = 3, .d = d, .seed = static_cast<std::uint64_t>(d), .sd = 2.0});
    const internal::KdTree tree(b.x.cview(), 8);
    std::vector<index_t> got;
    for (index_t q = 0; q < 700; q += 37) {
      for (double r : {0.5, 2.0, 6.0}) {
        tree.radius(b.x.row(q), r, got);
        std::vector<index_t> want;
        for (index_t i = 0; i < 700; ++i) {
          double s = 0;
          for (index_t t = 0; t < d; ++t) {
            const double v = static_cast<double>(b.x(i, t)) - b.x(q, t);
            s += v * v;
          }
          if (s <= r * r) want.push_back(i);
        }
        ASSERT_EQ(got, want) << "d=" << d << " q=" << q << " r=" << r;
        ASSERT_EQ(tree.count(b.x.row(q), r), static_cast<index_t>(want.size()));
      }
    }
  }
}

TEST(Dbscan, ThreadIndependentAndValidatesParameters) {
  const auto b = testing::make_blobs({.n = 5000, .k = 4, .d = 3, .seed = 4, .sd = 1.0});
  DbscanOptions o;
  o.eps = 0.8;
  const auto one = fit_dbscan(Context(1, 0), b.x.cview(), o);
  const auto four = fit_dbscan(Context(4, 0), b.x.cview(), o);
  ASSERT_TRUE(one.ok() && four.ok());
  EXPECT_EQ(one->labels, four->labels);
  o.eps = 0;
  EXPECT_EQ(fit_dbscan(Context(1, 0), b.x.cview(), o).status().where(), "--eps");
}

}  // namespace
}  // namespace kohort::cluster
