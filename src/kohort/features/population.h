// kohort/features/population.h — what the feature families take from the whole population
// rather than from one customer, in a form that can be counted per partition and summed.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace kohort::features {

/// The population-level inputs of compute_features(): which levels of a categorical column
/// get their own share column (the most frequent values), how loyalty tiers rank, and which
/// optional columns the data has. Keys are "stream.column" ("transactions.category"). Counted
/// over the table's customers and their pre-as-of events only, keyed by value text, so the
/// population of a dataset is the merge() of its partitions' populations.
struct Population {
  /// key → value text → number of counted events (or customers, for attributes).
  std::map<std::string, std::map<std::string, std::int64_t>> levels;
  /// Optional columns present ("sessions.device").
  std::set<std::string> columns;

  /// Adds `other`'s counts and columns to this one. Commutative and associative.
  void merge(const Population& other);
};

/// The inputs of the features that compare a customer with the whole population (spend
/// against the median spend of all rows, and of the rows sharing the main category), one
/// entry per table row.
struct RelativeInputs {
  std::vector<double> spend;                ///< the row's total spend.
  std::vector<std::int32_t> main_category;  ///< index into `categories`, or -1.
  std::vector<std::string> categories;      ///< category texts (any order, no repeats).
  std::map<std::string, std::int32_t, std::less<>> category_index;  ///< text → index.

  /// Appends row `row` of `other` (its category matched by text).
  void append_row(const RelativeInputs& other, std::size_t row);
};

}  // namespace kohort::features
