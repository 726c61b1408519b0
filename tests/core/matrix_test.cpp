#include "kohort/core/matrix.h"

#include <gtest/gtest.h>

#include <vector>

namespace kohort {
namespace {

Matrix<float> numbered(index_t rows, index_t cols) {
  Matrix<float> m(rows, cols);
  for (index_t i = 0; i < rows; ++i)
    for (index_t j = 0; j < cols; ++j) m(i, j) = static_cast<float>(i * 100 + j);
  return m;
}

TEST(Matrix, KeepColumnsMovesTheChosenColumnsInPlace) {
  Matrix<float> m = numbered(50, 7);
  const float* before = m.data();
  const std::vector<index_t> keep = {0, 2, 3, 6};
  m.keep_columns(keep);
  EXPECT_EQ(m.data(), before);  // no second allocation
  ASSERT_EQ(m.rows(), 50);
  ASSERT_EQ(m.cols(), 4);
  for (index_t i = 0; i < m.rows(); ++i)
    for (index_t j = 0; j < m.cols(); ++j)
      EXPECT_EQ(m(i, j), static_cast<float>(i * 100 + keep[static_cast<std::size_t>(j)])) << i << "," << j;
}

TEST(Matrix, KeepColumnsWithTheMostOverlap) {
  // Dropping only the first column moves every value by one place, within and across rows.
  Matrix<float> m = numbered(40, 6);
  m.keep_columns({1, 2, 3, 4, 5});
  for (index_t i = 0; i < 40; ++i)
    for (index_t j = 0; j < 5; ++j) EXPECT_EQ(m(i, j), static_cast<float>(i * 100 + j + 1));
  Matrix<float> last = numbered(40, 6);
  last.keep_columns({5});
  for (index_t i = 0; i < 40; ++i) EXPECT_EQ(last(i, 0), static_cast<float>(i * 100 + 5));
}

TEST(Matrix, KeepColumnsOfEveryColumnOrNoneAndOfOneRow) {
  Matrix<float> all = numbered(3, 4);
  all.keep_columns({0, 1, 2, 3});
  EXPECT_EQ(all.cols(), 4);
  EXPECT_EQ(all(2, 3), 203.0f);
  Matrix<float> one = numbered(1, 5);
  one.keep_columns({4});
  EXPECT_EQ(one.cols(), 1);
  EXPECT_EQ(one(0, 0), 4.0f);
  Matrix<float> none = numbered(6, 3);
  none.keep_columns({});
  EXPECT_EQ(none.cols(), 0);
  EXPECT_EQ(none.size(), 0u);
}

}  // namespace
}  // namespace kohort
