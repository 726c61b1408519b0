// kohort/cluster/internal/mixture_pass.h — the fused E-step and sufficient-statistics pass over
// row tiles that the Gaussian mixture (EM) and the variational Dirichlet-process mixture share.
#pragma once

#include <cstdint>
#include <vector>

#include "kohort/cluster/gmm.h"
#include "kohort/core/context.h"
#include "kohort/core/matrix.h"

namespace kohort::cluster::internal {

constexpr index_t kMixtureBlock = 16384;  ///< rows per block of partial sums (fixed: determinism)
constexpr index_t kMixtureTile = 256;     ///< rows per SGEMM tile

/// k Gaussian components over centred data, in the forms an E-step tile needs. Each mixture
/// fills them from its own parameters (its Params derive from this).
struct ComponentForms {
  Covariance cov = Covariance::diag;
  index_t k = 0, d = 0;
  Matrix<float> diag_b;                ///< diag: k × 2d, [−2 μ p | p] (p the precisions)
  std::vector<double> diag_c;          ///< diag: k, Σ μ² p
  std::vector<Matrix<float>> full_ut;  ///< full: k of d × d, Uᵀ (U Uᵀ = Σ⁻¹), so x·U = gemm_abt(x, Uᵀ)
  std::vector<double> full_mu_u;       ///< full: k × d, μ U
  std::vector<double> log_const;       ///< k: the part of the log term that does not depend on x
};

/// The data of a pass: rows and the centre removed from them before every product.
struct MixtureData {
  MatrixView<const float> x;
  std::vector<double> center;  ///< d
};

/// Sufficient statistics of one pass, summed in double per block and over blocks in order.
struct MixtureStats {
  std::vector<double> nk, s1, s2;  ///< k; k × d; diag k × d or full k × d × d (Σ r x, Σ r x²/xxᵀ)
  double log_prob_sum = 0;         ///< Σ over rows of log Σ_c exp(log term)
  double entropy = 0;              ///< −Σ r log r
};

/// One pass over the rows: per tile, the log terms log_const − ½ Mahalanobis (one SGEMM for
/// diag, one per component for full), their log-sum-exp normalisation into responsibilities,
/// and, with want_stats, the responsibility-weighted sums. With `hard`, responsibilities are
/// one-hot on those labels instead (a start from a partition). labels/conf, when given,
/// receive each row's most probable component and its probability. The same bits at any
/// ctx.threads(). Memory: O(n/16384 · k·d²) partial sums plus per-thread tiles.
[[nodiscard]] MixtureStats mixture_pass(const Context& ctx, const MixtureData& data,
                                        const ComponentForms& f, const std::int32_t* hard,
                                        std::int32_t* labels, float* conf, bool want_stats);

/// Responsibilities (n × k) of the rows under the components.
[[nodiscard]] Matrix<float> mixture_proba(const Context& ctx, const MixtureData& data,
                                          const ComponentForms& f);

}  // namespace kohort::cluster::internal
