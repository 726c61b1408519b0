// kohort/core/blas.h — the few BLAS calls Kohort makes, on matrix views.
#pragma once

#include "kohort/core/matrix.h"

namespace kohort::blas {

/// C = alpha · A · Bᵀ + beta · C, float32. A: m × k, B: n × k, C: m × n (all row-major views
/// with their own strides). Runs single-threaded inside an OpenMP parallel region (OpenBLAS's
/// OpenMP build detects it) and with the process's BLAS thread count outside.
void gemm_abt(float alpha, MatrixView<const float> a, MatrixView<const float> b, float beta,
              MatrixView<float> c);

/// C = alpha · Aᵀ · B + beta · C, float32. A: r × m, B: r × n, C: m × n.
void gemm_atb(float alpha, MatrixView<const float> a, MatrixView<const float> b, float beta,
              MatrixView<float> c);

/// C = alpha · Aᵀ · A + beta · C for the upper and lower triangles, A: m × k, C: k × k.
void syrk_ata(float alpha, MatrixView<const float> a, float beta, MatrixView<float> c);

/// Sets BLAS's own thread count (1 from the start: Kohort parallelises over row blocks itself,
/// and one BLAS thread keeps results independent of the thread count). For benchmarks only.
void set_threads(int threads);

}  // namespace kohort::blas
