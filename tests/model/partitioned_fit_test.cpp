// A fit of data split into partitions on disk (prepare_fit_partitioned) must be the fit of the
// data read whole: the same features, business values, purchase summary and quality report,
// so the same segments, names and CLV.
#include <unistd.h>

#include <cstring>
#include <set>
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kohort/io/dataset.h"
#include "kohort/model/fit.h"
#include "kohort/sim/simulator.h"

namespace kohort::model {
namespace {

namespace fs = std::filesystem;

// Bit-equal, NaN included.
void expect_same_values(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i)
    ASSERT_EQ(std::memcmp(&a[i], &b[i], sizeof a[i]), 0) << what << " row " << i << ": " << a[i] << " vs " << b[i];
}

class PartitionedFit : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / fmt::format("kohort-partitioned-fit-{}", ::getpid()));
    sim::SimulateOptions so;
    so.customers = 2500;
    so.out_dir = (*dir_ / "data").string();
    so.block_customers = 512;
    ASSERT_TRUE(sim::simulate(Context().with_seed(17).with_threads(2), so).ok());
    fs::create_directories(*dir_ / "spill");
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static std::string data() { return (*dir_ / "data").string(); }
  static std::string spill() { return (*dir_ / "spill").string(); }
  static FitOptions options() {
    FitOptions o;
    o.k_min = 3;
    o.k_max = 7;
    o.scan_rows = 1200;
    o.n_init = 2;
    o.rule_rows = 1500;
    o.map_points = 300;
    o.kohort_version = "test";
    o.created_at = "2026-01-01T00:00:00Z";
    return o;
  }
  static fs::path* dir_;
};
fs::path* PartitionedFit::dir_ = nullptr;

TEST_F(PartitionedFit, PreparedDataEqualsTheWholeRead) {
  const Context ctx = Context().with_seed(3).with_threads(2);
  auto ds = io::load_dataset(ctx, data(), {});
  ASSERT_TRUE(ds.ok()) << ds.status().what();
  auto whole = prepare_fit(ctx, *ds, options());
  ASSERT_TRUE(whole.ok()) << whole.status().what();
  ASSERT_GT(whole->raw.rows(), 2000);
  ASSERT_GT(whole->purchases.customers.size(), 2000u);
  // Prospects: customers with sessions, emails or support contacts but no purchase.
  index_t prospects = 0;
  std::set<events::customer_t> buyers(whole->raw.customers.begin(), whole->raw.customers.end());
  for (index_t c = 0; c < ds->log.customers(); ++c) {
    const auto cc = static_cast<events::customer_t>(c);
    const auto any = [&](const auto& s) { return s.offsets.size() > static_cast<std::size_t>(c) + 1 && s.offsets[c + 1] > s.offsets[c]; };
    if (buyers.count(cc) == 0 && (any(ds->log.sessions) || any(ds->log.emails) || any(ds->log.support))) ++prospects;
  }
  EXPECT_GT(prospects, 0);
  EXPECT_EQ(whole->prospects, prospects);
  for (std::uint32_t parts : {2u, 7u}) {
    SCOPED_TRACE(fmt::format("{} partitions", parts));
    auto split = io::partition_dataset(ctx, data(), {}, parts, spill());
    ASSERT_TRUE(split.ok()) << split.status().what();
    auto p = prepare_fit_partitioned(ctx, *split, options());
    ASSERT_TRUE(p.ok()) << p.status().what();
    ASSERT_EQ(p->ids, whole->ids);
    ASSERT_EQ(p->raw.names(), whole->raw.names());
    EXPECT_EQ(p->raw.as_of, whole->raw.as_of);
    ASSERT_EQ(p->raw.values.size(), whole->raw.values.size());
    EXPECT_EQ(std::memcmp(p->raw.values.data(), whole->raw.values.data(), whole->raw.values.size() * sizeof(float)), 0);
    expect_same_values(p->business.revenue, whole->business.revenue, "revenue");
    expect_same_values(p->business.orders, whole->business.orders, "orders");
    expect_same_values(p->business.tenure_days, whole->business.tenure_days, "tenure");
    EXPECT_EQ(p->purchases.customers, whole->purchases.customers);
    EXPECT_EQ(p->prospects, whole->prospects);
    expect_same_values(p->purchases.x, whole->purchases.x, "x");
    expect_same_values(p->purchases.t_x, whole->purchases.t_x, "t_x");
    expect_same_values(p->purchases.T, whole->purchases.T, "T");
    expect_same_values(p->purchases.monetary, whole->purchases.monetary, "monetary");
    EXPECT_EQ(io::quality_json(p->quality).dump(), io::quality_json(whole->quality).dump());
  }
  EXPECT_TRUE(fs::is_empty(spill()));
}

TEST_F(PartitionedFit, SegmentsEqualTheWholeFit) {
  const Context ctx = Context().with_seed(5).with_threads(2);
  auto ds = io::load_dataset(ctx, data(), {});
  ASSERT_TRUE(ds.ok());
  auto whole = fit_segments(ctx, *ds, options());
  ASSERT_TRUE(whole.ok()) << whole.status().what();
  auto split = io::partition_dataset(ctx, data(), {}, 5, spill());
  ASSERT_TRUE(split.ok());
  auto prepared = prepare_fit_partitioned(ctx, *split, options());
  ASSERT_TRUE(prepared.ok());
  auto p = fit_segments(ctx, std::move(*prepared), options());
  ASSERT_TRUE(p.ok()) << p.status().what();
  EXPECT_EQ(p->customer_ids, whole->customer_ids);
  EXPECT_EQ(p->labels, whole->labels);
  EXPECT_EQ(p->model.segment_names, whole->model.segment_names);
  EXPECT_EQ(p->model.segments.dump(), whole->model.segments.dump());
  EXPECT_EQ(p->model.clv.dump(), whole->model.clv.dump());
  EXPECT_FALSE(p->model.clv.is_null());
}

TEST_F(PartitionedFit, DataThatCannotBeSegmentedFailsAsTheWholeRead) {
  const fs::path one = *dir_ / "one-buyer";
  fs::create_directories(one);
  {
    std::FILE* f = std::fopen((one / "transactions.csv").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("customer_id,timestamp,amount\na,2024-01-01,10\na,2024-02-01,5\nb,2024-01-03,-3\n", f);
    std::fclose(f);
  }
  const Context ctx(1, 1);
  auto ds = io::load_dataset(ctx, one.string(), {});
  ASSERT_TRUE(ds.ok());
  auto whole = prepare_fit(ctx, *ds, options());
  auto split = io::partition_dataset(ctx, one.string(), {}, 3, spill());
  ASSERT_TRUE(split.ok());
  auto p = prepare_fit_partitioned(ctx, *split, options());
  ASSERT_FALSE(whole.ok());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), whole.status().message());
  EXPECT_NE(p.status().what().find("1 customer with purchases"), std::string::npos) << p.status().what();
}

}  // namespace
}  // namespace kohort::model
