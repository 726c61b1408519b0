#include "kohort/profile/surrogate_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "common/fixtures.h"
#include "kohort/core/rng.h"

namespace kohort::profile {
namespace {

std::size_t at(index_t i) { return static_cast<std::size_t>(i); }

void expect_same_tree(const DecisionTree& a, const DecisionTree& b) {
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  EXPECT_EQ(a.rows_used, b.rows_used);
  for (std::size_t k = 0; k < a.nodes.size(); ++k) {
    SCOPED_TRACE("node " + std::to_string(k));
    EXPECT_EQ(a.nodes[k].feature, b.nodes[k].feature);
    EXPECT_EQ(a.nodes[k].threshold, b.nodes[k].threshold);
    EXPECT_EQ(a.nodes[k].left, b.nodes[k].left);
    EXPECT_EQ(a.nodes[k].right, b.nodes[k].right);
    EXPECT_EQ(a.nodes[k].samples, b.nodes[k].samples);
    EXPECT_EQ(a.nodes[k].weight, b.nodes[k].weight);
    EXPECT_EQ(a.nodes[k].impurity, b.nodes[k].impurity);
  }
  EXPECT_EQ(a.values, b.values);
}

// ---------------------------------------------------------------------------------------------
// Against scikit-learn 1.2.1 (tests/fixtures/gen/profile_tree.py).

TEST(SurrogateTree, MatchesScikitLearnTreesNodeForNode) {
  const auto j = testing::load_json("profile/tree_600x5.json");
  const Matrix<float> x = testing::load_csv_matrix("profile/" + j["data"].get<std::string>());
  ASSERT_EQ(x.rows(), 600);
  ASSERT_EQ(x.cols(), 5);
  const std::vector<float> weights = j["weights"].get<std::vector<float>>();
  for (const auto& c : j["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>() + "; " + j["source"].get<std::string>());
    const auto y = j["labels"][c["labels"].get<std::string>()].get<std::vector<std::int32_t>>();
    TreeOptions opt;
    opt.max_depth = c["max_depth"];
    opt.min_samples_leaf = c["min_samples_leaf"];
    opt.min_impurity_decrease = c.value("min_impurity_decrease", 0.0);
    const bool weighted = c["weighted"];
    const std::span<const float> wts = weighted ? std::span<const float>(weights)
                                                : std::span<const float>();
    const auto fit = fit_tree(Context(2, 0), x.cview(), y, c["n_classes"], opt, wts);
    ASSERT_TRUE(fit.ok()) << fit.status().message();
    const auto& t = c["tree"];
    const auto& nodes = fit->nodes;
    ASSERT_EQ(nodes.size(), t["feature"].size());
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      SCOPED_TRACE("node " + std::to_string(k));
      EXPECT_EQ(nodes[k].feature, t["feature"][k].get<int>());
      EXPECT_EQ(nodes[k].left, t["left"][k].get<int>());
      EXPECT_EQ(nodes[k].right, t["right"][k].get<int>());
      EXPECT_EQ(nodes[k].samples, t["n_node_samples"][k].get<index_t>());
      const double w = t["weighted_n_node_samples"][k];
      EXPECT_NEAR(nodes[k].weight, w, 1e-12 * w);
      EXPECT_NEAR(nodes[k].impurity, t["impurity"][k].get<double>(), 1e-12);
      for (int cls = 0; cls < fit->n_classes; ++cls) {
        const double v = t["value"][k][static_cast<std::size_t>(cls)];
        EXPECT_NEAR(fit->value(static_cast<std::int32_t>(k))[static_cast<std::size_t>(cls)], v,
                    1e-12 * std::max(1.0, v));
      }
      if (!nodes[k].is_leaf()) {
        // The largest float32 not above scikit-learn's double threshold.
        const double ref = t["threshold"][k];
        EXPECT_LE(static_cast<double>(nodes[k].threshold), ref);
        EXPECT_GT(static_cast<double>(std::nextafter(nodes[k].threshold,
                                                     std::numeric_limits<float>::infinity())),
                  ref);
      }
    }
    EXPECT_EQ(fit->predict(x.cview()), c["predict"].get<std::vector<std::int32_t>>());
    EXPECT_LE(fit->depth(), opt.max_depth);
  }
}

// ---------------------------------------------------------------------------------------------
// A naive twin: recursive CART over explicit row lists, each node sorting its own rows.

struct NaiveNode {
  int feature = -1;
  float threshold = 0;
  int left = -1, right = -1;
  index_t samples = 0;
  double weight = 0;
  std::vector<double> value;
};

struct Naive {
  MatrixView<const float> x;
  std::span<const std::int32_t> y;
  std::vector<double> w;
  int C = 0;
  TreeOptions opt;
  double total = 0;
  std::vector<NaiveNode> nodes;

  static double gini(const std::vector<double>& v, double wsum) {
    double sq = 0;
    for (double c : v) sq += c * c;
    return 1.0 - sq / (wsum * wsum);
  }

  int build(const std::vector<index_t>& rows, int depth) {
    NaiveNode node;
    node.value.assign(static_cast<std::size_t>(C), 0.0);
    for (index_t r : rows) {
      node.value[static_cast<std::size_t>(y[at(r)])] += w[at(r)];
      node.weight += w[at(r)];
    }
    node.samples = static_cast<index_t>(rows.size());
    const int id = static_cast<int>(nodes.size());
    nodes.push_back(node);
    const double imp = gini(node.value, node.weight);
    if (depth >= opt.max_depth || node.samples < opt.min_samples_split ||
        node.samples < 2 * opt.min_samples_leaf || imp <= std::numeric_limits<double>::epsilon())
      return id;
    double best = -std::numeric_limits<double>::infinity();
    int best_f = -1;
    float best_t = 0;
    for (index_t f = 0; f < x.cols; ++f) {
      std::vector<index_t> s = rows;
      std::sort(s.begin(), s.end(), [&](index_t a, index_t b) {
        return x(a, f) < x(b, f) || (x(a, f) == x(b, f) && a < b);
      });
      std::vector<double> left(static_cast<std::size_t>(C), 0.0);
      double wl = 0;
      for (std::size_t p = 1; p < s.size(); ++p) {
        left[static_cast<std::size_t>(y[at(s[p - 1])])] += w[at(s[p - 1])];
        wl += w[at(s[p - 1])];
        const float prev = x(s[p - 1], f), cur = x(s[p], f);
        if (!(cur > prev + 1e-7f)) continue;
        const auto nl = static_cast<index_t>(p);
        if (nl < opt.min_samples_leaf || node.samples - nl < opt.min_samples_leaf) continue;
        const double wr = node.weight - wl;
        double sql = 0, sqr = 0;
        for (std::size_t c = 0; c < left.size(); ++c) {
          const double r = node.value[c] - left[c];
          sql += left[c] * left[c];
          sqr += r * r;
        }
        // −W_r·G_r − W_l·G_l + W_node: scikit-learn's proxy up to a constant of the node.
        const double proxy = sql / wl + sqr / wr;
        if (proxy > best) {
          best = proxy;
          best_f = static_cast<int>(f);
          const double mid = double(prev) / 2.0 + double(cur) / 2.0;
          best_t = static_cast<float>(mid);
          while (double(best_t) > mid) best_t = std::nextafter(best_t, -1e30f);
        }
      }
    }
    if (best_f < 0) return id;
    std::vector<index_t> l, r;
    for (index_t row : rows) (x(row, best_f) <= best_t ? l : r).push_back(row);
    std::vector<double> vl(static_cast<std::size_t>(C), 0.0), vr(static_cast<std::size_t>(C), 0.0);
    double wl = 0, wr = 0;
    for (index_t row : l) vl[static_cast<std::size_t>(y[at(row)])] += w[at(row)], wl += w[at(row)];
    for (index_t row : r) vr[static_cast<std::size_t>(y[at(row)])] += w[at(row)], wr += w[at(row)];
    const double improvement = node.weight / total *
                               (imp - wr / node.weight * gini(vr, wr) -
                                wl / node.weight * gini(vl, wl));
    if (improvement + std::numeric_limits<double>::epsilon() < opt.min_impurity_decrease) return id;
    nodes[static_cast<std::size_t>(id)].feature = best_f;
    nodes[static_cast<std::size_t>(id)].threshold = best_t;
    const int li = build(l, depth + 1);
    const int ri = build(r, depth + 1);
    nodes[static_cast<std::size_t>(id)].left = li;
    nodes[static_cast<std::size_t>(id)].right = ri;
    return id;
  }
};

void expect_matches_naive(const DecisionTree& t, const Naive& nv) {
  ASSERT_EQ(t.nodes.size(), nv.nodes.size());
  for (std::size_t k = 0; k < t.nodes.size(); ++k) {
    SCOPED_TRACE("node " + std::to_string(k));
    EXPECT_EQ(t.nodes[k].feature, nv.nodes[k].feature);
    EXPECT_EQ(t.nodes[k].threshold, nv.nodes[k].threshold);
    EXPECT_EQ(t.nodes[k].left, nv.nodes[k].left);
    EXPECT_EQ(t.nodes[k].right, nv.nodes[k].right);
    EXPECT_EQ(t.nodes[k].samples, nv.nodes[k].samples);
    EXPECT_NEAR(t.nodes[k].weight, nv.nodes[k].weight, 1e-9 * nv.nodes[k].weight);
    for (int c = 0; c < t.n_classes; ++c)
      EXPECT_NEAR(t.value(static_cast<std::int32_t>(k))[static_cast<std::size_t>(c)],
                  nv.nodes[k].value[static_cast<std::size_t>(c)], 1e-9 * nv.nodes[k].weight);
  }
}

TEST(SurrogateTree, MatchesANaiveTwinOnAwkwardShapesWithTiedValues) {
  int cases = 0;
  for (index_t d : {1, 2, 3, 7}) {
    for (index_t n : {1, 2, 5, 50, 301}) {
      for (int C : {1, 2, 4}) {
        for (int variant = 0; variant < 3; ++variant) {
          Rng rng(static_cast<std::uint64_t>(n * 1000 + d * 10 + C), "test.naive");
          Matrix<float> x(n, d);
          std::vector<std::int32_t> y(at(n));
          std::vector<float> wf(at(n));
          for (index_t i = 0; i < n; ++i) {
            for (index_t j = 0; j < d; ++j)
              // Few distinct values, so many ties; column 1 has values 1e-7 apart.
              x(i, j) = j == 1
                            ? 1.0f + 1e-7f * static_cast<float>(rng.below(4))
                            : static_cast<float>(rng.below(static_cast<std::uint64_t>(3 + 2 * j)));
            y[at(i)] = static_cast<std::int32_t>(
                (x(i, 0) > 1 ? 1 : 0) + rng.below(static_cast<std::uint64_t>(C))) % C;
            wf[at(i)] = variant == 2 ? static_cast<float>(rng.below(4)) * 0.75f : 1.0f;
          }
          if (variant == 2 && std::all_of(wf.begin(), wf.end(), [](float v) { return v == 0; }))
            wf[0] = 1;
          TreeOptions opt;
          opt.max_depth = variant == 0 ? 6 : 3;
          opt.min_samples_leaf = variant == 1 ? 3 : 1;
          opt.min_impurity_decrease = variant == 1 ? 0.002 : 0.0;
          SCOPED_TRACE("n=" + std::to_string(n) + " d=" + std::to_string(d) +
                       " C=" + std::to_string(C) + " variant=" + std::to_string(variant));
          const auto fit = fit_tree(Context(2, 0), x.cview(), y, C, opt,
                                    variant == 2 ? std::span<const float>(wf)
                                                 : std::span<const float>());
          ASSERT_TRUE(fit.ok()) << fit.status().message();
          Naive nv{x.cview(), y, {}, C, opt, 0, {}};
          std::vector<index_t> rows;
          for (index_t i = 0; i < n; ++i) {
            nv.w.push_back(variant == 2 ? double(wf[at(i)]) : 1.0);
            nv.total += nv.w.back();
            if (nv.w.back() > 0) rows.push_back(i);
          }
          nv.build(rows, 0);
          expect_matches_naive(*fit, nv);
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 4 * 5 * 3 * 3);
}

TEST(SurrogateTree, TiesGoToTheLowestFeatureThenTheLowestThreshold) {
  // Row 0 is the only class-0 row and is an extreme in every column: column 0 isolates it at
  // its top (7.5), columns 1 and 2 (identical) at their bottom (1.5). All three splits are
  // perfect and tie exactly; the lowest feature wins.
  Matrix<float> x(4, 3);
  const float col[4] = {1, 2, 3, 4};
  for (index_t i = 0; i < 4; ++i) {
    x(i, 0) = 9 - col[i];
    x(i, 1) = col[i];
    x(i, 2) = col[i];
  }
  const std::vector<std::int32_t> y = {0, 1, 1, 1};
  const auto fit = fit_tree(Context(1, 0), x.cview(), y, 2, TreeOptions{});
  ASSERT_TRUE(fit.ok());
  EXPECT_EQ(fit->nodes[0].feature, 0);
  EXPECT_FLOAT_EQ(fit->nodes[0].threshold, 7.5f);

  // Symmetric labels on one column: the splits at 1.5 and at 3.5 are equally good.
  Matrix<float> x1(4, 1);
  for (index_t i = 0; i < 4; ++i) x1(i, 0) = col[i];
  const std::vector<std::int32_t> y1 = {0, 1, 1, 0};
  const auto one = fit_tree(Context(1, 0), x1.cview(), y1, 2, TreeOptions{.max_depth = 1});
  ASSERT_TRUE(one.ok());
  EXPECT_FLOAT_EQ(one->nodes[0].threshold, 1.5f);
}

// ---------------------------------------------------------------------------------------------
// Invariants.

testing::Blobs blobs() {
  return testing::make_blobs({.n = 3000, .k = 7, .d = 9, .seed = 11, .spread = 4.0, .sd = 1.5});
}

TEST(SurrogateTree, SameTreeAtOneAndTwoThreads) {
  const auto b = blobs();
  TreeOptions opt;
  opt.max_depth = 7;
  const auto one = fit_tree(Context(1, 0), b.x.cview(), b.truth, 7, opt);
  const auto two = fit_tree(Context(2, 0), b.x.cview(), b.truth, 7, opt);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_GT(one->nodes.size(), 50u);
  expect_same_tree(*one, *two);
  opt.max_rows = 1000;
  const auto s1 = fit_tree(Context(1, 5), b.x.cview(), b.truth, 7, opt);
  const auto s2 = fit_tree(Context(2, 5), b.x.cview(), b.truth, 7, opt);
  ASSERT_TRUE(s1.ok() && s2.ok());
  expect_same_tree(*s1, *s2);
}

TEST(SurrogateTree, RowOrderDoesNotChangeTheTree) {
  const auto b = blobs();
  std::vector<index_t> perm(at(b.x.rows()));
  std::iota(perm.begin(), perm.end(), index_t{0});
  Rng rng(3, "test.perm");
  for (std::size_t i = perm.size() - 1; i > 0; --i)
    std::swap(perm[i], perm[static_cast<std::size_t>(rng.below(i + 1))]);
  Matrix<float> xp(b.x.rows(), b.x.cols());
  std::vector<std::int32_t> yp(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) {
    for (index_t j = 0; j < b.x.cols(); ++j) xp(static_cast<index_t>(i), j) = b.x(perm[i], j);
    yp[i] = b.truth[at(perm[i])];
  }
  TreeOptions opt;
  opt.max_depth = 6;
  opt.min_samples_leaf = 4;
  const auto a = fit_tree(Context(2, 0), b.x.cview(), b.truth, 7, opt);
  const auto p = fit_tree(Context(2, 0), xp.cview(), yp, 7, opt);
  ASSERT_TRUE(a.ok() && p.ok());
  expect_same_tree(*a, *p);
}

TEST(SurrogateTree, ZeroWeightRowsAreLeftOut) {
  const auto b = blobs();
  std::vector<float> w(at(b.x.rows()), 1.0f);
  index_t kept = 0;
  for (index_t i = 0; i < b.x.rows(); ++i)
    if (i % 3 == 0) w[at(i)] = 0;
    else ++kept;
  Matrix<float> xs(kept, b.x.cols());
  std::vector<std::int32_t> ys;
  for (index_t i = 0, r = 0; i < b.x.rows(); ++i) {
    if (w[at(i)] == 0) continue;
    for (index_t j = 0; j < b.x.cols(); ++j) xs(r, j) = b.x(i, j);
    ys.push_back(b.truth[at(i)]);
    ++r;
  }
  TreeOptions opt;
  opt.max_depth = 5;
  const auto weighted = fit_tree(Context(2, 0), b.x.cview(), b.truth, 7, opt, w);
  const auto subset = fit_tree(Context(2, 0), xs.cview(), ys, 7, opt);
  ASSERT_TRUE(weighted.ok() && subset.ok());
  expect_same_tree(*weighted, *subset);
  EXPECT_EQ(weighted->rows_used, kept);
}

TEST(SurrogateTree, MaxRowsGrowsOnASeededSample) {
  const auto b = blobs();
  TreeOptions opt;
  opt.max_rows = 500;
  const auto a = fit_tree(Context(2, 1), b.x.cview(), b.truth, 7, opt);
  const auto again = fit_tree(Context(1, 1), b.x.cview(), b.truth, 7, opt);
  const auto other = fit_tree(Context(2, 2), b.x.cview(), b.truth, 7, opt);
  ASSERT_TRUE(a.ok() && again.ok() && other.ok());
  EXPECT_EQ(a->rows_used, 500);
  EXPECT_EQ(a->nodes[0].samples, 500);
  expect_same_tree(*a, *again);
  EXPECT_NE(a->values, other->values);  // another seed, another sample
  opt.max_rows = 3000;                  // not fewer than the rows: all of them
  const auto all = fit_tree(Context(2, 1), b.x.cview(), b.truth, 7, opt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->rows_used, 3000);
}

// ---------------------------------------------------------------------------------------------
// Errors.

TEST(SurrogateTree, NonFiniteInputFailsNamingRowAndColumn) {
  auto b = blobs();
  b.x(17, 4) = std::numeric_limits<float>::quiet_NaN();
  const auto fit = fit_tree(Context(1, 0), b.x.cview(), b.truth, 7, TreeOptions{});
  ASSERT_FALSE(fit.ok());
  EXPECT_EQ(fit.status().code(), Code::invalid_input);
  EXPECT_EQ(fit.status().where(), "row 17, column 4");
  EXPECT_EQ(fit.status().what(), "value nan is not finite");
  const auto rules = segment_rules(Context(1, 0), b.x.cview(), b.truth, 7, RuleOptions{});
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.status().message(),
            "row 17, column 4: error: value nan is not finite\n"
            "hint: remove or impute NaN and infinite values first");
  b.x(17, 4) = 0;
  b.x(2, 0) = -std::numeric_limits<float>::infinity();
  const auto inf = fit_tree(Context(1, 0), b.x.cview(), b.truth, 7, TreeOptions{});
  EXPECT_EQ(inf.status().where(), "row 2, column 0");
  EXPECT_EQ(inf.status().what(), "value -inf is not finite");
}

TEST(SurrogateTree, BadLabelsWeightsAndOptionsAreReported) {
  const auto b = blobs();
  auto y = b.truth;
  y[9] = 7;
  auto fit = fit_tree(Context(1, 0), b.x.cview(), y, 7, TreeOptions{});
  EXPECT_EQ(fit.status().code(), Code::invalid_input);
  EXPECT_EQ(fit.status().where(), "labels row 9");
  EXPECT_EQ(fit.status().what(), "label 7 is outside [0, 7)");

  fit = fit_tree(Context(1, 0), b.x.cview(), std::span(b.truth).first(10), 7, TreeOptions{});
  EXPECT_EQ(fit.status().what(), "10 labels for 3000 rows");

  std::vector<float> w(3000, 1.0f);
  w[5] = -1;
  fit = fit_tree(Context(1, 0), b.x.cview(), b.truth, 7, TreeOptions{}, w);
  EXPECT_EQ(fit.status().where(), "weights row 5");
  EXPECT_EQ(fit.status().what(), "weight -1 is negative or not finite");
  std::fill(w.begin(), w.end(), 0.0f);
  fit = fit_tree(Context(1, 0), b.x.cview(), b.truth, 7, TreeOptions{}, w);
  EXPECT_EQ(fit.status().what(), "every weight is 0");

  fit = fit_tree(Context(1, 0), b.x.cview(), b.truth, 7, TreeOptions{.max_depth = 0});
  EXPECT_EQ(fit.status().code(), Code::invalid_argument);
  EXPECT_EQ(fit.status().message(),
            "max_depth: error: 0 is outside [1, 32]\n"
            "hint: use a small depth such as 3; deep trees make long rules");
  fit = fit_tree(Context(1, 0), b.x.cview(), b.truth, 7, TreeOptions{.min_samples_leaf = 0});
  EXPECT_EQ(fit.status().where(), "min_samples_leaf");
  fit = fit_tree(Context(1, 0), b.x.cview(), b.truth, 7,
                 TreeOptions{.min_impurity_decrease = -0.5});
  EXPECT_EQ(fit.status().what(), "-0.5 is below 0 or not finite");
  fit = fit_tree(Context(1, 0), b.x.cview(), b.truth, 0, TreeOptions{});
  EXPECT_EQ(fit.status().where(), "n_classes");

  Matrix<float> empty(0, 3);
  fit = fit_tree(Context(1, 0), empty.cview(), {}, 2, TreeOptions{});
  EXPECT_EQ(fit.status().what(), "the matrix is empty (0 × 3)");

  auto labels = b.truth;
  labels[4] = -2;
  auto rules = segment_rules(Context(1, 0), b.x.cview(), labels, 7, RuleOptions{});
  EXPECT_EQ(rules.status().where(), "labels row 4");
  EXPECT_EQ(rules.status().what(), "segment -2 is outside [-1, 7)");
  RuleOptions no_rules;
  no_rules.max_rules = 0;
  rules = segment_rules(Context(1, 0), b.x.cview(), b.truth, 7, no_rules);
  EXPECT_EQ(rules.status().where(), "max_rules");
  rules = segment_rules(Context(1, 0), b.x.cview(), b.truth, 0, RuleOptions{});
  EXPECT_EQ(rules.status().where(), "k");
}

TEST(SurrogateTree, CancelledContextStops) {
  const auto b = blobs();
  std::atomic<bool> stop{true};
  const auto fit =
      fit_tree(Context(1, 0).with_cancel(&stop), b.x.cview(), b.truth, 7, TreeOptions{});
  EXPECT_EQ(fit.status().code(), Code::cancelled);
}

// ---------------------------------------------------------------------------------------------
// Rules.

// Segment 1 is exactly x0 > 2 and x3 ≤ −1; segment 0 is the rest with x1 > 0, segment 2 the
// rest with x1 ≤ 0, and every 50th row of segment 0 is an outlier (−1). Columns 0 and 3 form
// a balanced grid (−5, −4.5, …, 4.5; every pair of values equally often), so that the greedy
// split has no sampling noise to chase: the boundary lies between 2 and 2.5 for x0 and between
// −1 and −0.5 for x3. Columns 1, 2 and 4 are uniform in [−5, 5].
struct Planted {
  Matrix<float> x;
  std::vector<std::int32_t> labels;
};

Planted planted(int repeats) {
  Rng rng(21, "test.planted");
  const index_t n = 20 * 20 * repeats;
  Planted p{Matrix<float>(n, 5), std::vector<std::int32_t>(at(n))};
  for (index_t i = 0; i < n; ++i) {
    const index_t cell = i % 400;
    p.x(i, 0) = -5.0f + 0.5f * static_cast<float>(cell % 20);
    p.x(i, 3) = -5.0f + 0.5f * static_cast<float>(cell / 20);
    for (index_t j : {1, 2, 4}) p.x(i, j) = static_cast<float>(10 * rng.uniform() - 5);
    std::int32_t s = p.x(i, 0) > 2 && p.x(i, 3) <= -1 ? 1 : (p.x(i, 1) > 0 ? 0 : 2);
    if (s == 0 && i % 50 == 0) s = -1;
    p.labels[at(i)] = s;
  }
  return p;
}

bool covers(const Rule& r, const float* row) {
  for (const Condition& c : r.conditions) {
    const float v = row[c.feature];
    if (c.greater ? !(v > c.threshold) : !(v <= c.threshold)) return false;
  }
  return true;
}

TEST(SegmentRules, RecoversAPlantedConjunctionExactly) {
  const auto p = planted(10);
  const auto res = segment_rules(Context(2, 0), p.x.cview(), p.labels, 3, RuleOptions{});
  ASSERT_TRUE(res.ok()) << res.status().message();
  ASSERT_EQ(res->size(), 3u);
  const SegmentRules& s1 = (*res)[1];
  ASSERT_FALSE(s1.rules.empty());
  const Rule& r = s1.rules[0];
  ASSERT_EQ(r.conditions.size(), 2u);
  const auto x0 = std::find_if(r.conditions.begin(), r.conditions.end(),
                               [](const Condition& c) { return c.feature == 0; });
  const auto x3 = std::find_if(r.conditions.begin(), r.conditions.end(),
                               [](const Condition& c) { return c.feature == 3; });
  ASSERT_NE(x0, r.conditions.end());
  ASSERT_NE(x3, r.conditions.end());
  EXPECT_TRUE(x0->greater);
  EXPECT_GE(x0->threshold, 2.0f);
  EXPECT_LT(x0->threshold, 2.5f);
  EXPECT_FALSE(x3->greater);
  EXPECT_GE(x3->threshold, -1.0f);
  EXPECT_LT(x3->threshold, -0.5f);
  EXPECT_EQ(r.precision, 1.0);
  EXPECT_EQ(r.recall, 1.0);
  EXPECT_EQ(r.f1, 1.0);
  EXPECT_EQ(r.members, s1.size);
  EXPECT_EQ(r.support, s1.size);
  EXPECT_EQ(s1.tree_accuracy, 1.0);
  // Outliers are "not in s" for every s: segment 0's size leaves them out.
  const auto outliers = std::count(p.labels.begin(), p.labels.end(), -1);
  EXPECT_GT(outliers, 0);
  EXPECT_EQ((*res)[0].size + (*res)[1].size + (*res)[2].size + outliers, 4000);
  EXPECT_EQ(s1.size, 5 * 9 * 10);  // x0 in {2.5 … 4.5}, x3 in {−5 … −1}, 10 repeats
}

TEST(SegmentRules, CountsAndOrderHoldOnEveryRow) {
  const auto b = blobs();
  auto labels = b.truth;
  for (std::size_t i = 0; i < labels.size(); i += 37) labels[i] = -1;
  RuleOptions opt;
  opt.tree.max_depth = 4;
  opt.max_rules = 4;
  opt.min_support = 5;
  const auto res = segment_rules(Context(2, 0), b.x.cview(), labels, 7, opt);
  ASSERT_TRUE(res.ok()) << res.status().message();
  int merged_somewhere = 0;
  for (int s = 0; s < 7; ++s) {
    SCOPED_TRACE("segment " + std::to_string(s));
    const SegmentRules& seg = (*res)[static_cast<std::size_t>(s)];
    EXPECT_EQ(seg.size, std::count(labels.begin(), labels.end(), s));
    EXPECT_LE(seg.rules.size(), 4u);
    EXPECT_FALSE(seg.rules.empty());
    // The tree's accuracy, recounted.
    const auto pred = seg.tree.predict(b.x.cview());
    index_t correct = 0;
    for (std::size_t i = 0; i < pred.size(); ++i) correct += pred[i] == (labels[i] == s ? 1 : 0);
    EXPECT_DOUBLE_EQ(seg.tree_accuracy, double(correct) / double(pred.size()));
    for (std::size_t k = 0; k < seg.rules.size(); ++k) {
      const Rule& r = seg.rules[k];
      index_t support = 0, members = 0;
      for (index_t i = 0; i < b.x.rows(); ++i)
        if (covers(r, b.x.row(i))) {
          ++support;
          members += labels[at(i)] == s;
        }
      EXPECT_EQ(r.support, support);
      EXPECT_EQ(r.members, members);
      EXPECT_GE(r.support, 5);
      EXPECT_DOUBLE_EQ(r.precision, double(members) / double(support));
      EXPECT_DOUBLE_EQ(r.recall, double(members) / double(seg.size));
      EXPECT_GT(r.precision, 0.5);  // the leaf's majority is the segment
      for (std::size_t a = 0; a < r.conditions.size(); ++a)
        for (std::size_t c = a + 1; c < r.conditions.size(); ++c)
          EXPECT_FALSE(r.conditions[a].feature == r.conditions[c].feature &&
                       r.conditions[a].greater == r.conditions[c].greater);
      if (k > 0) {
        const Rule& q = seg.rules[k - 1];
        EXPECT_TRUE(q.f1 > r.f1 || (q.f1 == r.f1 && q.precision > r.precision) ||
                    (q.f1 == r.f1 && q.precision == r.precision &&
                     q.conditions.size() <= r.conditions.size()));
      }
    }
    // Does some root-to-leaf path of this tree test one feature twice in one direction?
    const auto& nodes = seg.tree.nodes;
    std::vector<std::vector<std::pair<index_t, bool>>> path(nodes.size());
    for (std::size_t n = 0; n < nodes.size(); ++n) {
      if (nodes[n].is_leaf()) continue;
      for (int side = 0; side < 2; ++side) {
        auto p = path[n];
        const std::pair<index_t, bool> step{nodes[n].feature, side == 1};
        if (std::find(p.begin(), p.end(), step) != p.end()) ++merged_somewhere;
        p.push_back(step);
        path[static_cast<std::size_t>(side == 0 ? nodes[n].left : nodes[n].right)] = p;
      }
    }
  }
  EXPECT_GT(merged_somewhere, 0) << "no path repeats a condition: the merge went untested";
}

TEST(SegmentRules, EmptySegmentGetsNoRules) {
  const auto p = planted(5);
  auto labels = p.labels;
  for (auto& l : labels)
    if (l == 2) l = 3;  // k = 4 with segment 2 empty
  const auto res = segment_rules(Context(2, 0), p.x.cview(), labels, 4, RuleOptions{});
  ASSERT_TRUE(res.ok()) << res.status().message();
  const SegmentRules& empty = (*res)[2];
  EXPECT_EQ(empty.size, 0);
  EXPECT_TRUE(empty.rules.empty());
  EXPECT_EQ(empty.tree_accuracy, 1.0);
  EXPECT_EQ(empty.tree.nodes.size(), 1u);
  EXPECT_FALSE((*res)[3].rules.empty());
  EXPECT_FALSE((*res)[1].rules.empty());
}

TEST(SegmentRules, OneSegmentIsDescribedByTheEmptyRule) {
  const auto p = planted(1);
  const std::vector<std::int32_t> labels(400, 0);
  const auto res = segment_rules(Context(1, 0), p.x.cview(), labels, 1, RuleOptions{});
  ASSERT_TRUE(res.ok());
  ASSERT_EQ((*res)[0].rules.size(), 1u);
  EXPECT_TRUE((*res)[0].rules[0].conditions.empty());
  EXPECT_EQ((*res)[0].rules[0].support, 400);
  EXPECT_EQ((*res)[0].rules[0].precision, 1.0);
}

TEST(SegmentRules, SameRulesAtOneAndTwoThreadsAndWithASample) {
  const auto b = blobs();
  RuleOptions opt;
  opt.tree.max_rows = 1200;
  const auto one = segment_rules(Context(1, 9), b.x.cview(), b.truth, 7, opt);
  const auto two = segment_rules(Context(2, 9), b.x.cview(), b.truth, 7, opt);
  ASSERT_TRUE(one.ok() && two.ok());
  for (std::size_t s = 0; s < 7; ++s) {
    expect_same_tree((*one)[s].tree, (*two)[s].tree);
    EXPECT_EQ((*one)[s].tree.rows_used, 1200);
    EXPECT_EQ((*one)[s].tree_accuracy, (*two)[s].tree_accuracy);
    ASSERT_EQ((*one)[s].rules.size(), (*two)[s].rules.size());
    for (std::size_t r = 0; r < (*one)[s].rules.size(); ++r) {
      EXPECT_EQ((*one)[s].rules[r].support, (*two)[s].rules[r].support);
      EXPECT_EQ((*one)[s].rules[r].members, (*two)[s].rules[r].members);
    }
  }
}

}  // namespace
}  // namespace kohort::profile
