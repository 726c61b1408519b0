#include "kohort/core/blas.h"

#include <cblas.h>

namespace kohort::blas {

namespace {
// Every BLAS call of Kohort works on one fixed row block inside our own parallel loops, so
// BLAS itself runs one thread: its result then never depends on how many threads it was
// given (OpenBLAS partitions differently for different counts).
[[maybe_unused]] const bool kSingleThreaded = [] {
  openblas_set_num_threads(1);
  return true;
}();
}  // namespace

void gemm_abt(float alpha, MatrixView<const float> a, MatrixView<const float> b, float beta,
              MatrixView<float> c) {
  if (a.rows == 0 || b.rows == 0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(a.rows),
              static_cast<int>(b.rows), static_cast<int>(a.cols), alpha, a.data,
              static_cast<int>(a.stride), b.data, static_cast<int>(b.stride), beta, c.data,
              static_cast<int>(c.stride));
}

void gemm_atb(float alpha, MatrixView<const float> a, MatrixView<const float> b, float beta,
              MatrixView<float> c) {
  if (a.rows == 0) return;
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(a.cols),
              static_cast<int>(b.cols), static_cast<int>(a.rows), alpha, a.data,
              static_cast<int>(a.stride), b.data, static_cast<int>(b.stride), beta, c.data,
              static_cast<int>(c.stride));
}

void syrk_ata(float alpha, MatrixView<const float> a, float beta, MatrixView<float> c) {
  if (a.rows == 0) return;
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, static_cast<int>(a.cols),
              static_cast<int>(a.rows), alpha, a.data, static_cast<int>(a.stride), beta, c.data,
              static_cast<int>(c.stride));
  for (index_t i = 0; i < c.rows; ++i)
    for (index_t j = 0; j < i; ++j) c(i, j) = c(j, i);
}

void set_threads(int threads) { openblas_set_num_threads(threads < 1 ? 1 : threads); }

}  // namespace kohort::blas
