// The whole fit on simulated data: the stored model reassigns its own customers exactly, the
// result does not depend on the thread count, later events do not leak into an as-of fit,
// and the JSON round trip keeps everything assignment needs.
#include <filesystem>
#include <functional>
#include <set>

#include <gtest/gtest.h>

#include "kohort/io/dataset.h"
#include "kohort/features/compute.h"
#include "kohort/model/fit.h"
#include "kohort/model/reference.h"
#include "kohort/model/report_data.h"
#include "kohort/select/compare.h"
#include "kohort/sim/simulator.h"

namespace kohort::model {
namespace {

namespace fs = std::filesystem;

// One simulated dataset shared by the tests of this file (written once).
const io::Dataset& dataset() {
  static const io::Dataset data = [] {
    const fs::path dir = fs::temp_directory_path() / fmt::format("kohort-fit-test-{}", ::getpid());
    sim::SimulateOptions so;
    so.customers = 3000;
    so.out_dir = dir.string();
    so.block_customers = 512;
    const Context ctx = Context().with_seed(11).with_threads(2);
    EXPECT_TRUE(sim::simulate(ctx, so).ok());
    auto d = io::load_dataset(ctx, dir.string(), {});
    EXPECT_TRUE(d.ok()) << d.status().what();
    fs::remove_all(dir);
    return std::move(*d);
  }();
  return data;
}

FitOptions small_options() {
  FitOptions o;
  o.k_min = 3;
  o.k_max = 8;
  o.scan_rows = 1500;
  o.n_init = 2;
  o.rule_rows = 2000;
  o.map_points = 500;
  o.kohort_version = "test";
  o.created_at = "2026-01-01T00:00:00Z";
  return o;
}

TEST(Fit, ModelReassignsItsOwnCustomers) {
  const Context ctx = Context().with_seed(5).with_threads(2);
  auto fit = fit_segments(ctx, dataset(), small_options());
  ASSERT_TRUE(fit.ok()) << fit.status().what();
  const int k = fit->model.k();
  EXPECT_GE(k, 3);
  EXPECT_LE(k, 8);
  ASSERT_TRUE(fit->choice.has_value());
  EXPECT_EQ(fit->choice->k, k);
  ASSERT_EQ(fit->labels.size(), fit->customer_ids.size());

  // Through JSON text and back, then assigned from recomputed features.
  const std::string text = fit->model.to_json().dump();
  auto back = SegmentModel::from_json(nlohmann::json::parse(text));
  ASSERT_TRUE(back.ok()) << back.status().what();
  features::FeatureSpec spec = back->spec;
  spec.as_of = back->as_of;
  auto raw = features::compute_features(ctx, dataset().log, spec);
  ASSERT_TRUE(raw.ok());
  auto a = assign(ctx, *back, *raw);
  ASSERT_TRUE(a.ok()) << a.status().what();
  EXPECT_TRUE(a->missing_features.empty());
  EXPECT_EQ(a->labels, fit->labels);
  EXPECT_EQ(a->confidence, fit->confidence);

  // The monitor's reference reads back exactly: quantiles and bin edges are the columns' floats.
  const Reference& ref = back->reference;
  EXPECT_EQ(ref.quantiles, fit->model.reference.quantiles);
  EXPECT_EQ(ref.bin_edges, fit->model.reference.bin_edges);
  ASSERT_EQ(ref.segments.size(), static_cast<std::size_t>(k));
  std::int64_t members = 0;
  for (const auto& seg : ref.segments) members += seg.size;
  EXPECT_EQ(members, static_cast<std::int64_t>(fit->labels.size()));
  for (std::size_t c = 0; c < ref.bin_shares.size(); ++c) {
    double total = 0;
    for (const double v : ref.bin_shares[c]) total += v;
    EXPECT_NEAR(total, 1.0, 1e-5) << c;
  }

  // Names are unique and every segment has a profile, a narrative and drivers.
  std::set<std::string> names(fit->model.segment_names.begin(), fit->model.segment_names.end());
  EXPECT_EQ(static_cast<int>(names.size()), k);
  ASSERT_EQ(static_cast<int>(fit->model.segments.size()), k);
  index_t total = 0;
  double share = 0, revenue_share = 0;
  for (const auto& s : fit->model.segments) {
    total += s["size"].get<index_t>();
    share += s["share"].get<double>();
    revenue_share += s["revenue_share"].get<double>();
    EXPECT_FALSE(s["narrative"].get<std::string>().empty());
    EXPECT_FALSE(s["drivers"].empty());
    EXPECT_LE(s["drivers"].size(), 5U);
    EXPECT_FALSE(s["rules"].empty());
    ASSERT_EQ(s["features"].size(), fit->features.size());  // every feature against the population
    EXPECT_EQ(s["features"][0]["feature"], fit->features[0].name);
    EXPECT_FALSE(s["attributes"].empty());  // the simulated data has a customers stream
    for (const auto& r : s["rules"]) {
      EXPECT_GE(r["precision"].get<double>(), 0.0);
      EXPECT_LE(r["precision"].get<double>(), 1.0);
    }
  }
  EXPECT_EQ(total, static_cast<index_t>(fit->labels.size()));
  EXPECT_NEAR(share, 1.0, 1e-9);
  EXPECT_NEAR(revenue_share, 1.0, 1e-9);
  // Confidence is in [0, 1].
  for (float c : fit->confidence) {
    EXPECT_GE(c, 0.0f);
    EXPECT_LE(c, 1.0f);
  }
  // The CLV models were fitted on the simulated purchases.
  EXPECT_TRUE(fit->model.clv.contains("mbgnbd"));
  // The report's data comes from the stored document alone.
  const auto read = report_data(text, 3);
  ASSERT_TRUE(read.ok()) << read.status().message();
  const auto& report = *read;
  EXPECT_EQ(report["model_version"], 3);
  EXPECT_EQ(report["segments"].size(), static_cast<std::size_t>(k));
  EXPECT_EQ(report["heatmap"]["values"].size(), static_cast<std::size_t>(k));
  EXPECT_EQ(report["map"]["x"].size(), 500U);
  EXPECT_EQ(report["choice"]["chosen_k"], k);
}

TEST(Fit, SameResultAtAnyThreadCount) {
  FitOptions o = small_options();
  o.k = 5;
  auto one = fit_segments(Context().with_seed(9).with_threads(1), dataset(), o);
  auto two = fit_segments(Context().with_seed(9).with_threads(2), dataset(), o);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(one->labels, two->labels);
  EXPECT_EQ(one->model.segment_names, two->model.segment_names);
  const auto a = one->model.to_json(), b = two->model.to_json();
  for (const auto& [key, value] : a.items()) {
    if (key == "diagnostics") {
      for (const auto& [dk, dv] : value.items()) EXPECT_TRUE(dv == b[key][dk]) << "model key diagnostics." << dk << " " << dv.dump().substr(0, 300) << " vs " << b[key][dk].dump().substr(0, 300);
      continue;
    }
    EXPECT_TRUE(value == b[key]) << "model key " << key << " " << value.dump().substr(0, 600) << " vs " << b[key].dump().substr(0, 600);
  }
}

TEST(Fit, GaussianMixtureGivesPosteriorConfidence) {
  FitOptions o = small_options();
  o.k = 4;
  o.algorithm = "gmm";
  const Context ctx = Context().with_seed(3).with_threads(2);
  auto fit = fit_segments(ctx, dataset(), o);
  ASSERT_TRUE(fit.ok()) << fit.status().what();
  EXPECT_TRUE(fit->metrics.contains("bic"));
  auto back = SegmentModel::from_json(nlohmann::json::parse(fit->model.to_json().dump()));
  ASSERT_TRUE(back.ok()) << back.status().what();
  features::FeatureSpec spec = back->spec;
  spec.as_of = back->as_of;
  auto raw = features::compute_features(ctx, dataset().log, spec);
  ASSERT_TRUE(raw.ok());
  auto a = assign(ctx, *back, *raw);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->labels, fit->labels);
  for (float c : fit->confidence) EXPECT_GE(c, 1.0f / 4 - 1e-6f);
}

TEST(Fit, AutoComparesKMeansWithAMixtureAndSaysWhy) {
  FitOptions o = small_options();
  o.k = 4;
  o.algorithm = "auto";
  auto fit = fit_segments(Context().with_seed(4).with_threads(2), dataset(), o);
  ASSERT_TRUE(fit.ok()) << fit.status().what();
  const auto& c = fit->algorithm_choice;
  // k-means, the Gaussian mixture at k and HDBSCAN; the best silhouette among the eligible wins,
  // a later candidate by at least 0.01.
  ASSERT_EQ(c["candidates"].size(), 3U);
  std::string expected = "kmeans";
  double best = -2;
  for (const auto& cand : c["candidates"]) {
    if (!cand["eligible"].get<bool>()) continue;
    const double s = cand["silhouette"].get<double>();
    if (best < -1 || s > best + 0.01) best = s, expected = cand["algo"].get<std::string>();
  }
  EXPECT_EQ(c["chosen"], expected);
  EXPECT_EQ(fit->model.clusterer.algorithm, c["chosen"].get<std::string>());
  EXPECT_NE(c["reason"].get<std::string>().find("silhouette"), std::string::npos);
  EXPECT_EQ(fit->model.diagnostics["algorithm"], c);
}

TEST(Fit, AsOfHidesLaterEvents) {
  // Fitting as of a date on the full data equals fitting on the data cut at that date.
  const auto& full = dataset();
  const Seconds cut = (day_of(full.log.last_event_time()) - 120) * kSecondsPerDay;
  FitOptions o = small_options();
  o.k = 4;
  o.as_of = cut;
  const Context ctx = Context().with_seed(2).with_threads(2);
  auto a = fit_segments(ctx, full, o);
  ASSERT_TRUE(a.ok()) << a.status().what();

  io::Dataset trimmed;
  trimmed.log = full.log;  // copy, then drop everything at or after the cut
  auto& tx = trimmed.log.transactions;
  events::Transactions kept;
  kept.orders = tx.orders;
  kept.products = tx.products;
  kept.categories = tx.categories;
  kept.channels = tx.channels;
  kept.payments = tx.payments;
  for (index_t i = 0; i < tx.size(); ++i) {
    const auto u = static_cast<std::size_t>(i);
    if (tx.time[u] >= cut) continue;
    kept.customer.push_back(tx.customer[u]);
    kept.time.push_back(tx.time[u]);
    kept.amount.push_back(tx.amount[u]);
    if (!tx.order.empty()) kept.order.push_back(tx.order[u]);
    if (!tx.quantity.empty()) kept.quantity.push_back(tx.quantity[u]);
    if (!tx.product.empty()) kept.product.push_back(tx.product[u]);
    if (!tx.category.empty()) kept.category.push_back(tx.category[u]);
    if (!tx.channel.empty()) kept.channel.push_back(tx.channel[u]);
    if (!tx.payment.empty()) kept.payment.push_back(tx.payment[u]);
    if (!tx.discount.empty()) kept.discount.push_back(tx.discount[u]);
    if (!tx.returned.empty()) kept.returned.push_back(tx.returned[u]);
  }
  tx = std::move(kept);
  ASSERT_TRUE(trimmed.log.finalize().ok());
  auto b = fit_segments(ctx, trimmed, o);
  ASSERT_TRUE(b.ok()) << b.status().what();
  EXPECT_EQ(a->labels, b->labels);
  EXPECT_EQ(a->model.segment_names, b->model.segment_names);
}

TEST(Fit, RejectsWhatItCannotFit) {
  FitOptions o = small_options();
  o.algorithm = "dbscan";
  auto r = fit_segments(Context(), dataset(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().where(), "--algo");
  o = small_options();
  o.k = 100000;
  r = fit_segments(Context(), dataset(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().what().find("too few"), std::string::npos);
}

TEST(Model, RejectsForeignDocuments) {
  EXPECT_FALSE(SegmentModel::from_json(nlohmann::json::object()).ok());
  auto r = SegmentModel::from_json({{"format", "kohort.segment-model"}, {"format_version", 99}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().what().find("newer"), std::string::npos);
}

// Found by fuzz/model_json_fuzz.cpp: parts of a stored model of the wrong JSON type were read
// past their end instead of being refused.
TEST(Model, RefusesPartsOfTheWrongType) {
  const Context ctx = Context().with_seed(5).with_threads(2);
  auto fit = fit_segments(ctx, dataset(), small_options());
  ASSERT_TRUE(fit.ok()) << fit.status().what();
  const nlohmann::json good = fit->model.to_json();
  ASSERT_TRUE(SegmentModel::from_json(good).ok());
  const std::vector<std::pair<std::string, std::function<void(nlohmann::json&)>>> spoilers = {
      {"algorithm", [](nlohmann::json& j) { j["clusterer"] = 7; }},
      {"clusterer.centers", [](nlohmann::json& j) { j["clusterer"]["centers"] = "x"; }},
      {"clusterer.centers", [](nlohmann::json& j) { j["clusterer"]["centers"][0][0] = "x"; }},
      {"clusterer.centers", [](nlohmann::json& j) { j["clusterer"]["centers"][0] = {1}; }},
      {"clusterer", [](nlohmann::json& j) { j.erase("clusterer"); }},
      {"malformed", [](nlohmann::json& j) { j["segment_names"] = {1, 2, 3}; }},
      {"reference", [](nlohmann::json& j) { j["reference"]["quantiles"][0][3] = 1e9; }},
      {"reference", [](nlohmann::json& j) { j["reference"]["bin_shares"][0].push_back(0.5); }},
      {"reference", [](nlohmann::json& j) { j["reference"]["segments"].erase(0); }},
      {"reference", [](nlohmann::json& j) { j["reference"]["segments"][0]["var"][0] = -1; }},
      {"reference", [](nlohmann::json& j) { j["reference"]["segments"][0]["centroid"] = nlohmann::json::array(); }},
  };
  for (const auto& [expect, spoil] : spoilers) {
    nlohmann::json bad = good;
    spoil(bad);
    const auto r = SegmentModel::from_json(bad);
    ASSERT_FALSE(r.ok()) << expect;
    EXPECT_EQ(r.status().code(), Code::invalid_input) << expect;
    EXPECT_NE(r.status().what().find(expect == "malformed" ? "" : expect), std::string::npos)
        << expect << ": " << r.status().what();
  }
}

}  // namespace
}  // namespace kohort::model
