// kohort/core/matrix.h — the one data layout: float32 (or any T), row-major, 64-byte aligned.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>
#include <new>
#include <span>
#include <type_traits>

namespace kohort {

/// Row and element indices: customers, rows, events.
using index_t = std::int64_t;

/// A borrowed rows × cols matrix, row-major: element (i, j) is data[i * stride + j].
/// stride ≥ cols. The view never owns; the owner must outlive it.
template <typename T>
struct MatrixView {
  T* data = nullptr;
  index_t rows = 0;
  index_t cols = 0;
  index_t stride = 0;

  MatrixView() = default;
  MatrixView(T* d, index_t r, index_t c) : data(d), rows(r), cols(c), stride(c) {}
  MatrixView(T* d, index_t r, index_t c, index_t s) : data(d), rows(r), cols(c), stride(s) {}
  /// A mutable view converts to a const one.
  template <typename U, typename = std::enable_if_t<std::is_same_v<const U, T>>>
  MatrixView(const MatrixView<U>& o)  // NOLINT(google-explicit-constructor)
      : data(o.data), rows(o.rows), cols(o.cols), stride(o.stride) {}

  T* row(index_t i) const { return data + i * stride; }
  T& operator()(index_t i, index_t j) const { return data[i * stride + j]; }
  std::span<T> row_span(index_t i) const {
    return {row(i), static_cast<std::size_t>(cols)};
  }
  /// Rows [begin, end) as a view.
  MatrixView rows_range(index_t begin, index_t end) const {
    return {data + begin * stride, end - begin, cols, stride};
  }
  bool empty() const { return rows == 0 || cols == 0; }
};

/// An owning rows × cols matrix, contiguous (stride == cols), base address 64-byte aligned.
/// Elements are zero-initialised. Movable, not copyable implicitly (use clone()).
template <typename T>
class Matrix {
 public:
  static constexpr std::size_t kAlignment = 64;

  Matrix() = default;
  Matrix(index_t rows, index_t cols) : rows_(rows), cols_(cols) {
    std::size_t bytes = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols) * sizeof(T);
    bytes = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    if (bytes == 0) bytes = kAlignment;
    void* p = std::aligned_alloc(kAlignment, bytes);
    if (p == nullptr) throw std::bad_alloc();
    std::memset(p, 0, bytes);
    data_.reset(static_cast<T*>(p));
  }
  Matrix(Matrix&&) noexcept = default;
  Matrix& operator=(Matrix&&) noexcept = default;

  [[nodiscard]] Matrix clone() const {
    Matrix m(rows_, cols_);
    if (size() > 0) std::memcpy(m.data(), data(), size() * sizeof(T));
    return m;
  }

  index_t rows() const { return rows_; }
  index_t cols() const { return cols_; }
  std::size_t size() const { return static_cast<std::size_t>(rows_ * cols_); }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  T* row(index_t i) { return data() + i * cols_; }
  const T* row(index_t i) const { return data() + i * cols_; }
  T& operator()(index_t i, index_t j) { return data()[i * cols_ + j]; }
  const T& operator()(index_t i, index_t j) const { return data()[i * cols_ + j]; }

  MatrixView<T> view() { return {data(), rows_, cols_}; }
  MatrixView<const T> view() const { return {data(), rows_, cols_}; }
  MatrixView<const T> cview() const { return view(); }

  /// Keeps only `columns` (ascending, each < cols()), in that order, moving the values in
  /// place: no second matrix, and the allocation stays as it was. O(rows · cols).
  void keep_columns(const std::vector<index_t>& columns) {
    const auto k = static_cast<index_t>(columns.size());
    for (index_t j = 0; j < k; ++j)
      assert(columns[static_cast<std::size_t>(j)] < cols_ && (j == 0 || columns[static_cast<std::size_t>(j - 1)] < columns[static_cast<std::size_t>(j)]));
    bool same = k == cols_;
    for (index_t j = 0; same && j < k; ++j) same = columns[static_cast<std::size_t>(j)] == j;
    if (same) return;
    T* p = data();
    // Row i moves from i·cols to i·k ≤ i·cols, and within a row column j from columns[j] to
    // j ≤ columns[j]: in row order nothing is overwritten before it is read.
    for (index_t i = 0; i < rows_; ++i) {
      const T* src = p + i * cols_;
      T* dst = p + i * k;
      for (index_t j = 0; j < k; ++j) dst[j] = src[columns[static_cast<std::size_t>(j)]];
    }
    cols_ = k;
  }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> data_;
  index_t rows_ = 0;
  index_t cols_ = 0;
};

}  // namespace kohort
