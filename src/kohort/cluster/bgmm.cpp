#include "kohort/cluster/bgmm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <fmt/format.h>

#include "kohort/cluster/internal/mixture_pass.h"
#include "kohort/cluster/kmeans.h"
#include "kohort/core/blas.h"
#include "kohort/core/parallel.h"

namespace kohort::cluster {

namespace {

constexpr index_t kBlock = internal::kMixtureBlock;
const double kLog2Pi = std::log(2.0 * std::numbers::pi);
const double kLog2 = std::log(2.0);

// Boost.Math reports through errno rather than exceptions; every argument here is positive.
using NoThrow = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::errno_on_error>,
    boost::math::policies::pole_error<boost::math::policies::errno_on_error>,
    boost::math::policies::overflow_error<boost::math::policies::errno_on_error>,
    boost::math::policies::evaluation_error<boost::math::policies::errno_on_error>>;

double digamma(double v) { return boost::math::digamma(v, NoThrow()); }
double lgamma(double v) { return boost::math::lgamma(v, NoThrow()); }

std::size_t at(index_t i) { return static_cast<std::size_t>(i); }

// The variational posterior in the centred space (data mean removed), with the E-step forms.
// (cov, k, d, log_const — the part of E[log w·N(x)] that does not depend on x — and the other
// E-step forms come from ComponentForms.)
struct Params : internal::ComponentForms {
  std::vector<double> a, b;        // k: stick Beta(a, b)
  std::vector<double> beta, nu;    // k: mean precision, degrees of freedom
  std::vector<double> means;       // k × d (centred)
  std::vector<double> covs;        // diag k × d, full k × d × d: (ν W)⁻¹, as scikit-learn's
  std::vector<double> prec_chol;   // diag: k × d (1/σ); full: k × d × d upper U, U Uᵀ = covs⁻¹
  std::vector<double> log_det;     // k: Σ log diag(U)
};

// The priors in the centred space.
struct Prior {
  double gamma = 1, beta0 = 1, nu0 = 1;
  std::vector<double> mean;  // d (centred)
  std::vector<double> cov;   // diag d, full d × d
};

using Stats = internal::MixtureStats;
using Pass = internal::MixtureData;

// Cholesky factors of the precisions from covs (scikit-learn's _compute_precision_cholesky).
Status set_precisions(Params& p) {
  const index_t k = p.k, d = p.d;
  p.log_det.assign(at(k), 0.0);
  if (p.cov == Covariance::diag) {
    p.prec_chol.assign(at(k * d), 0.0);
    for (index_t c = 0; c < k; ++c)
      for (index_t j = 0; j < d; ++j) {
        const double var = p.covs[at(c * d + j)];
        if (!(var > 0) || !std::isfinite(var))
          return Status::invalid_input(
              "bgmm", fmt::format("component {} has a non-positive variance in column {}", c, j),
              "raise --reg-covar or the covariance prior, or drop constant columns");
        const double pc = 1.0 / std::sqrt(var);
        p.prec_chol[at(c * d + j)] = pc;
        p.log_det[at(c)] += std::log(pc);
      }
    return {};
  }
  p.prec_chol.assign(at(k * d * d), 0.0);
  for (index_t c = 0; c < k; ++c) {
    const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> cov(
        p.covs.data() + c * d * d, d, d);
    Eigen::LLT<Eigen::MatrixXd> llt(cov);
    if (llt.info() != Eigen::Success)
      return Status::invalid_input(
          "bgmm", fmt::format("the covariance of component {} is not positive definite", c),
          "raise --reg-covar, use fewer components, or use --covariance diag");
    // U = L⁻ᵀ: upper triangular with U Uᵀ = Σ⁻¹.
    const Eigen::MatrixXd u = llt.matrixL().solve(Eigen::MatrixXd::Identity(d, d)).transpose();
    for (index_t r = 0; r < d; ++r) {
      for (index_t s = 0; s < d; ++s) p.prec_chol[at(c * d * d + r * d + s)] = u(r, s);
      p.log_det[at(c)] += std::log(u(r, r));
    }
  }
  return {};
}

// E[log w_c] under the stick-breaking posterior (scikit-learn's _estimate_log_weights).
std::vector<double> expected_log_weights(const Params& p) {
  std::vector<double> out(at(p.k));
  double prefix = 0;
  for (index_t c = 0; c < p.k; ++c) {
    const double ds = digamma(p.a[at(c)] + p.b[at(c)]);
    out[at(c)] = digamma(p.a[at(c)]) - ds + prefix;
    prefix += digamma(p.b[at(c)]) - ds;
  }
  return out;
}

// log_const from the posterior: E[log w] + ½E[log|Λ|] − ½d log 2π − ½d/β, where the covariance
// is normalised by ν (scikit-learn's _estimate_log_prob).
void set_log_const(Params& p) {
  const index_t k = p.k, d = p.d;
  const std::vector<double> elw = expected_log_weights(p);
  p.log_const.assign(at(k), 0.0);
  for (index_t c = 0; c < k; ++c) {
    const double nu = p.nu[at(c)];
    double log_lambda = static_cast<double>(d) * kLog2;
    for (index_t i = 0; i < d; ++i) log_lambda += digamma(0.5 * (nu - static_cast<double>(i)));
    p.log_const[at(c)] = elw[at(c)] + p.log_det[at(c)] - 0.5 * static_cast<double>(d) * kLog2Pi -
                         0.5 * static_cast<double>(d) * std::log(nu) +
                         0.5 * (log_lambda - static_cast<double>(d) / p.beta[at(c)]);
  }
}

// The single-precision forms of the E-step products, from means and prec_chol.
void build_forms(Params& p) {
  const index_t k = p.k, d = p.d;
  if (p.cov == Covariance::diag) {
    p.diag_b = Matrix<float>(k, 2 * d);
    p.diag_c.assign(at(k), 0.0);
    for (index_t c = 0; c < k; ++c)
      for (index_t j = 0; j < d; ++j) {
        const double pc = p.prec_chol[at(c * d + j)];
        const double prec = pc * pc;
        const double mu = p.means[at(c * d + j)];
        p.diag_b(c, j) = static_cast<float>(-2.0 * mu * prec);
        p.diag_b(c, d + j) = static_cast<float>(prec);
        p.diag_c[at(c)] += mu * mu * prec;
      }
    return;
  }
  p.full_ut.clear();
  p.full_mu_u.assign(at(k * d), 0.0);
  for (index_t c = 0; c < k; ++c) {
    Matrix<float> ut(d, d);
    const double* u = p.prec_chol.data() + c * d * d;
    for (index_t r = 0; r < d; ++r)
      for (index_t s = 0; s < d; ++s) ut(s, r) = static_cast<float>(u[r * d + s]);
    for (index_t s = 0; s < d; ++s) {
      double v = 0;
      for (index_t r = 0; r < d; ++r) v += p.means[at(c * d + r)] * u[r * d + s];
      p.full_mu_u[at(c * d + s)] = v;
    }
    p.full_ut.push_back(std::move(ut));
  }
}

// The variational M-step (scikit-learn's _estimate_weights, _estimate_means,
// _estimate_wishart_diag/_full).
Status m_step(const Stats& st, const Prior& pr, double reg, Params& p) {
  const index_t k = p.k, d = p.d;
  const double eps10 = 10 * std::numeric_limits<double>::epsilon();
  std::vector<double> nk(at(k)), xk(at(k * d));
  for (index_t c = 0; c < k; ++c) {
    nk[at(c)] = st.nk[at(c)] + eps10;
    for (index_t j = 0; j < d; ++j) xk[at(c * d + j)] = st.s1[at(c * d + j)] / nk[at(c)];
  }
  p.a.resize(at(k));
  p.b.resize(at(k));
  double tail = 0;  // Σ_{j > c} n_j
  for (index_t c = k - 1; c >= 0; --c) {
    p.a[at(c)] = 1.0 + nk[at(c)];
    p.b[at(c)] = pr.gamma + tail;
    tail += nk[at(c)];
  }
  p.beta.resize(at(k));
  p.nu.resize(at(k));
  p.means.assign(at(k * d), 0.0);
  p.covs.assign(at(p.cov == Covariance::diag ? k * d : k * d * d), 0.0);
  for (index_t c = 0; c < k; ++c) {
    const double n_c = nk[at(c)];
    const double beta = pr.beta0 + n_c, nu = pr.nu0 + n_c;
    p.beta[at(c)] = beta;
    p.nu[at(c)] = nu;
    const double* x_c = xk.data() + c * d;
    for (index_t j = 0; j < d; ++j)
      p.means[at(c * d + j)] = (pr.beta0 * pr.mean[at(j)] + n_c * x_c[j]) / beta;
    const double shrink = n_c * pr.beta0 / beta;
    if (p.cov == Covariance::diag) {
      for (index_t j = 0; j < d; ++j) {
        const double sk = st.s2[at(c * d + j)] / n_c - x_c[j] * x_c[j] + reg;
        const double diff = x_c[j] - pr.mean[at(j)];
        p.covs[at(c * d + j)] = (pr.cov[at(j)] + n_c * sk + shrink * diff * diff) / nu;
      }
    } else {
      const double* s2 = st.s2.data() + c * d * d;
      double* out = p.covs.data() + c * d * d;
      for (index_t r = 0; r < d; ++r)
        for (index_t s = 0; s < d; ++s) {
          const double sk = s2[r * d + s] / n_c - x_c[r] * x_c[s] + (r == s ? reg : 0.0);
          const double dr = x_c[r] - pr.mean[at(r)], ds = x_c[s] - pr.mean[at(s)];
          out[r * d + s] = (pr.cov[at(r * d + s)] + n_c * sk + shrink * dr * ds) / nu;
        }
    }
  }
  KOHORT_RETURN_IF_ERROR(set_precisions(p));
  set_log_const(p);
  build_forms(p);
  return {};
}

// The lower bound after an M-step, from the entropy of the E-step's responsibilities
// (scikit-learn's _compute_lower_bound: constant terms dropped, covariances normalised by ν).
double lower_bound(const Params& p, double entropy) {
  const index_t d = p.d;
  const auto df = static_cast<double>(d);
  double bound = entropy;
  for (index_t c = 0; c < p.k; ++c) {
    const double nu = p.nu[at(c)];
    const double log_det_chol = p.log_det[at(c)] - 0.5 * df * std::log(nu);
    double log_wishart = nu * log_det_chol + nu * df * 0.5 * kLog2;
    for (index_t i = 0; i < d; ++i) log_wishart += lgamma(0.5 * (nu - static_cast<double>(i)));
    log_wishart = -log_wishart;
    const double a = p.a[at(c)], b = p.b[at(c)];
    const double betaln = lgamma(a) + lgamma(b) - lgamma(a + b);
    bound += -log_wishart + betaln - 0.5 * df * std::log(p.beta[at(c)]);
  }
  return bound;
}

Status validate(MatrixView<const float> x, const BgmmOptions& o) {
  KOHORT_RETURN_IF_ERROR(check_finite(x));
  if (x.rows < 2)
    return Status::invalid_input("input", fmt::format("{} row; the mixture needs at least 2", x.rows),
                                 "pass at least two rows");
  if (o.n_components < 1)
    return Status::invalid_argument("--k", fmt::format("{} is below the minimum 1", o.n_components));
  if (o.n_components > x.rows)
    return Status::invalid_argument(
        "--k", fmt::format("the truncation level {} is larger than the number of rows ({})", o.n_components, x.rows),
        "give at most as many components as there are rows");
  if (o.max_iter < 1) return Status::invalid_argument("--max-iter", "must be at least 1");
  if (!(o.tol >= 0)) return Status::invalid_argument("--tol", "must be ≥ 0");
  if (!(o.reg_covar >= 0) || !std::isfinite(o.reg_covar))
    return Status::invalid_argument("--reg-covar", "must be finite and ≥ 0");
  if (o.n_init < 1) return Status::invalid_argument("--n-init", "must be at least 1");
  if (!(o.weight_threshold >= 0 && o.weight_threshold < 1))
    return Status::invalid_argument("bgmm weight_threshold",
                                    fmt::format("{} is outside [0, 1)", o.weight_threshold),
                                    "0 takes 1/(2·n_components)");
  const BgmmPriors& pr = o.priors;
  const auto d = static_cast<std::size_t>(x.cols);
  if (!(pr.weight_concentration >= 0) || !std::isfinite(pr.weight_concentration))
    return Status::invalid_argument("bgmm weight_concentration",
                                    fmt::format("{} must be positive (0 takes 1/n_components)", pr.weight_concentration));
  if (!(pr.mean_precision > 0) || !std::isfinite(pr.mean_precision))
    return Status::invalid_argument("bgmm mean_precision", fmt::format("{} must be positive", pr.mean_precision));
  if (!pr.mean.empty()) {
    if (pr.mean.size() != d)
      return Status::invalid_argument("bgmm mean", fmt::format("has {} values; the data have {} columns", pr.mean.size(), d));
    for (double v : pr.mean)
      if (!std::isfinite(v)) return Status::invalid_argument("bgmm mean", "values must be finite");
  }
  if (pr.degrees_of_freedom != 0 &&
      (!(pr.degrees_of_freedom > static_cast<double>(d) - 1) || !std::isfinite(pr.degrees_of_freedom)))
    return Status::invalid_argument(
        "bgmm degrees_of_freedom",
        fmt::format("{} must be greater than the number of columns minus one ({})", pr.degrees_of_freedom, d - 1),
        "0 takes the number of columns");
  if (!pr.covariance.empty()) {
    const std::size_t want = o.covariance == Covariance::diag ? d : d * d;
    if (pr.covariance.size() != want)
      return Status::invalid_argument("bgmm covariance",
                                      fmt::format("has {} values; {} covariance needs {}", pr.covariance.size(),
                                                  o.covariance == Covariance::diag ? "diag" : "full", want));
    if (o.covariance == Covariance::diag) {
      for (double v : pr.covariance)
        if (!(v > 0) || !std::isfinite(v))
          return Status::invalid_argument("bgmm covariance", "variances must be positive and finite");
    } else {
      const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> m(
          pr.covariance.data(), x.cols, x.cols);
      const bool finite = std::all_of(pr.covariance.begin(), pr.covariance.end(), [](double v) { return std::isfinite(v); });
      if (!finite || (m - m.transpose()).cwiseAbs().maxCoeff() > 1e-10 * (1 + m.cwiseAbs().maxCoeff()) ||
          Eigen::LLT<Eigen::MatrixXd>(m).info() != Eigen::Success)
        return Status::invalid_argument("bgmm covariance", "must be symmetric positive definite");
    }
  }
  if (!o.start_labels.empty()) {
    if (o.start_labels.size() != static_cast<std::size_t>(x.rows))
      return Status::invalid_argument(
          "bgmm start_labels", fmt::format("{} labels for {} rows", o.start_labels.size(), x.rows));
    for (std::size_t i = 0; i < o.start_labels.size(); ++i)
      if (o.start_labels[i] < 0 || o.start_labels[i] >= o.n_components)
        return Status::invalid_argument(
            "bgmm start_labels", fmt::format("label {} of row {} is outside [0, {})", o.start_labels[i], i, o.n_components));
  }
  return {};
}

// Column means and the default covariance prior (n − 1 in the denominator), in double per
// block and combined in block order.
void data_moments(const Context& ctx, MatrixView<const float> x, Covariance cov, std::vector<double>& mean,
                  std::vector<double>& scatter) {
  const index_t n = x.rows, d = x.cols, nb = block_count(n, kBlock);
  mean.assign(at(d), 0.0);
  {
    std::vector<double> part(at(nb * d), 0.0);
    parallel_for_blocks(ctx, n, kBlock, [&](index_t b, index_t s, index_t e) {
      for (index_t i = s; i < e; ++i)
        for (index_t j = 0; j < d; ++j) part[at(b * d + j)] += x(i, j);
    });
    for (index_t b = 0; b < nb; ++b)
      for (index_t j = 0; j < d; ++j) mean[at(j)] += part[at(b * d + j)];
    for (auto& m : mean) m /= static_cast<double>(n);
  }
  const index_t w = cov == Covariance::diag ? d : d * d;
  std::vector<double> part(at(nb * w), 0.0);
  parallel_for_blocks(ctx, n, kBlock, [&](index_t b, index_t s, index_t e) {
    std::vector<double> row(at(d));
    double* out = part.data() + b * w;
    for (index_t i = s; i < e; ++i) {
      for (index_t j = 0; j < d; ++j) row[at(j)] = x(i, j) - mean[at(j)];
      if (cov == Covariance::diag) {
        for (index_t j = 0; j < d; ++j) out[j] += row[at(j)] * row[at(j)];
      } else {
        for (index_t r = 0; r < d; ++r)
          for (index_t c = 0; c < d; ++c) out[r * d + c] += row[at(r)] * row[at(c)];
      }
    }
  });
  scatter.assign(at(w), 0.0);
  for (index_t b = 0; b < nb; ++b)
    for (index_t t = 0; t < w; ++t) scatter[at(t)] += part[at(b * w + t)];
  for (auto& v : scatter) v /= static_cast<double>(n - 1);
}

// Expected weights of the stick-breaking posterior (scikit-learn's _set_parameters).
std::vector<double> expected_weights(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> w(a.size());
  double rest = 1, total = 0;
  for (std::size_t c = 0; c < a.size(); ++c) {
    w[c] = a[c] / (a[c] + b[c]) * rest;
    rest *= b[c] / (a[c] + b[c]);
    total += w[c];
  }
  for (auto& v : w) v /= total;
  return w;
}

// The posterior of the effective components only, in segment order; the log constants
// (which depend on every stick before them) come from the full posterior.
Params restrict_to(const Params& full, const std::vector<index_t>& eff) {
  Params p;
  p.cov = full.cov;
  p.k = static_cast<index_t>(eff.size());
  p.d = full.d;
  const index_t d = full.d, w = full.cov == Covariance::diag ? d : d * d;
  for (index_t c : eff) {
    p.log_const.push_back(full.log_const[at(c)]);
    p.means.insert(p.means.end(), full.means.begin() + c * d, full.means.begin() + (c + 1) * d);
    p.prec_chol.insert(p.prec_chol.end(), full.prec_chol.begin() + c * w, full.prec_chol.begin() + (c + 1) * w);
  }
  build_forms(p);
  return p;
}

}  // namespace

Result<BgmmFit> fit_bgmm(const Context& ctx, MatrixView<const float> x, const BgmmOptions& o) {
  KOHORT_RETURN_IF_ERROR(validate(x, o));
  const index_t n = x.rows, d = x.cols, k = o.n_components;
  Pass ps{x, {}};
  std::vector<double> data_cov;
  data_moments(ctx, x, o.covariance, ps.center, data_cov);
  Prior prior;
  prior.gamma = o.priors.weight_concentration > 0 ? o.priors.weight_concentration : 1.0 / static_cast<double>(k);
  prior.beta0 = o.priors.mean_precision;
  prior.nu0 = o.priors.degrees_of_freedom != 0 ? o.priors.degrees_of_freedom : static_cast<double>(d);
  prior.mean.assign(at(d), 0.0);
  if (!o.priors.mean.empty())
    for (index_t j = 0; j < d; ++j) prior.mean[at(j)] = o.priors.mean[at(j)] - ps.center[at(j)];
  prior.cov = o.priors.covariance.empty() ? data_cov : o.priors.covariance;

  const bool started = !o.start_labels.empty();
  const int runs = started ? 1 : o.n_init;
  Params best;
  double best_bound = -std::numeric_limits<double>::infinity();
  int best_iter = 0;
  bool best_conv = false;
  ctx.progress().begin("bayesian gaussian mixture", static_cast<std::int64_t>(runs) * o.max_iter);
  for (int run = 0; run < runs; ++run) {
    Params p;
    p.cov = o.covariance;
    p.k = k;
    p.d = d;
    // Start as scikit-learn's init_params='kmeans': one-hot responsibilities of a partition.
    std::vector<std::int32_t> km_labels;
    const std::int32_t* start = o.start_labels.data();
    if (!started) {
      KMeansOptions ko;
      ko.n_clusters = k;
      ko.n_init = 1;
      const Context kctx =
          ctx.quiet().with_seed(ctx.seed() ^ (0xBB67AE8584CAA73BULL * static_cast<std::uint64_t>(run + 1)));
      KOHORT_ASSIGN_OR_RETURN(auto km, fit_kmeans(kctx, x, ko));
      km_labels = std::move(km.labels);
      start = km_labels.data();
    }
    const Stats st0 = internal::mixture_pass(ctx, ps, p, start, nullptr, nullptr, true);
    KOHORT_RETURN_IF_ERROR(m_step(st0, prior, o.reg_covar, p));
    double bound = -std::numeric_limits<double>::infinity();
    bool converged = false;
    int it = 0;
    while (it < o.max_iter) {
      if (ctx.cancelled()) return Status::cancelled();
      const double prev = bound;
      const Stats st = internal::mixture_pass(ctx, ps, p, nullptr, nullptr, nullptr, true);
      KOHORT_RETURN_IF_ERROR(m_step(st, prior, o.reg_covar, p));
      ++it;
      bound = lower_bound(p, st.entropy);
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

  BgmmFit fit;
  fit.covariance = o.covariance;
  fit.k = k;
  fit.d = d;
  fit.lower_bound = best_bound;
  fit.n_iter = best_iter;
  fit.converged = best_conv;
  fit.weights = expected_weights(best.a, best.b);
  fit.concentration_a = best.a;
  fit.concentration_b = best.b;
  fit.mean_precision = best.beta;
  fit.degrees_of_freedom = best.nu;
  fit.means = best.means;
  for (index_t c = 0; c < k; ++c)
    for (index_t j = 0; j < d; ++j) fit.means[at(c * d + j)] += ps.center[at(j)];
  fit.covariances = best.covs;

  const double threshold = o.weight_threshold > 0 ? o.weight_threshold : 0.5 / static_cast<double>(k);
  std::vector<index_t> order(at(k));
  std::iota(order.begin(), order.end(), index_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](index_t l, index_t r) { return fit.weights[at(l)] > fit.weights[at(r)]; });
  for (index_t c : order)
    if (fit.effective.empty() || fit.weights[at(c)] > threshold) fit.effective.push_back(c);

  const Params eff = restrict_to(best, fit.effective);
  fit.labels.resize(at(n));
  fit.confidence.resize(at(n));
  (void)internal::mixture_pass(ctx, ps, eff, nullptr, fit.labels.data(), fit.confidence.data(), false);
  return fit;
}

Result<Matrix<float>> bgmm_predict_proba(const Context& ctx, const BgmmFit& fit, MatrixView<const float> x) {
  KOHORT_RETURN_IF_ERROR(check_finite(x));
  if (fit.k == 0 || fit.effective.empty())
    return Status::invalid_argument("bgmm", "the fit is empty", "predict with the result of a successful fit_bgmm");
  if (x.cols != fit.d)
    return Status::invalid_input("input", fmt::format("rows have {} columns; the model expects {}", x.cols, fit.d));
  const index_t k = fit.k, d = fit.d;
  // Centre on the mixture's mean: the densities do not depend on it; it keeps the float
  // products well conditioned.
  Pass ps{x, std::vector<double>(at(d), 0.0)};
  for (index_t j = 0; j < d; ++j)
    for (index_t c = 0; c < k; ++c) ps.center[at(j)] += fit.weights[at(c)] * fit.means[at(c * d + j)];
  Params full;
  full.cov = fit.covariance;
  full.k = k;
  full.d = d;
  full.a = fit.concentration_a;
  full.b = fit.concentration_b;
  full.beta = fit.mean_precision;
  full.nu = fit.degrees_of_freedom;
  full.means = fit.means;
  for (index_t c = 0; c < k; ++c)
    for (index_t j = 0; j < d; ++j) full.means[at(c * d + j)] -= ps.center[at(j)];
  full.covs = fit.covariances;
  KOHORT_RETURN_IF_ERROR(set_precisions(full));
  set_log_const(full);
  const Params p = restrict_to(full, fit.effective);
  return internal::mixture_proba(ctx, ps, p);
}

}  // namespace kohort::cluster
