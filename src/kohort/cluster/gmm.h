// kohort/cluster/gmm.h — Gaussian mixtures fitted by EM in log space (diagonal or full covariance).
#pragma once

#include <cstdint>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::cluster {

enum class Covariance {
  diag,  ///< one variance per component and column
  full,  ///< one d × d covariance per component
};

/// Starting parameters (as scikit-learn's weights_init/means_init/precisions_init).
struct GmmStart {
  std::vector<double> weights;     ///< k, summing to 1
  std::vector<double> means;       ///< k × d
  std::vector<double> precisions;  ///< diag: k × d (1/variance); full: k × d × d
};

struct GmmOptions {
  int n_components = 8;             ///< k; 1 ≤ k ≤ rows
  Covariance covariance = Covariance::diag;
  int max_iter = 100;               ///< EM iterations per start
  double tol = 1e-3;                ///< stop when the mean log-likelihood gains less than this
  double reg_covar = 1e-6;          ///< added to every variance (the diagonal), for stability
  int n_init = 1;                   ///< starts from k-means partitions; the best bound wins
  const GmmStart* start = nullptr;  ///< explicit starting parameters (n_init is then 1)
};

/// A fitted mixture. Parameters are in the input's units.
struct GmmFit {
  Covariance covariance = Covariance::diag;
  index_t k = 0, d = 0;
  std::vector<double> weights;      ///< k
  std::vector<double> means;        ///< k × d
  std::vector<double> covariances;  ///< diag: k × d; full: k × d × d
  std::vector<std::int32_t> labels; ///< most probable component of every training row
  std::vector<float> confidence;    ///< that component's posterior probability
  double lower_bound = 0;           ///< mean log-likelihood at the last E-step of the loop
  double log_likelihood = 0;        ///< total log-likelihood of the data under the fit
  double bic = 0, aic = 0;          ///< −2·loglik + p·ln n, −2·loglik + 2p
  int n_iter = 0;
  bool converged = false;
};

/// Fits the mixture by EM (Dempster, Laird & Rubin 1977) with log-sum-exp responsibilities;
/// the M-step follows scikit-learn's GaussianMixture (10·ε added to component weights,
/// reg_covar on the variances). Each iteration is one fused pass: SGEMM log-densities per row
/// tile on centred data, log-sum-exp, and the sufficient statistics accumulated in double per
/// block and combined in block order — deterministic at any thread count. Fails with
/// invalid_argument for a bad k and invalid_input for non-finite data or a covariance that is
/// not positive definite (hint: raise reg_covar or use fewer components).
/// Per iteration: diag O(n·k·d), full O(n·k·d²); extra memory O(n + threads·tile·k + k·d²).
[[nodiscard]] Result<GmmFit> fit_gmm(const Context& ctx, MatrixView<const float> x,
                                     const GmmOptions& options);

/// Posterior probabilities (n × k) of new rows under a fit.
[[nodiscard]] Result<Matrix<float>> gmm_predict_proba(const Context& ctx, const GmmFit& fit,
                                                      MatrixView<const float> x);

}  // namespace kohort::cluster
