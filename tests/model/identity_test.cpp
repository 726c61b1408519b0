// Segment identity across versions: the matching on hand-made overlaps (renumbering, a death,
// a birth, a split, a merge, names), then a refit of simulated data with another seed and a
// later cut that keeps every id and the `since` of the customers who stay.
#include "kohort/model/identity.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "kohort/core/time.h"
#include "kohort/io/dataset.h"
#include "kohort/model/publish.h"
#include "kohort/sim/simulator.h"

namespace kohort::model {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A fit of customers c000…: customer i in segment labels[i]; segment s's strongest driver is
// `drivers[s]` ("+feature" or "-feature").
FitResult fit_of(const std::vector<std::int32_t>& labels, const std::vector<std::string>& drivers) {
  FitResult f;
  for (std::size_t i = 0; i < labels.size(); ++i) f.customer_ids.push_back(fmt::format("c{:03}", i)), f.labels.push_back(labels[i]);
  f.confidence.assign(labels.size(), 0.5f);
  for (const auto& d : drivers) {  // one raw feature per distinct driver name
    const std::string name = d.substr(1);
    if (std::none_of(f.features.begin(), f.features.end(), [&](const auto& info) { return info.name == name; }))
      f.features.emplace_back().name = name;
  }
  const std::size_t nf = f.features.size();
  f.profiles.population.mean.assign(nf, 0.0);
  f.profiles.population.median.assign(nf, 0.0);
  f.profiles.segments.resize(drivers.size());
  for (std::size_t s = 0; s < drivers.size(); ++s) {
    f.model.segment_names.push_back("fresh " + std::to_string(s));
    auto& p = f.profiles.segments[s];
    p.id = static_cast<std::int32_t>(s);
    p.name = "fresh " + std::to_string(s);
    p.size = std::count(labels.begin(), labels.end(), static_cast<std::int32_t>(s));
    p.mean.assign(nf, 0.0), p.median.assign(nf, 0.0), p.std_diff.assign(nf, std::nan(""));
    const auto feature = static_cast<index_t>(std::find_if(f.features.begin(), f.features.end(), [&](const auto& info) {
                                                return info.name == drivers[s].substr(1);
                                              }) - f.features.begin());
    const double sign = drivers[s][0] == '-' ? -1.0 : 1.0;
    p.std_diff[static_cast<std::size_t>(feature)] = sign;
    auto& d = p.drivers.emplace_back();
    d.feature = feature, d.std_diff = sign;
  }
  f.model.diagnostics = {{"map", {{"segment", labels}}}};
  return f;
}

// The previous version: customer i in segment ids[i] (-1: not there), segment names "old <id>".
PreviousSegmentation previous_of(const std::vector<std::int32_t>& members, const std::vector<std::int32_t>& ids,
                                 const std::vector<std::string>& drivers) {
  PreviousSegmentation p;
  p.version = 1;
  p.ids = ids;
  for (std::size_t j = 0; j < ids.size(); ++j) {
    p.names.push_back("old " + std::to_string(ids[j]));
    p.top_driver.push_back(drivers[j]);
    p.profile.emplace_back();
    p.next_id = std::max(p.next_id, ids[j] + 1);
  }
  for (std::size_t i = 0; i < members.size(); ++i)
    if (members[i] >= 0) p.members.emplace_back(fmt::format("c{:03}", i), members[i]);
  return p;
}

// 40 customers per segment position.
std::vector<std::int32_t> blocks(const std::vector<std::int32_t>& per_block) {
  std::vector<std::int32_t> out;
  for (std::int32_t s : per_block) out.insert(out.end(), 40, s);
  return out;
}

TEST(Identity, ARenumberedPartitionKeepsEveryIdAndName) {
  const auto fit = fit_of(blocks({0, 1, 2}), {"+a", "+b", "+c"});
  const auto prev = previous_of(blocks({7, 3, 5}), {3, 5, 7}, {"+b", "+c", "+a"});
  const Identity id = match_identity(fit, prev);
  EXPECT_EQ(id.ids, (std::vector<std::int32_t>{7, 3, 5}));
  EXPECT_EQ(id.names, (std::vector<std::string>{"old 7", "old 3", "old 5"}));
  EXPECT_TRUE(id.report["births"].empty());
  EXPECT_TRUE(id.report["deaths"].empty());
  EXPECT_TRUE(id.report["renamed"].empty());
  EXPECT_EQ(id.report["next_id"], 8);
  EXPECT_EQ(id.report["matched"][0]["by"], "overlap");
  EXPECT_EQ(id.report["matched"][0]["overlap"], 40);
}

TEST(Identity, ASegmentThatIsGoneIsADeathAndANewOneABirthWithAnUnusedId) {
  // Previous: ids 0, 1, 2 (next id 4: id 3 died in an earlier version). Now segment 2's
  // customers have gone to 0 and 1, and a new group of customers makes a segment of its own.
  auto members = blocks({0, 1, 2, 2});
  for (std::size_t i = 120; i < 160; ++i) members[i] = -1;  // the last 40 are new customers
  auto prev = previous_of(members, {0, 1, 2}, {"+a", "+b", "+c"});
  prev.next_id = 4;
  std::vector<std::int32_t> labels = blocks({0, 1, 0, 2});
  for (std::size_t i = 100; i < 120; ++i) labels[i] = 1;  // half of old 2 to each
  const Identity id = match_identity(fit_of(labels, {"+a", "+b", "+d"}), prev);
  EXPECT_EQ(id.ids, (std::vector<std::int32_t>{0, 1, 4}));
  ASSERT_EQ(id.report["deaths"].size(), 1u);
  EXPECT_EQ(id.report["deaths"][0]["id"], 2);
  ASSERT_EQ(id.report["births"].size(), 1u);
  EXPECT_EQ(id.report["births"][0]["id"], 4);
  EXPECT_EQ(id.report["next_id"], 5);
  // Old 2 split between 0 and 1; new 0 merges old 0 and old 2.
  ASSERT_EQ(id.report["splits"].size(), 1u);
  EXPECT_EQ(id.report["splits"][0]["from"], 2);
  EXPECT_EQ(id.report["splits"][0]["into"].size(), 2u);
  ASSERT_EQ(id.report["merges"].size(), 2u);
  EXPECT_EQ(id.report["merges"][0]["into"], 0);
  EXPECT_EQ(id.report["migration"]["counts"][0][2], 20);
}

TEST(Identity, AMatchedSegmentKeepsItsNameWhileItsProfileSupportsIt) {
  const auto fit = fit_of(blocks({0, 1}), {"+a", "-b"});
  const auto prev = previous_of(blocks({0, 1}), {0, 1}, {"+a", "+b"});  // b's sign flipped
  const Identity id = match_identity(fit, prev);
  EXPECT_EQ(id.names, (std::vector<std::string>{"old 0", "fresh 1"}));
  ASSERT_EQ(id.report["renamed"].size(), 1u);
  EXPECT_EQ(id.report["renamed"][0]["from"], "old 1");
}

TEST(Identity, ThinOverlapFallsBackToTheNearestProfile) {
  // No customer in common (a new customer base), but the profiles agree.
  auto fit = fit_of(blocks({0, 1}), {"+a", "+b"});
  auto prev = previous_of(std::vector<std::int32_t>(80, -1), {4, 9}, {"+b", "+a"});
  prev.profile = {{{"b", 1.0}}, {{"a", 0.9}}};
  fit.profiles.segments[0].std_diff = {1.0, 0.0};       // features a, b
  fit.profiles.segments[1].std_diff = {std::nan(""), 1.1};
  const Identity id = match_identity(fit, prev);
  EXPECT_EQ(id.ids, (std::vector<std::int32_t>{9, 4}));
  EXPECT_EQ(id.report["matched"][0]["by"], "profile");
}

TEST(Identity, ApplyingItRelabelsEverythingThatIsPublished) {
  auto fit = fit_of(blocks({0, 1}), {"+a", "+b"});
  apply_identity(fit, match_identity(fit, previous_of(blocks({6, 2}), {2, 6}, {"+b", "+a"})));
  EXPECT_EQ(fit.model.segment_ids, (std::vector<std::int32_t>{6, 2}));
  EXPECT_EQ(fit.model.id_of(0), 6);
  EXPECT_EQ(fit.model.position_of(2), 1);
  EXPECT_EQ(fit.model.position_of(0), -1);
  EXPECT_EQ(fit.model.segments[1]["id"], 2);
  EXPECT_EQ(fit.model.diagnostics["map"]["segment"][0], 6);
  EXPECT_EQ(fit.profiles.segments[0].id, 6);
  const std::string csv = assignments_csv(fit);
  EXPECT_NE(csv.find("\nc000,6,old 6,"), std::string::npos) << csv.substr(0, 120);
  EXPECT_NE(csv.find("\nc079,2,old 2,"), std::string::npos);
}

// Simulated customers, fitted at a cut and refitted a month later with another seed: every
// segment keeps its id and nearly every customer who stays keeps the date they joined it.
TEST(Identity, ARefitWithAnotherSeedKeepsTheIdsAndTheSinceOfThoseWhoStay) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("kohort-identity-test-{}", ::getpid());
  sim::SimulateOptions so;
  so.customers = 3000;
  so.out_dir = (dir / "data").string();
  const Context ctx = Context().with_seed(11).with_threads(2);
  ASSERT_TRUE(sim::simulate(ctx, so).ok());
  auto data = io::load_dataset(ctx, so.out_dir, {});
  ASSERT_TRUE(data.ok()) << data.status().what();
  auto store = store::Store::open((dir / "s.db").string());
  ASSERT_TRUE(store.ok());
  FitOptions o;
  o.k = 6;
  o.n_init = 2;
  o.rule_rows = 2000;
  o.map_points = 300;
  o.kohort_version = "test";
  o.created_at = "2026-01-01T00:00:00Z";
  const Seconds first_cut = *parse_iso8601("2024-06-01"), second_cut = *parse_iso8601("2024-07-01");
  std::vector<FitResult> fits;
  for (const auto& [seed, cut] : {std::pair{5, first_cut}, std::pair{6, second_cut}}) {
    o.as_of = cut;
    auto fit = fit_segments(ctx.with_seed(static_cast<std::uint64_t>(seed)), *data, o);
    ASSERT_TRUE(fit.ok()) << fit.status().what();
    auto previous = read_previous(**store);
    ASSERT_TRUE(previous.ok());
    apply_identity(*fit, *previous ? match_identity(*fit, **previous) : first_identity(*fit));
    ASSERT_TRUE(publish(**store, *fit, {"test", "", json::object()}).ok());
    fits.push_back(std::move(*fit));
  }
  const json& report = fits[1].model.identity;
  EXPECT_EQ(report["matched"].size(), 6u) << report.dump();
  EXPECT_TRUE(report["births"].empty());
  EXPECT_TRUE(report["deaths"].empty());
  auto before = (*store)->assignments(1), after = (*store)->assignments(2);
  ASSERT_TRUE(before.ok() && after.ok());
  std::size_t stayed = 0, kept_since = 0;
  for (std::size_t i = 0, j = 0; i < after->size(); ++i) {
    while (j < before->size() && (*before)[j].customer_id < (*after)[i].customer_id) ++j;
    if (j == before->size() || (*before)[j].customer_id != (*after)[i].customer_id) continue;
    if ((*before)[j].segment != (*after)[i].segment) continue;
    ++stayed;
    kept_since += (*after)[i].since == format_datetime(first_cut);
  }
  EXPECT_GT(stayed, before->size() / 2);
  EXPECT_EQ(kept_since, stayed);  // everyone who stays keeps the date they joined
  RecordProperty("stayed", static_cast<int>(stayed));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kohort::model
