// kohort/profile/surrogate_tree.h — shallow CART trees that describe segments as rules.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::profile {

/// Options for fit_tree(). Ranges are checked by validate().
struct TreeOptions {
  int max_depth = 3;                 ///< the root has depth 0; 1 ≤ max_depth ≤ 32.
  index_t min_samples_split = 2;     ///< a node with fewer rows is a leaf; ≥ 2.
  index_t min_samples_leaf = 1;      ///< a split leaving fewer rows on a side is skipped; ≥ 1.
  /// A split is kept only if (W_node / W_total)·(G − W_l/W_node·G_l − W_r/W_node·G_r) ≥ this
  /// (scikit-learn's min_impurity_decrease; W are weights, G Gini impurities); ≥ 0.
  double min_impurity_decrease = 0;
  /// 0 = grow on every row; else on a uniform sample without replacement of this many rows,
  /// drawn from ctx.rng("profile.tree.rows"). Results then change with ctx.seed().
  index_t max_rows = 0;

  [[nodiscard]] Status validate() const;
};

/// One node. Nodes are numbered in preorder (node, left subtree, right subtree), root 0, as
/// scikit-learn's `tree_` arrays.
struct TreeNode {
  std::int32_t feature = -1;  ///< split column; -1 for a leaf.
  /// Rows with x[feature] ≤ threshold go left, the others right. The threshold is the largest
  /// float32 not above scikit-learn's midpoint a/2 + b/2 (in double) of the two neighbouring
  /// training values a < b, so on float32 data it splits exactly as scikit-learn does.
  float threshold = 0;
  std::int32_t left = -1;   ///< child node ids; -1 for a leaf.
  std::int32_t right = -1;
  index_t samples = 0;      ///< training rows (of weight > 0) reaching the node.
  double weight = 0;        ///< their total weight.
  double impurity = 0;      ///< Gini impurity 1 − Σ_c (w_c / weight)².

  [[nodiscard]] bool is_leaf() const { return feature < 0; }
};

/// A fitted classification tree.
struct DecisionTree {
  index_t n_features = 0;
  int n_classes = 0;
  std::vector<TreeNode> nodes;  ///< preorder; nodes[0] is the root.
  /// nodes.size() × n_classes: the weight of each class among the training rows at each node
  /// (scikit-learn 1.2's `tree_.value`).
  std::vector<double> values;
  index_t rows_used = 0;  ///< training rows after sampling and dropping zero weights.

  /// The class weights at `node`.
  [[nodiscard]] std::span<const double> value(std::int32_t node) const;
  /// The majority class at `node` (by weight; ties go to the lowest class).
  [[nodiscard]] std::int32_t node_class(std::int32_t node) const;
  /// Depth of the deepest leaf (0 for a single leaf).
  [[nodiscard]] int depth() const;

  /// The leaf each row of x reaches. x: n × n_features, row-major. A NaN goes right.
  /// REQUIRES: x.cols == n_features. O(n · depth), single-threaded.
  [[nodiscard]] std::vector<std::int32_t> apply(MatrixView<const float> x) const;
  /// The class of that leaf for each row. Same contract as apply().
  [[nodiscard]] std::vector<std::int32_t> predict(MatrixView<const float> x) const;
};

/// Fits a CART classifier with Gini impurity and binary splits x[f] ≤ t, grown as
/// scikit-learn 1.2's DecisionTreeClassifier(criterion="gini", splitter="best") grows it:
/// candidate thresholds lie between consecutive distinct sorted values of a node (values
/// within float32 1e-7 of their predecessor count as equal), the split with the largest
/// weighted Gini decrease wins, and a node is a leaf at max_depth, with fewer than
/// min_samples_split or 2·min_samples_leaf rows, with impurity ≤ DBL_EPSILON, or when no split
/// passes min_samples_leaf and min_impurity_decrease.
/// Ties between equally good splits go to the lowest feature index, then the lowest threshold
/// (scikit-learn instead visits features in a random order and keeps the first best).
///
/// x: n × d, row-major, finite. y: n labels in [0, n_classes). weights: empty (all 1), or n
/// finite values ≥ 0; rows of weight 0 are left out, as in scikit-learn.
/// Fails with invalid_argument for bad options or n_classes < 1, and with invalid_input when x
/// is empty or not finite (naming the first bad row and column), y or weights have the wrong
/// length, a label is out of range, a weight is negative or not finite, or all weights are 0.
/// Returns cancelled when ctx is cancelled (checked once per level).
/// Deterministic, and the same at any ctx.threads(): features are searched in parallel and
/// combined in feature order. Time: O(d · m log m) to presort the m rows used, then O(d · m)
/// per level (every open node's rows scanned once per feature in sorted order, the Gini
/// proxy updated in O(1) per row); memory about 20 · d · m bytes (the presorted columns and
/// per-feature row lists). For large inputs set max_rows, or pass a sample.
[[nodiscard]] Result<DecisionTree> fit_tree(const Context& ctx, MatrixView<const float> x,
                                            std::span<const std::int32_t> y, int n_classes,
                                            const TreeOptions& options,
                                            std::span<const float> weights = {});

/// One side of a split: x[feature] > threshold when `greater`, else x[feature] ≤ threshold.
struct Condition {
  index_t feature = 0;
  bool greater = false;
  float threshold = 0;
};

/// A conjunction of conditions describing members of one segment, with its quality measured
/// on every row passed to segment_rules() (not only on a sample).
struct Rule {
  /// In path order from the root; at most one `≤` and one `>` per feature (the tightest).
  /// Empty when the whole input is one segment: the rule then covers every row.
  std::vector<Condition> conditions;
  index_t support = 0;    ///< rows satisfying every condition.
  index_t members = 0;    ///< of those, rows in the segment.
  double precision = 0;   ///< members / support.
  double recall = 0;      ///< members / segment size.
  double f1 = 0;          ///< 2·precision·recall / (precision + recall); 0 when both are 0.
};

/// The description of one segment.
struct SegmentRules {
  std::vector<Rule> rules;  ///< by F1 descending; ties: higher precision, then fewer conditions.
  index_t size = 0;         ///< rows labelled with the segment.
  double tree_accuracy = 0; ///< share of all rows the one-vs-rest tree classifies correctly.
  DecisionTree tree;        ///< the one-vs-rest tree: class 1 = in the segment.
};

/// Options for segment_rules(). Ranges are checked by validate().
struct RuleOptions {
  TreeOptions tree;        ///< for each one-vs-rest tree (max_depth 3 by default).
  int max_rules = 3;       ///< rules kept per segment; ≥ 1.
  index_t min_support = 1; ///< rules covering fewer rows are dropped; ≥ 1.

  [[nodiscard]] Status validate() const;
};

/// Describes each segment s in [0, k) by rules. For each s, a tree (fit_tree with
/// options.tree, unit weights) is grown on the target label == s; each leaf whose majority is
/// s gives a candidate rule, the conjunction of the conditions on its path, with conditions on
/// the same feature and direction merged into the tightest one. Labels of −1 (outliers) are
/// "not in s" for every s. A segment without members gets no rules.
/// x: n × d, row-major, finite; labels: n values in [−1, k). The rows sample (max_rows) is
/// drawn once and shared by all segments; support, precision, recall and tree_accuracy are
/// measured on all n rows.
/// Fails as fit_tree() does, with invalid_argument for bad options or k < 1, and with
/// invalid_input for a label outside [−1, k). Deterministic at any ctx.threads().
/// Time: one presort, O(d · m log m), then k trees, each O(d · m · max_depth) plus
/// O(n · max_depth) to measure the rules; memory as fit_tree().
[[nodiscard]] Result<std::vector<SegmentRules>> segment_rules(const Context& ctx,
                                                              MatrixView<const float> x,
                                                              std::span<const std::int32_t> labels,
                                                              int k, const RuleOptions& options);

}  // namespace kohort::profile
