#include "kohort/cluster/internal/mixture_pass.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kohort/core/blas.h"
#include "kohort/core/parallel.h"

namespace kohort::cluster::internal {

namespace {

std::size_t at(index_t i) { return static_cast<std::size_t>(i); }

struct Scratch {
  std::vector<float> xc, ab, g, y, resp, w;
  std::vector<double> lp, e;
};

Scratch make_scratch(index_t k, index_t d) {
  Scratch s;
  s.xc.resize(at(kMixtureTile * d));
  s.ab.resize(at(kMixtureTile * 2 * d));
  s.g.resize(at(std::max({kMixtureTile * k, k * 2 * d, d * d})));
  s.y.resize(at(kMixtureTile * d));
  s.w.resize(at(kMixtureTile * d));
  s.resp.resize(at(kMixtureTile * k));
  s.lp.resize(at(kMixtureTile * k));
  s.e.resize(at(k));
  return s;
}

void centre_tile(const MixtureData& data, index_t t, index_t te, Scratch& s) {
  const index_t d = data.x.cols;
  for (index_t i = t; i < te; ++i)
    for (index_t j = 0; j < d; ++j)
      s.xc[at((i - t) * d + j)] = static_cast<float>(data.x(i, j) - data.center[at(j)]);
}

// [x | x²] of the tile into s.ab (the diag products and statistics read it).
void squares_tile(MatrixView<const float> xc, Scratch& s) {
  const index_t r = xc.rows, d = xc.cols;
  for (index_t i = 0; i < r; ++i)
    for (index_t j = 0; j < d; ++j) {
      const float v = xc(i, j);
      s.ab[at(i * 2 * d + j)] = v;
      s.ab[at(i * 2 * d + d + j)] = v * v;
    }
}

// log_const − ½ Mahalanobis (tile × k) of centred rows xc, in double.
void log_prob_tile(const ComponentForms& f, MatrixView<const float> xc, Scratch& s) {
  const index_t r = xc.rows, k = f.k, d = f.d;
  if (f.cov == Covariance::diag) {
    squares_tile(xc, s);
    MatrixView<float> g(s.g.data(), r, k);
    blas::gemm_abt(1.0f, MatrixView<const float>(s.ab.data(), r, 2 * d), f.diag_b.cview(), 0.0f, g);
    for (index_t i = 0; i < r; ++i)
      for (index_t c = 0; c < k; ++c) {
        // x²p − 2xμp + μ²p can come out slightly negative after rounding
        const double maha = std::max(0.0, static_cast<double>(g(i, c)) + f.diag_c[at(c)]);
        s.lp[at(i * k + c)] = f.log_const[at(c)] - 0.5 * maha;
      }
    return;
  }
  MatrixView<float> y(s.y.data(), r, d);
  for (index_t c = 0; c < k; ++c) {
    blas::gemm_abt(1.0f, xc, f.full_ut[at(c)].cview(), 0.0f, y);
    const double* mu_u = f.full_mu_u.data() + c * d;
    for (index_t i = 0; i < r; ++i) {
      double maha = 0;
      const float* yi = y.row(i);
      for (index_t j = 0; j < d; ++j) {
        const double t = yi[j] - mu_u[j];
        maha += t * t;
      }
      s.lp[at(i * k + c)] = f.log_const[at(c)] - 0.5 * maha;
    }
  }
}

// Normalises a tile's log terms into responsibilities (s.resp); adds Σ log-sum-exp and
// −Σ r log r. labels/conf, when given, receive the most probable component and its
// probability.
void responsibilities(index_t r, index_t k, Scratch& s, std::int32_t* labels, float* conf,
                      double& lse_sum, double& entropy) {
  for (index_t i = 0; i < r; ++i) {
    const double* lp = s.lp.data() + i * k;
    double mx = -std::numeric_limits<double>::infinity();
    index_t arg = 0;
    for (index_t c = 0; c < k; ++c)
      if (lp[c] > mx) {
        mx = lp[c];
        arg = c;
      }
    // One exp per cell: e = exp(lp − max), r = e / Σe, log r = lp − max − log Σe. exp
    // underflows to exactly 0 below −745.2; skipping the call there changes no bit.
    double* e = s.e.data();
    double sum = 0;
    for (index_t c = 0; c < k; ++c) {
      const double t = lp[c] - mx;
      sum += (e[c] = t < -746.0 ? 0.0 : std::exp(t));
    }
    const double log_sum = std::log(sum), inv = 1.0 / sum;
    float* resp = s.resp.data() + i * k;
    double plogp = 0;
    for (index_t c = 0; c < k; ++c) {
      const double rc = e[c] * inv;
      plogp += rc * (lp[c] - mx);
      resp[c] = static_cast<float>(rc);
    }
    lse_sum += mx + log_sum;
    entropy -= plogp - log_sum;  // Σ r log r = Σ r (lp − max) − log Σe, as Σ r = 1
    if (labels != nullptr) labels[i] = static_cast<std::int32_t>(arg);
    if (conf != nullptr) conf[i] = static_cast<float>(inv);
  }
}

// Adds a tile's statistics (responsibilities in s.resp) into one block's double slots.
void accumulate(const ComponentForms& f, MatrixView<const float> xc, Scratch& s, double* nk,
                double* s1, double* s2) {
  const index_t r = xc.rows, k = f.k, d = f.d;
  for (index_t i = 0; i < r; ++i)
    for (index_t c = 0; c < k; ++c) nk[c] += s.resp[at(i * k + c)];
  MatrixView<const float> resp(s.resp.data(), r, k);
  if (f.cov == Covariance::diag) {
    // [Σ r x | Σ r x²] = Rᵀ · [x | x²]; the tile's [x | x²] is in s.ab.
    MatrixView<float> g(s.g.data(), k, 2 * d);
    blas::gemm_atb(1.0f, resp, MatrixView<const float>(s.ab.data(), r, 2 * d), 0.0f, g);
    for (index_t c = 0; c < k; ++c)
      for (index_t j = 0; j < d; ++j) {
        s1[c * d + j] += g(c, j);
        s2[c * d + j] += g(c, d + j);
      }
    return;
  }
  MatrixView<float> g(s.g.data(), k, d);
  blas::gemm_atb(1.0f, resp, xc, 0.0f, g);
  for (index_t t = 0; t < k * d; ++t) s1[t] += g.data[t];
  MatrixView<float> w(s.w.data(), r, d);
  MatrixView<float> out(s.g.data(), d, d);
  for (index_t c = 0; c < k; ++c) {
    for (index_t i = 0; i < r; ++i) {
      const float sr = std::sqrt(s.resp[at(i * k + c)]);
      for (index_t j = 0; j < d; ++j) w(i, j) = sr * xc(i, j);
    }
    blas::syrk_ata(1.0f, w, 0.0f, out);
    double* dst = s2 + c * d * d;
    for (index_t t = 0; t < d * d; ++t) dst[t] += out.data[t];
  }
}

}  // namespace

MixtureStats mixture_pass(const Context& ctx, const MixtureData& data, const ComponentForms& f,
                          const std::int32_t* hard, std::int32_t* labels, float* conf,
                          bool want_stats) {
  const index_t n = data.x.rows, k = f.k, d = f.d;
  const index_t nb = block_count(n, kMixtureBlock);
  const std::size_t s2_size = at(f.cov == Covariance::diag ? k * d : k * d * d);
  std::vector<double> nk(want_stats ? at(nb * k) : 0, 0.0);
  std::vector<double> s1(want_stats ? at(nb * k * d) : 0, 0.0);
  std::vector<double> s2(want_stats ? at(nb) * s2_size : 0, 0.0);
  std::vector<double> lse(at(nb), 0.0), ent(at(nb), 0.0);
  const int threads = std::max(1, ctx.threads());
  std::vector<Scratch> scratch;
  for (int t = 0; t < threads; ++t) scratch.push_back(make_scratch(k, d));
  parallel_for_blocks_indexed(ctx, n, kMixtureBlock, [&](int w, index_t b, index_t s, index_t e) {
    Scratch& sc = scratch[static_cast<std::size_t>(w)];
    double lse_sum = 0, ent_sum = 0;
    for (index_t t = s; t < e; t += kMixtureTile) {
      const index_t te = std::min(e, t + kMixtureTile);
      const index_t r = te - t;
      centre_tile(data, t, te, sc);
      MatrixView<const float> xc(sc.xc.data(), r, d);
      if (hard != nullptr) {
        std::fill(sc.resp.begin(), sc.resp.begin() + r * k, 0.0f);
        for (index_t i = 0; i < r; ++i) sc.resp[at(i * k + hard[t + i])] = 1.0f;
        if (f.cov == Covariance::diag) squares_tile(xc, sc);
      } else {
        log_prob_tile(f, xc, sc);
        responsibilities(r, k, sc, labels ? labels + t : nullptr, conf ? conf + t : nullptr, lse_sum,
                         ent_sum);
      }
      if (want_stats)
        accumulate(f, xc, sc, nk.data() + b * k, s1.data() + b * k * d, s2.data() + at(b) * s2_size);
    }
    lse[at(b)] = lse_sum;
    ent[at(b)] = ent_sum;
  });
  MixtureStats st;
  for (index_t b = 0; b < nb; ++b) {
    st.log_prob_sum += lse[at(b)];
    st.entropy += ent[at(b)];
  }
  if (!want_stats) return st;
  st.nk.assign(at(k), 0.0);
  st.s1.assign(at(k * d), 0.0);
  st.s2.assign(s2_size, 0.0);
  for (index_t b = 0; b < nb; ++b) {
    for (index_t c = 0; c < k; ++c) st.nk[at(c)] += nk[at(b * k + c)];
    for (index_t t = 0; t < k * d; ++t) st.s1[at(t)] += s1[at(b * k * d + t)];
    for (std::size_t t = 0; t < s2_size; ++t) st.s2[t] += s2[at(b) * s2_size + t];
  }
  return st;
}

Matrix<float> mixture_proba(const Context& ctx, const MixtureData& data, const ComponentForms& f) {
  Matrix<float> out(data.x.rows, f.k);
  const int threads = std::max(1, ctx.threads());
  std::vector<Scratch> scratch;
  for (int t = 0; t < threads; ++t) scratch.push_back(make_scratch(f.k, f.d));
  parallel_for_blocks_indexed(ctx, data.x.rows, kMixtureBlock, [&](int w, index_t, index_t s, index_t e) {
    Scratch& sc = scratch[static_cast<std::size_t>(w)];
    double lse_sum = 0, ent_sum = 0;
    for (index_t t = s; t < e; t += kMixtureTile) {
      const index_t te = std::min(e, t + kMixtureTile);
      centre_tile(data, t, te, sc);
      log_prob_tile(f, MatrixView<const float>(sc.xc.data(), te - t, f.d), sc);
      responsibilities(te - t, f.k, sc, nullptr, nullptr, lse_sum, ent_sum);
      std::copy(sc.resp.begin(), sc.resp.begin() + (te - t) * f.k, out.row(t));
    }
  });
  return out;
}

}  // namespace kohort::cluster::internal
