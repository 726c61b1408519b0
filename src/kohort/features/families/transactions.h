// kohort/features/families/transactions.h — features from purchases: recency, frequency,
// monetary, windows, trends, intervals, lifecycle, categories, price, channels, payments,
// returns, basket, relative features, and the recent mix (the shortest window's lines by
// channel, payment and discount) that the monitor compares within segments.
#pragma once

#include <span>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/events/event_log.h"
#include "kohort/features/families/common.h"
#include "kohort/features/feature_spec.h"

namespace kohort::features::internal {

/// Fills the columns col_pop (spend over the median spend of all rows) and col_cat (over the
/// median of the rows with the same main category, a code below n_categories or -1) of
/// `values`; a column of -1 is skipped.
void fill_relative_columns(const Context& ctx, std::span<const double> spend,
                           std::span<const std::int32_t> main_category, std::size_t n_categories,
                           int col_pop, int col_cat, MatrixView<float> values);

class TransactionFamily {
 public:
  /// Chooses the columns (and the category, channel and payment levels from the rows'
  /// pre-as-of lines) and appends their descriptions to `cols`.
  void plan(const Context& ctx, const events::EventLog& log, const FeatureSpec& spec,
            std::span<const events::customer_t> rows, PopulationInputs& pop, Columns& cols);
  /// Fills this family's cells of `row` for customer c and refills `st`.
  void compute(events::customer_t c, Scratch& s, CustomerState& st, float* row) const;
  /// The relative features that need the whole population: spend against the median spend of
  /// all rows and of the rows sharing the main category. spend/main_category are per row.
  void finish(const Context& ctx, std::span<const double> spend,
              std::span<const events::code_t> main_category, MatrixView<float> values) const;
  /// This family's relative-to-population columns (-1 when absent).
  [[nodiscard]] int spend_vs_population_column() const { return spend_vs_pop_; }
  [[nodiscard]] int spend_vs_category_column() const { return spend_vs_cat_; }
  [[nodiscard]] std::size_t n_categories() const { return n_categories_; }

 private:
  const events::EventLog* log_ = nullptr;
  Seconds as_of_ = 0;
  std::vector<int> windows_;
  int trend_window_ = 90;
  bool has_order_ = false, has_qty_ = false, has_product_ = false, has_cat_ = false;
  bool has_channel_ = false, has_payment_ = false, has_discount_ = false, has_returned_ = false;
  std::size_t n_categories_ = 0;

  int recency_ = -1, orders_total_ = -1, purchase_days_ = -1;
  int spend_total_ = -1, net_spend_ = -1, ov_mean_ = -1, ov_max_ = -1, ov_cv_ = -1;
  int refund_share_ = -1;
  std::vector<int> orders_w_, spend_w_, cats_w_, orders_trend_w_, spend_trend_w_;
  int ov_trend_ = -1;
  int ipi_mean_ = -1, ipi_median_ = -1, ipi_cv_ = -1, rec_vs_ipi_ = -1;
  int tenure_ = -1, life_new_ = -1, life_growing_ = -1, life_mature_ = -1, life_declining_ = -1;
  Levels cat_levels_;
  std::vector<int> cat_rank_;  ///< rank of each category's text, for ties of the main category.
  int cat_first_ = -1, cat_entropy_ = -1, cats_total_ = -1, main_cat_share_ = -1;
  int disc_order_share_ = -1, disc_depth_ = -1, full_price_share_ = -1;
  Levels chan_levels_, pay_levels_;
  int chan_first_ = -1, pay_first_ = -1;
  int return_rate_ = -1, returned_spend_share_ = -1;
  int lines_per_order_ = -1, items_per_order_ = -1, unit_price_ = -1, single_line_share_ = -1;
  int cats_per_order_ = -1, products_total_ = -1;
  int spend30_vs_monthly_ = -1, spend_vs_pop_ = -1, spend_vs_cat_ = -1;
  // The "recent" group: lines of the shortest window and their mix.
  int recent_window_ = 0, recent_lines_ = -1, recent_disc_ = -1, recent_chan_ = -1, recent_pay_ = -1;

  void plan_recent(Columns& cols);
  void compute_recent(const Scratch& s, float* row) const;
};

}  // namespace kohort::features::internal
