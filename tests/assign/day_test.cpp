// assign_day(): with the controls off it is the model's predict(); each control (residency,
// margin, smoothing) does what it says on a case small enough to check by hand; transitions,
// counts and the alarm; the same answer at any thread count.
#include "kohort/assign/day.h"

#include <cmath>
#include <random>

#include <fmt/format.h>

#include <gtest/gtest.h>

namespace kohort::assign {
namespace {

constexpr Seconds kDay = kSecondsPerDay;
constexpr Seconds kFit = 19723 * kDay;  // 2024-01-01

// Three centres on a line in 2-D: (0,0), (10,0), (20,0).
model::SegmentModel line_model() {
  model::SegmentModel m;
  m.clusterer.algorithm = "kmeans";
  m.clusterer.centers = Matrix<float>(3, 2);
  for (index_t s = 0; s < 3; ++s) m.clusterer.centers(s, 0) = 10.0f * static_cast<float>(s);
  m.segment_names = {"a", "b", "c"};
  m.as_of = kFit;
  return m;
}

model::SegmentModel mixture_model() {
  model::SegmentModel m = line_model();
  cluster::GmmFit g;
  g.k = 3, g.d = 2;
  g.weights = {0.5, 0.3, 0.2};
  g.means = {0, 0, 10, 0, 20, 0};
  g.covariances = {4, 1, 9, 1, 4, 2};
  m.clusterer.algorithm = "gmm";
  m.clusterer.gmm = g;
  return m;
}

model::Embedded rows(const std::vector<std::pair<float, float>>& points) {
  model::Embedded e;
  e.space = Matrix<float>(static_cast<index_t>(points.size()), 2);
  e.selected = Matrix<float>(static_cast<index_t>(points.size()), 0);
  for (std::size_t i = 0; i < points.size(); ++i) {
    e.space(static_cast<index_t>(i), 0) = points[i].first;
    e.space(static_cast<index_t>(i), 1) = points[i].second;
  }
  return e;
}

std::vector<std::string> ids_for(std::size_t n) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < n; ++i) ids.push_back(fmt::format("c{:05}", i));
  return ids;
}

// A base in which customer i stands in segments[i] since `since`, as a fit leaves it.
Standing base(const std::vector<std::int32_t>& segments, Seconds since, Seconds as_of = kFit) {
  Standing s;
  s.as_of = as_of;
  const auto ids = ids_for(segments.size());
  for (std::size_t i = 0; i < segments.size(); ++i) s.customers.push_back({ids[i], segments[i], segments[i], 1.0f, since, {}});
  return s;
}

Controls off() { return {0, 0, 0, 0.15}; }

Context ctx_with(int threads) { return Context(threads, 7); }

void expect_reproduces_predict(const model::SegmentModel& m) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-5.0f, 25.0f);
  std::vector<std::pair<float, float>> points;
  for (int i = 0; i < 3000; ++i) points.emplace_back(u(rng), u(rng) / 5);
  const auto today = rows(points);
  const auto expected = model::predict(ctx_with(2), m.clusterer, today.space.cview());
  ASSERT_TRUE(expected.ok());
  const auto r = assign_day(ctx_with(2), m, base(expected->labels, kFit - 30 * kDay), ids_for(points.size()), today,
                            kFit, off());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->customers.size(), points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {  // ids sort as rows do here
    EXPECT_EQ(r->customers[i].segment, expected->labels[i]) << i;
    EXPECT_EQ(r->customers[i].raw_segment, expected->labels[i]) << i;
    EXPECT_EQ(r->customers[i].confidence, expected->confidence[i]) << i;
    EXPECT_EQ(r->customers[i].since, kFit - 30 * kDay);
  }
  EXPECT_TRUE(r->transitions.empty());
  EXPECT_EQ(r->raw_moved_share, 0.0);
  EXPECT_FALSE(r->alarm);
}

TEST(AssignDay, WithTheControlsOffItIsTheModelsPredictionForCentres) { expect_reproduces_predict(line_model()); }
TEST(AssignDay, WithTheControlsOffItIsTheModelsPredictionForMixtures) { expect_reproduces_predict(mixture_model()); }

TEST(AssignDay, ResidencyHoldsACustomerUntilTheyHaveStayedLongEnough) {
  Controls c = off();
  c.min_residency_days = 7;
  const auto today = rows({{10.0f, 0.0f}, {10.0f, 0.0f}});  // both now at centre b
  // Customer 0 entered a 3 days ago, customer 1 ten days ago.
  Standing before = base({0, 0}, kFit);
  before.customers[0].since = kFit + 7 * kDay;
  before.customers[1].since = kFit;
  const auto r = assign_day(ctx_with(1), line_model(), before, ids_for(2), today, kFit + 10 * kDay, c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->customers[0].segment, 0);
  EXPECT_EQ(r->customers[0].raw_segment, 1);
  EXPECT_EQ(r->customers[0].since, kFit + 7 * kDay);
  EXPECT_EQ(r->customers[1].segment, 1);
  EXPECT_EQ(r->customers[1].since, kFit + 10 * kDay);
  ASSERT_EQ(r->transitions.size(), 2u);
  EXPECT_EQ(r->transitions[0].reason, "held");
  EXPECT_EQ(r->transitions[0].from, 0);
  EXPECT_EQ(r->transitions[0].to, 1);  // what the model answered
  EXPECT_EQ(r->transitions[1].reason, "moved");
  EXPECT_EQ(r->held, 1);
  EXPECT_EQ(r->moved, 1);
  EXPECT_DOUBLE_EQ(r->moved_share, 0.5);
  EXPECT_DOUBLE_EQ(r->raw_moved_share, 1.0);  // both raw answers changed from the fit's
}

TEST(AssignDay, TheMarginKeepsCustomersOnABoundaryWhereTheyAre) {
  Controls c = off();
  c.switch_margin = 0.5;  // d²(current) ≥ 1.5·d²(new) to move
  // x = 5.5: d² to a = 30.25, to b = 20.25, ratio 1.49 → held; x = 6: 36 vs 16 → moved.
  const auto r = assign_day(ctx_with(1), line_model(), base({0, 0}, kFit - 90 * kDay), ids_for(2),
                            rows({{5.5f, 0.0f}, {6.0f, 0.0f}}), kFit + kDay, c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->customers[0].segment, 0);
  EXPECT_EQ(r->customers[0].confidence, 0.0f);  // standing against the model's answer
  EXPECT_EQ(r->customers[1].segment, 1);
  EXPECT_EQ(r->transitions[0].reason, "held");
  EXPECT_EQ(r->transitions[1].reason, "moved");
}

TEST(AssignDay, SmoothingBlendsTodayWithTheKeptVectorByTheHalfLife) {
  Controls c = off();
  c.smoothing_halflife_days = 7;
  Standing before = base({0}, kFit - 90 * kDay, kFit);
  before.customers[0].smoothed = {0.0f, 0.0f};
  // Seven days later (one half-life) today's vector (12, 2) weighs one half: (6, 1), still
  // nearer b than a by d², so the customer moves; the kept vector is the blend.
  const auto r = assign_day(ctx_with(1), line_model(), before, ids_for(1), rows({{12.0f, 2.0f}}), kFit + 7 * kDay, c);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->customers[0].smoothed.size(), 2u);
  EXPECT_FLOAT_EQ(r->customers[0].smoothed[0], 6.0f);
  EXPECT_FLOAT_EQ(r->customers[0].smoothed[1], 1.0f);
  EXPECT_EQ(r->customers[0].segment, 1);
  // A day later (w = 1 − 2^(−1/7) ≈ 0.094) a jump to (20, 0) moves the blend only to about
  // (7.3, 0.9): still b, though the raw answer is c.
  Standing next;
  next.as_of = kFit + 7 * kDay;
  next.customers = r->customers;
  const auto r2 = assign_day(ctx_with(1), line_model(), next, ids_for(1), rows({{20.0f, 0.0f}}), kFit + 8 * kDay, c);
  ASSERT_TRUE(r2.ok());
  const double w = 1.0 - std::exp2(-1.0 / 7.0);
  EXPECT_NEAR(r2->customers[0].smoothed[0], w * 20 + (1 - w) * 6, 1e-5);
  EXPECT_EQ(r2->customers[0].segment, 1);
  EXPECT_EQ(r2->customers[0].raw_segment, 2);
  EXPECT_TRUE(r2->transitions.empty());
}

TEST(AssignDay, NewAndLeftCustomersAreTransitionsAndCountsAddUp) {
  Standing before = base({0, 1, 2}, kFit);  // c00000, c00001, c00002
  std::vector<std::string> ids = {"c00003", "c00001", "c00000"};  // c00002 left, c00003 is new
  const auto r = assign_day(ctx_with(1), line_model(), before, ids, rows({{20, 0}, {10, 0}, {10, 0}}), kFit + kDay, off());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->customers.size(), 3u);
  EXPECT_EQ(r->customers[0].customer_id, "c00000");  // in id order
  ASSERT_EQ(r->transitions.size(), 3u);
  EXPECT_EQ(r->transitions[0].customer_id, "c00000");
  EXPECT_EQ(r->transitions[0].reason, "moved");
  EXPECT_EQ(r->transitions[1].customer_id, "c00002");
  EXPECT_EQ(r->transitions[1].reason, "left");
  EXPECT_FALSE(r->transitions[1].to.has_value());
  EXPECT_EQ(r->transitions[2].reason, "new");
  EXPECT_FALSE(r->transitions[2].from.has_value());
  EXPECT_EQ(r->new_customers, 1);
  EXPECT_EQ(r->left, 1);
  EXPECT_EQ(r->segments[1].size, 2);
  EXPECT_EQ(r->segments[1].entered, 1);
  EXPECT_EQ(r->segments[0].exited, 1);
  EXPECT_EQ(r->segments[2].entered, 1);
  EXPECT_EQ(r->segments[2].exited, 1);
  EXPECT_DOUBLE_EQ(r->raw_moved_share, 1.0 / 3.0);  // c00000 answered 1 after 0
  EXPECT_TRUE(r->alarm);                              // above 0.15
}

TEST(AssignDay, TheAnswerDoesNotDependOnTheThreadCount) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-5.0f, 25.0f);
  std::vector<std::pair<float, float>> points;
  std::vector<std::int32_t> segs;
  for (int i = 0; i < 20000; ++i) points.emplace_back(u(rng), u(rng)), segs.push_back(i % 3);
  Standing before = base(segs, kFit - 5 * kDay);
  for (auto& c : before.customers) c.smoothed = {u(rng), u(rng)};
  const Controls c;
  const auto one = assign_day(ctx_with(1), mixture_model(), before, ids_for(points.size()), rows(points), kFit + 3 * kDay, c);
  const auto two = assign_day(ctx_with(2), mixture_model(), before, ids_for(points.size()), rows(points), kFit + 3 * kDay, c);
  ASSERT_TRUE(one.ok() && two.ok());
  for (std::size_t i = 0; i < points.size(); ++i) {
    ASSERT_EQ(one->customers[i].segment, two->customers[i].segment);
    ASSERT_EQ(one->customers[i].confidence, two->customers[i].confidence);
    ASSERT_EQ(one->customers[i].smoothed, two->customers[i].smoothed);
  }
  EXPECT_EQ(one->transitions.size(), two->transitions.size());
  EXPECT_GT(one->held, 0);
  EXPECT_GT(one->moved, 0);
}

TEST(AssignDay, AColumnWhoseMeanJumpsSetsOffTheAlarmAndIsNamed) {
  model::SegmentModel m = line_model();
  m.transform.columns.resize(2);
  m.transform.columns[0].name = "spend_total";
  m.transform.columns[1].name = "visits";
  m.selected = {0, 1};
  m.reference.mean = {0.0, 0.0};
  m.reference.sd = {2.0, 1.0};
  Standing before = base({0, 0}, kFit - 90 * kDay);
  before.feature_means = m.reference.mean;
  model::Embedded today = rows({{0, 0}, {0, 0}});
  today.selected = Matrix<float>(2, 2);
  today.selected(0, 0) = 5.0f, today.selected(1, 0) = 4.0f;    // spend mean 4.5: +2.25 sd of 2
  today.selected(0, 1) = 0.1f, today.selected(1, 1) = -0.1f;   // visits unmoved
  const auto r = assign_day(ctx_with(1), m, before, ids_for(2), today, kFit + kDay, off());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->raw_moved_share, 0.0);
  ASSERT_TRUE(r->alarm);
  EXPECT_EQ(r->alarm_reasons, std::vector<std::string>{"feature_shift"});
  ASSERT_EQ(r->top_moves.size(), 2u);
  EXPECT_EQ(r->top_moves[0].feature, "spend_total");
  EXPECT_DOUBLE_EQ(r->top_moves[0].shift_sd, 2.25);
  Controls lenient = off();
  lenient.max_feature_shift = 3;
  EXPECT_FALSE(assign_day(ctx_with(1), m, before, ids_for(2), today, kFit + kDay, lenient)->alarm);
}

TEST(AssignDay, ARepeatedIdIsRefused) {
  const auto r = assign_day(ctx_with(1), line_model(), base({0}, kFit), {"x", "x"}, rows({{0, 0}, {1, 0}}), kFit, off());
  EXPECT_EQ(r.status().code(), Code::invalid_input);
}

}  // namespace
}  // namespace kohort::assign
