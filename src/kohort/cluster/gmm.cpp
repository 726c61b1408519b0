#include "kohort/cluster/gmm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/LU>
#include <fmt/format.h>

#include "kohort/cluster/internal/mixture_pass.h"
#include "kohort/cluster/kmeans.h"
#include "kohort/core/blas.h"
#include "kohort/core/parallel.h"

namespace kohort::cluster {

namespace {

constexpr index_t kBlock = internal::kMixtureBlock;
const double kLog2Pi = std::log(2.0 * std::numbers::pi);

// Parameters in the centred space, with what the E-step needs precomputed.
// (cov, k, d and the E-step forms — log_const = log w + log det − ½ d log 2π — come from
// ComponentForms.)
struct Params : internal::ComponentForms {
  std::vector<double> weights, means;  // k, k × d (centred)
  std::vector<double> prec_chol;       // diag: k × d (1/σ); full: k × d × d upper U, U Uᵀ = Σ⁻¹
  std::vector<double> log_det;         // k: Σ log diag(U) = −½ log|Σ|
};

using Stats = internal::MixtureStats;
using Pass = internal::MixtureData;

void prepare(Params& p) {
  const index_t k = p.k, d = p.d;
  p.log_const.resize(static_cast<std::size_t>(k));
  for (index_t c = 0; c < k; ++c)
    p.log_const[static_cast<std::size_t>(c)] = std::log(p.weights[static_cast<std::size_t>(c)]) +
                                                p.log_det[static_cast<std::size_t>(c)] -
                                                0.5 * static_cast<double>(d) * kLog2Pi;
  if (p.cov == Covariance::diag) {
    p.diag_b = Matrix<float>(k, 2 * d);
    p.diag_c.assign(static_cast<std::size_t>(k), 0.0);
    for (index_t c = 0; c < k; ++c)
      for (index_t j = 0; j < d; ++j) {
        const double pc = p.prec_chol[static_cast<std::size_t>(c * d + j)];
        const double prec = pc * pc;
        const double mu = p.means[static_cast<std::size_t>(c * d + j)];
        p.diag_b(c, j) = static_cast<float>(-2.0 * mu * prec);
        p.diag_b(c, d + j) = static_cast<float>(prec);
        p.diag_c[static_cast<std::size_t>(c)] += mu * mu * prec;
      }
  } else {
    p.full_ut.clear();
    p.full_mu_u.assign(static_cast<std::size_t>(k * d), 0.0);
    for (index_t c = 0; c < k; ++c) {
      Matrix<float> ut(d, d);
      const double* u = p.prec_chol.data() + c * d * d;
      for (index_t a = 0; a < d; ++a)
        for (index_t b = 0; b < d; ++b) ut(b, a) = static_cast<float>(u[a * d + b]);
      for (index_t b = 0; b < d; ++b) {
        double v = 0;
        for (index_t a = 0; a < d; ++a) v += p.means[static_cast<std::size_t>(c * d + a)] * u[a * d + b];
        p.full_mu_u[static_cast<std::size_t>(c * d + b)] = v;
      }
      p.full_ut.push_back(std::move(ut));
    }
  }
}

// M-step from statistics (scikit-learn's _estimate_gaussian_parameters and
// _compute_precision_cholesky).
Status m_step(const Stats& st, index_t n, double reg, Params& p) {
  const index_t k = p.k, d = p.d;
  const double eps10 = 10 * std::numeric_limits<double>::epsilon();
  p.weights.assign(static_cast<std::size_t>(k), 0.0);
  p.means.assign(static_cast<std::size_t>(k * d), 0.0);
  p.log_det.assign(static_cast<std::size_t>(k), 0.0);
  if (p.cov == Covariance::diag) p.prec_chol.assign(static_cast<std::size_t>(k * d), 0.0);
  else p.prec_chol.assign(static_cast<std::size_t>(k * d * d), 0.0);
  for (index_t c = 0; c < k; ++c) {
    const double nk = st.nk[static_cast<std::size_t>(c)] + eps10;
    p.weights[static_cast<std::size_t>(c)] = nk / static_cast<double>(n);
    for (index_t j = 0; j < d; ++j)
      p.means[static_cast<std::size_t>(c * d + j)] = st.s1[static_cast<std::size_t>(c * d + j)] / nk;
    const double* mu = p.means.data() + c * d;
    if (p.cov == Covariance::diag) {
      for (index_t j = 0; j < d; ++j) {
        // E[x²] − μ² cancels to a tiny negative value for a column that is constant within
        // the component (rounding in the float distance products); such a column has variance
        // 0, and then reg, as scikit-learn's would in exact arithmetic.
        const double var =
            std::max(0.0, st.s2[static_cast<std::size_t>(c * d + j)] / nk - mu[j] * mu[j]) + reg;
        if (!(var > 0))
          return Status::invalid_input(
              "gmm", fmt::format("component {} has a non-positive variance in column {}", c, j),
              "raise --reg-covar, use fewer components, or drop constant columns");
        const double pc = 1.0 / std::sqrt(var);
        p.prec_chol[static_cast<std::size_t>(c * d + j)] = pc;
        p.log_det[static_cast<std::size_t>(c)] += std::log(pc);
      }
    } else {
      Eigen::MatrixXd cov(d, d);
      for (index_t a = 0; a < d; ++a)
        for (index_t b = 0; b < d; ++b)
          cov(a, b) = st.s2[static_cast<std::size_t>(c * d * d + a * d + b)] / nk - mu[a] * mu[b] +
                      (a == b ? reg : 0.0);
      Eigen::LLT<Eigen::MatrixXd> llt(cov);
      if (llt.info() != Eigen::Success)
        return Status::invalid_input(
            "gmm", fmt::format("the covariance of component {} is not positive definite", c),
            "raise --reg-covar, use fewer components, or use --covariance diag");
      // U = L⁻ᵀ: upper triangular with U Uᵀ = Σ⁻¹.
      const Eigen::MatrixXd linv =
          llt.matrixL().solve(Eigen::MatrixXd::Identity(d, d));
      const Eigen::MatrixXd u = linv.transpose();
      for (index_t a = 0; a < d; ++a) {
        for (index_t b = 0; b < d; ++b) p.prec_chol[static_cast<std::size_t>(c * d * d + a * d + b)] = u(a, b);
        p.log_det[static_cast<std::size_t>(c)] += std::log(u(a, a));
      }
    }
  }
  prepare(p);
  return {};
}

Status validate(MatrixView<const float> x, const GmmOptions& o) {
  KOHORT_RETURN_IF_ERROR(check_finite(x));
  if (o.n_components < 1)
    return Status::invalid_argument("--k", fmt::format("{} is below the minimum 1", o.n_components));
  if (o.n_components > x.rows)
    return Status::invalid_argument(
        "--k", fmt::format("k = {} is larger than the number of rows ({})", o.n_components, x.rows),
        "ask for at most as many segments as there are rows");
  if (o.max_iter < 1) return Status::invalid_argument("--max-iter", "must be at least 1");
  if (!(o.reg_covar >= 0)) return Status::invalid_argument("--reg-covar", "must be ≥ 0");
  if (o.n_init < 1) return Status::invalid_argument("--n-init", "must be at least 1");
  if (o.start != nullptr) {
    const auto k = static_cast<std::size_t>(o.n_components), d = static_cast<std::size_t>(x.cols);
    const std::size_t np = o.covariance == Covariance::diag ? k * d : k * d * d;
    if (o.start->weights.size() != k || o.start->means.size() != k * d || o.start->precisions.size() != np)
      return Status::invalid_argument("gmm start", "starting parameters have the wrong shape");
  }
  return {};
}

Status params_from_start(const GmmStart& st, const std::vector<double>& center, Params& p) {
  const index_t k = p.k, d = p.d;
  p.weights = st.weights;
  p.means = st.means;
  for (index_t c = 0; c < k; ++c)
    for (index_t j = 0; j < d; ++j) p.means[static_cast<std::size_t>(c * d + j)] -= center[static_cast<std::size_t>(j)];
  p.log_det.assign(static_cast<std::size_t>(k), 0.0);
  if (p.cov == Covariance::diag) {
    p.prec_chol.resize(static_cast<std::size_t>(k * d));
    for (std::size_t t = 0; t < p.prec_chol.size(); ++t) {
      p.prec_chol[t] = std::sqrt(st.precisions[t]);
      p.log_det[t / static_cast<std::size_t>(d)] += std::log(p.prec_chol[t]);
    }
  } else {
    p.prec_chol.assign(static_cast<std::size_t>(k * d * d), 0.0);
    for (index_t c = 0; c < k; ++c) {
      Eigen::MatrixXd prec(d, d);
      for (index_t a = 0; a < d; ++a)
        for (index_t b = 0; b < d; ++b) prec(a, b) = st.precisions[static_cast<std::size_t>(c * d * d + a * d + b)];
      Eigen::LLT<Eigen::MatrixXd> llt(prec);
      if (llt.info() != Eigen::Success)
        return Status::invalid_argument("gmm start", "a starting precision is not positive definite");
      const Eigen::MatrixXd l = llt.matrixL();  // Σ⁻¹ = L Lᵀ, so U = L satisfies U Uᵀ = Σ⁻¹
      for (index_t a = 0; a < d; ++a) {
        for (index_t b = 0; b < d; ++b) p.prec_chol[static_cast<std::size_t>(c * d * d + a * d + b)] = l(a, b);
        p.log_det[static_cast<std::size_t>(c)] += std::log(l(a, a));
      }
    }
  }
  prepare(p);
  return {};
}

}  // namespace

Result<GmmFit> fit_gmm(const Context& ctx, MatrixView<const float> x, const GmmOptions& o) {
  KOHORT_RETURN_IF_ERROR(validate(x, o));
  const index_t n = x.rows, d = x.cols, k = o.n_components;
  Pass ps{x, std::vector<double>(static_cast<std::size_t>(d), 0.0)};
  {
    const index_t nb = block_count(n, kBlock);
    std::vector<double> part(static_cast<std::size_t>(nb * d), 0.0);
    parallel_for_blocks(ctx, n, kBlock, [&](index_t b, index_t s, index_t e) {
      for (index_t i = s; i < e; ++i)
        for (index_t j = 0; j < d; ++j) part[static_cast<std::size_t>(b * d + j)] += x(i, j);
    });
    for (index_t b = 0; b < nb; ++b)
      for (index_t j = 0; j < d; ++j) ps.center[static_cast<std::size_t>(j)] += part[static_cast<std::size_t>(b * d + j)];
    for (auto& c : ps.center) c /= static_cast<double>(n);
  }
  const int runs = o.start != nullptr ? 1 : o.n_init;
  Params best;
  double best_bound = -std::numeric_limits<double>::infinity();
  int best_iter = 0;
  bool best_conv = false;
  ctx.progress().begin("gaussian mixture", static_cast<std::int64_t>(runs) * o.max_iter);
  for (int run = 0; run < runs; ++run) {
    Params p;
    p.cov = o.covariance;
    p.k = k;
    p.d = d;
    if (o.start != nullptr) {
      KOHORT_RETURN_IF_ERROR(params_from_start(*o.start, ps.center, p));
    } else {
      // Start as scikit-learn's init_params='kmeans': one k-means run, one-hot responsibilities.
      KMeansOptions ko;
      ko.n_clusters = k;
      ko.n_init = 1;
      const Context kctx = ctx.quiet().with_seed(ctx.seed() ^ (0x6A09E667F3BCC909ULL * static_cast<std::uint64_t>(run + 1)));
      KOHORT_ASSIGN_OR_RETURN(auto km, fit_kmeans(kctx, x, ko));
      const Stats st = internal::mixture_pass(ctx, ps, p, km.labels.data(), nullptr, nullptr, true);
      KOHORT_RETURN_IF_ERROR(m_step(st, n, o.reg_covar, p));
    }
    double bound = -std::numeric_limits<double>::infinity();
    bool converged = false;
    int it = 0;
    for (; it < o.max_iter;) {
      if (ctx.cancelled()) return Status::cancelled();
      const double prev = bound;
      const Stats st = internal::mixture_pass(ctx, ps, p, nullptr, nullptr, nullptr, true);
      KOHORT_RETURN_IF_ERROR(m_step(st, n, o.reg_covar, p));
      ++it;
      bound = st.log_prob_sum / static_cast<double>(n);
      ctx.progress().step(static_cast<std::int64_t>(run) * o.max_iter + it);
      if (std::fabs(bound - prev) < o.tol) {
        converged = true;
        break;
      }
    }
    if (bound > best_bound || run == 0) {
      best_bound = bound;
      best = std::move(p);
      best_iter = it;
      best_conv = converged;
    }
  }
  ctx.progress().end();
  GmmFit fit;
  fit.covariance = o.covariance;
  fit.k = k;
  fit.d = d;
  fit.lower_bound = best_bound;
  fit.n_iter = best_iter;
  fit.converged = best_conv;
  fit.labels.resize(static_cast<std::size_t>(n));
  fit.confidence.resize(static_cast<std::size_t>(n));
  const Stats fin = internal::mixture_pass(ctx, ps, best, nullptr, fit.labels.data(), fit.confidence.data(), false);
  fit.log_likelihood = fin.log_prob_sum;
  fit.weights = best.weights;
  fit.means = best.means;
  for (index_t c = 0; c < k; ++c)
    for (index_t j = 0; j < d; ++j) fit.means[static_cast<std::size_t>(c * d + j)] += ps.center[static_cast<std::size_t>(j)];
  if (o.covariance == Covariance::diag) {
    fit.covariances.resize(static_cast<std::size_t>(k * d));
    for (std::size_t t = 0; t < fit.covariances.size(); ++t)
      fit.covariances[t] = 1.0 / (best.prec_chol[t] * best.prec_chol[t]);
  } else {
    fit.covariances.resize(static_cast<std::size_t>(k * d * d));
    for (index_t c = 0; c < k; ++c) {
      Eigen::MatrixXd u(d, d);
      for (index_t a = 0; a < d; ++a)
        for (index_t b = 0; b < d; ++b) u(a, b) = best.prec_chol[static_cast<std::size_t>(c * d * d + a * d + b)];
      const Eigen::MatrixXd prec = u * u.transpose();
      const Eigen::MatrixXd cov = prec.inverse();
      for (index_t a = 0; a < d; ++a)
        for (index_t b = 0; b < d; ++b) fit.covariances[static_cast<std::size_t>(c * d * d + a * d + b)] = cov(a, b);
    }
  }
  const double cov_params = o.covariance == Covariance::diag
                                ? static_cast<double>(k * d)
                                : static_cast<double>(k) * static_cast<double>(d * (d + 1)) / 2.0;
  const double n_params = cov_params + static_cast<double>(k * d) + static_cast<double>(k - 1);
  fit.bic = -2 * fit.log_likelihood + n_params * std::log(static_cast<double>(n));
  fit.aic = -2 * fit.log_likelihood + 2 * n_params;
  return fit;
}

Result<Matrix<float>> gmm_predict_proba(const Context& ctx, const GmmFit& fit, MatrixView<const float> x) {
  KOHORT_RETURN_IF_ERROR(check_finite(x));
  if (x.cols != fit.d)
    return Status::invalid_input("input", fmt::format("rows have {} columns; the model expects {}", x.cols, fit.d));
  // Rebuild the E-step parameters around this data's own centre (the densities do not depend
  // on the centring; it only keeps the products well conditioned).
  Pass ps{x, std::vector<double>(static_cast<std::size_t>(fit.d), 0.0)};
  for (index_t j = 0; j < fit.d; ++j) {
    double s = 0;
    for (index_t c = 0; c < fit.k; ++c) s += fit.weights[static_cast<std::size_t>(c)] * fit.means[static_cast<std::size_t>(c * fit.d + j)];
    ps.center[static_cast<std::size_t>(j)] = s;
  }
  GmmStart st;
  st.weights = fit.weights;
  st.means = fit.means;
  if (fit.covariance == Covariance::diag) {
    for (double v : fit.covariances) st.precisions.push_back(1.0 / v);
  } else {
    const index_t d = fit.d;
    for (index_t c = 0; c < fit.k; ++c) {
      Eigen::MatrixXd cov(d, d);
      for (index_t a = 0; a < d; ++a)
        for (index_t b = 0; b < d; ++b) cov(a, b) = fit.covariances[static_cast<std::size_t>(c * d * d + a * d + b)];
      const Eigen::MatrixXd prec = cov.inverse();
      for (index_t a = 0; a < d; ++a)
        for (index_t b = 0; b < d; ++b) st.precisions.push_back(prec(a, b));
    }
  }
  Params p;
  p.cov = fit.covariance;
  p.k = fit.k;
  p.d = fit.d;
  KOHORT_RETURN_IF_ERROR(params_from_start(st, ps.center, p));
  return internal::mixture_proba(ctx, ps, p);
}

}  // namespace kohort::cluster
