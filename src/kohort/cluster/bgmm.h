// kohort/cluster/bgmm.h — variational Bayesian Gaussian mixture with a Dirichlet-process prior:
// fitted with an upper bound on the number of components, it settles its own number.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kohort/cluster/gmm.h"
#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::cluster {

/// Priors of the model (scikit-learn's BayesianGaussianMixture parameters of the same names).
/// A zero or empty field takes the default written beside it.
struct BgmmPriors {
  double weight_concentration = 0;  ///< γ of the sticks' Beta(1, γ); 0 → 1/n_components; > 0
  double mean_precision = 1;        ///< β₀ > 0: how strongly means are pulled to `mean`
  std::vector<double> mean;         ///< m₀, d values; empty → the data's column means
  double degrees_of_freedom = 0;    ///< ν₀ > d − 1 of the Wishart; 0 → d
  /// Wishart scale: diag → d positive variances, full → d × d symmetric positive definite;
  /// empty → the data's column variances (diag) or covariance (full), both with n − 1.
  std::vector<double> covariance;
};

struct BgmmOptions {
  int n_components = 20;             ///< K, the truncation level: at most this many; 1 ≤ K ≤ rows
  Covariance covariance = Covariance::diag;
  int max_iter = 100;                ///< variational iterations per start
  double tol = 1e-3;                 ///< stop when the lower bound (a sum over rows) gains less
  double reg_covar = 1e-6;           ///< added to the diagonal of every empirical covariance
  int n_init = 1;                    ///< starts from k-means partitions; the best lower bound wins
  /// A component is effective when its expected weight exceeds this; 0 → 1/(2·K). In [0, 1).
  /// The largest component is always effective.
  double weight_threshold = 0;
  BgmmPriors priors;
  /// When not empty: n labels in [0, K), the one-hot starting responsibilities (n_init is then
  /// 1, no k-means). Borrowed; must outlive the call.
  std::span<const std::int32_t> start_labels;
};

/// A fitted mixture: the variational posterior of every one of the K components (in stick
/// order) and the effective ones. Parameters are in the input's units, named as scikit-learn's.
struct BgmmFit {
  Covariance covariance = Covariance::diag;
  index_t k = 0, d = 0;                         ///< truncation level, columns
  std::vector<double> weights;                  ///< K expected stick-breaking weights, summing to 1
  std::vector<double> concentration_a;          ///< K: Beta(a, b) posterior of each stick
  std::vector<double> concentration_b;          ///< K
  std::vector<double> mean_precision;           ///< K: β
  std::vector<double> degrees_of_freedom;       ///< K: ν
  std::vector<double> means;                    ///< K × d: posterior means of the component means
  std::vector<double> covariances;              ///< diag K × d, full K × d × d: (ν W)⁻¹
  /// The effective components (weight above the threshold), largest weight first (ties: the
  /// lower index); segment s is component effective[s].
  std::vector<index_t> effective;
  std::vector<std::int32_t> labels;             ///< n segments in 0..m−1 (m = effective.size())
  std::vector<float> confidence;                ///< n: that segment's posterior probability
  double lower_bound = 0;                       ///< ELBO at the last iteration (constants dropped)
  int n_iter = 0;
  bool converged = false;
};

/// Fits the model by coordinate-ascent variational inference (Blei & Jordan 2006; Bishop 2006
/// §10.2) with the truncated stick-breaking prior; the updates, the expected log-densities and
/// the lower bound follow scikit-learn 1.2's BayesianGaussianMixture(weight_concentration_prior_
/// type='dirichlet_process'), including its 10·ε on component counts and reg_covar.
///
/// x: n × d, finite (else invalid_input naming the first bad cell), n ≥ 2. Starts from one-hot
/// responsibilities of a k-means partition (one per start, seeded from ctx.seed()) or of
/// options.start_labels. Each iteration is one fused pass over row tiles: SGEMM log-densities
/// on centred data, log-sum-exp, the responsibilities' entropy and the sufficient statistics,
/// accumulated in double per fixed block and combined in block order — deterministic for
/// ctx.seed() at any ctx.threads(). Rows go to the most probable effective component; its
/// posterior, renormalised over the effective components, is the confidence.
/// Errors: invalid_argument for a bad option or prior (naming the field: "--k", "--max-iter",
/// "bgmm degrees_of_freedom" …), or start labels of the wrong length or range; invalid_input
/// for a covariance that is not positive definite (hint: raise reg_covar, use --covariance
/// diag); cancelled.
/// Per iteration: diag O(n·K·d), full O(n·K·d²); extra memory O(n + threads·tile·K + K·d²).
[[nodiscard]] Result<BgmmFit> fit_bgmm(const Context& ctx, MatrixView<const float> x,
                                       const BgmmOptions& options);

/// Posterior probabilities (n × m) of new rows over the effective components of a fit, in
/// segment order (as scikit-learn's predict_proba, restricted to them and renormalised).
/// invalid_input for non-finite rows or the wrong number of columns. O(n·K·d) (diag) or
/// O(n·K·d²) (full); deterministic at any thread count.
[[nodiscard]] Result<Matrix<float>> bgmm_predict_proba(const Context& ctx, const BgmmFit& fit,
                                                       MatrixView<const float> x);

}  // namespace kohort::cluster
