#include "kohort/reduce/umap.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <fmt/format.h>

#include "kohort/core/parallel.h"

namespace kohort::reduce {

namespace {

constexpr index_t kRowBlock = 1024;
constexpr index_t kSgdBlock = 256;  // rows per SGD task: small, so the two halves of an epoch balance
constexpr double kSmoothKTolerance = 1e-5;
constexpr double kMinKDistScale = 1e-3;

std::size_t sz(index_t v) { return static_cast<std::size_t>(v); }

}  // namespace

Result<UmapOptions> parse_umap(std::string_view text) {
  auto bad = [&] {
    return Status::invalid_argument("--reduce", fmt::format("cannot read '{}'", text),
                                    "use umap:2 (a 2-dimensional UMAP embedding) or umap:3");
  };
  UmapOptions o;
  if (text == "umap") return o;
  if (text.substr(0, 5) != "umap:") return bad();
  const std::string_view v = text.substr(5);
  int n = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size() || n < 1 || n > 8) return bad();
  o.n_components = n;
  return o;
}

Result<CurveParams> find_ab_params(double spread, double min_dist) {
  if (!(spread > 0) || !(min_dist >= 0) || !(min_dist < 3 * spread))
    return Status::invalid_argument(
        "min_dist", fmt::format("min_dist {} and spread {} do not define a curve", min_dist, spread),
        "use spread > 0 and 0 ≤ min_dist < 3·spread (defaults: min_dist 0.1, spread 1)");
  constexpr int kPoints = 300;
  std::vector<double> xv(kPoints), yv(kPoints);
  for (int i = 0; i < kPoints; ++i) {
    xv[static_cast<std::size_t>(i)] = spread * 3 * i / (kPoints - 1);
    const double x = xv[static_cast<std::size_t>(i)];
    yv[static_cast<std::size_t>(i)] = x < min_dist ? 1.0 : std::exp(-(x - min_dist) / spread);
  }
  // Levenberg–Marquardt (Marquardt's diagonal scaling), as scipy's curve_fit (MINPACK lmdif)
  // but with an analytic Jacobian and run to full convergence.
  auto sse = [&](double a, double b) {
    double s = 0;
    for (int i = 0; i < kPoints; ++i) {
      const double x = xv[static_cast<std::size_t>(i)];
      const double r = 1.0 / (1.0 + a * std::pow(x, 2 * b)) - yv[static_cast<std::size_t>(i)];
      s += r * r;
    }
    return s;
  };
  double a = 1, b = 1, lambda = 1e-3;
  double cur = sse(a, b);
  for (int it = 0; it < 1000; ++it) {
    double jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
    for (int i = 0; i < kPoints; ++i) {
      const double x = xv[static_cast<std::size_t>(i)];
      if (x <= 0) continue;  // f(0) = 1 for every a, b: no gradient
      const double p = std::pow(x, 2 * b);
      const double den = 1.0 + a * p;
      const double r = 1.0 / den - yv[static_cast<std::size_t>(i)];
      const double da = -p / (den * den);
      const double db = -a * p * 2 * std::log(x) / (den * den);
      jaa += da * da;
      jab += da * db;
      jbb += db * db;
      ga += da * r;
      gb += db * r;
    }
    bool improved = false;
    for (int tries = 0; tries < 60 && !improved; ++tries) {
      const double m00 = jaa * (1 + lambda), m11 = jbb * (1 + lambda), m01 = jab;
      const double det = m00 * m11 - m01 * m01;
      if (det == 0) {
        lambda *= 10;
        continue;
      }
      const double sa = -(m11 * ga - m01 * gb) / det;
      const double sb = -(m00 * gb - m01 * ga) / det;
      const double next = sse(a + sa, b + sb);
      if (std::isfinite(next) && next <= cur) {
        const double rel = std::max(std::fabs(sa) / (std::fabs(a) + 1e-300), std::fabs(sb) / (std::fabs(b) + 1e-300));
        a += sa;
        b += sb;
        const double drop = cur - next;
        cur = next;
        lambda = std::max(lambda / 10, 1e-12);
        improved = true;
        if (rel < 1e-13 || drop <= 1e-16 * cur) return CurveParams{a, b};
      } else {
        lambda *= 10;
      }
    }
    if (!improved) break;
  }
  return CurveParams{a, b};
}

SmoothKnn smooth_knn_dist(std::span<const float> distances, index_t n, int k, double k_target,
                          double local_connectivity, double bandwidth) {
  SmoothKnn out;
  out.sigmas.assign(sz(n), 0.0f);
  out.rhos.assign(sz(n), 0.0f);
  const double target = std::log2(k_target) * bandwidth;
  double mean_all = 0;
  for (float d : distances) mean_all += d;
  mean_all /= std::max<double>(1, static_cast<double>(distances.size()));
  std::vector<float> nonzero;
  for (index_t i = 0; i < n; ++i) {
    const float* row = distances.data() + i * k;
    nonzero.clear();
    for (int j = 0; j < k; ++j)
      if (row[j] > 0) nonzero.push_back(row[j]);
    float rho = 0;
    const auto nz = static_cast<double>(nonzero.size());
    if (nz >= local_connectivity) {
      const auto index = static_cast<int>(std::floor(local_connectivity));
      const double interpolation = local_connectivity - index;
      if (index > 0) {
        rho = nonzero[static_cast<std::size_t>(index - 1)];
        if (interpolation > kSmoothKTolerance)
          rho += static_cast<float>(interpolation * (nonzero[static_cast<std::size_t>(index)] -
                                                     nonzero[static_cast<std::size_t>(index - 1)]));
      } else {
        rho = static_cast<float>(interpolation * nonzero[0]);
      }
    } else if (!nonzero.empty()) {
      rho = *std::max_element(nonzero.begin(), nonzero.end());
    }
    // float32 as umap-learn's numba kernel (psum, lo, mid, hi are declared float32 there).
    float lo = 0, hi = std::numeric_limits<float>::infinity(), mid = 1;
    const auto target_f = static_cast<float>(target);
    for (int it = 0; it < 64; ++it) {
      float psum = 0;
      for (int j = 1; j < k; ++j) {
        const float d = row[j] - rho;
        psum += d > 0 ? std::exp(-(d / mid)) : 1.0f;
      }
      if (std::fabs(psum - target_f) < static_cast<float>(kSmoothKTolerance)) break;
      if (psum > target_f) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = std::isinf(hi) ? mid * 2 : (lo + hi) / 2;
      }
    }
    float sigma = mid;
    if (rho > 0) {
      double mean_row = 0;
      for (int j = 0; j < k; ++j) mean_row += row[j];
      mean_row /= k;
      if (sigma < kMinKDistScale * mean_row) sigma = static_cast<float>(kMinKDistScale * mean_row);
    } else if (sigma < kMinKDistScale * mean_all) {
      sigma = static_cast<float>(kMinKDistScale * mean_all);
    }
    out.sigmas[sz(i)] = sigma;
    out.rhos[sz(i)] = rho;
  }
  return out;
}

namespace {

float membership(float d, float rho, float sigma) {
  if (d - rho <= 0.0f || sigma == 0.0f) return 1.0f;
  return static_cast<float>(std::exp(-(static_cast<double>(d - rho) / sigma)));
}

struct Triplet {
  std::int32_t row, col;
  float fwd, rev;
};

}  // namespace

Result<FuzzyGraph> fuzzy_simplicial_set(const Context& ctx, const KnnGraph& knn,
                                        double local_connectivity, double set_op_mix_ratio) {
  const index_t n = knn.n;
  const int k = knn.k;
  if (n < 1 || k < 1) return Status::invalid_input("knn", "the neighbour graph is empty");
  FuzzyGraph g;
  g.n = n;
  SmoothKnn sm = smooth_knn_dist(knn.distances, n, k, static_cast<double>(k), local_connectivity);
  // A as (row, col, value) and Aᵀ as (col, row, value), bucketed by row.
  std::vector<std::int64_t> count(sz(n + 1), 0);
  for (index_t i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j) {
      const auto c = knn.index(i, j);
      if (c < 0 || c == i) continue;
      ++count[sz(i + 1)];
      ++count[sz(c) + 1];
    }
  for (index_t i = 0; i < n; ++i) count[sz(i + 1)] += count[sz(i)];
  std::vector<Triplet> t(sz(count[sz(n)]));
  {
    std::vector<std::int64_t> fill(count.begin(), count.end() - 1);
    for (index_t i = 0; i < n; ++i)
      for (int j = 0; j < k; ++j) {
        const auto c = knn.index(i, j);
        if (c < 0 || c == i) continue;
        const float v = membership(knn.distance(i, j), sm.rhos[sz(i)], sm.sigmas[sz(i)]);
        t[sz(fill[sz(i)]++)] = {static_cast<std::int32_t>(i), c, v, 0.0f};
        t[sz(fill[sz(c)]++)] = {c, static_cast<std::int32_t>(i), 0.0f, v};
      }
  }
  // Per row: sort by column, merge A and Aᵀ entries of the same column, combine.
  std::vector<std::int64_t> kept(sz(n), 0);
  const auto mix = static_cast<float>(set_op_mix_ratio);
  parallel_for_blocks(ctx, n, kRowBlock, [&](index_t, index_t s, index_t e) {
    for (index_t i = s; i < e; ++i) {
      auto* b = t.data() + count[sz(i)];
      auto* en = t.data() + count[sz(i + 1)];
      std::sort(b, en, [](const Triplet& l, const Triplet& r) { return l.col < r.col; });
      Triplet* out = b;
      for (Triplet* p = b; p < en;) {
        Triplet m = *p;
        for (++p; p < en && p->col == m.col; ++p) {
          m.fwd += p->fwd;
          m.rev += p->rev;
        }
        // float32 as scipy's sparse arithmetic: mix·(A + Aᵀ − A∘Aᵀ) + (1 − mix)·A∘Aᵀ.
        const float prod = m.fwd * m.rev;
        const float uni = (m.fwd + m.rev) - prod;
        const float v = mix * uni + (1.0f - mix) * prod;
        if (v != 0.0f) {
          m.fwd = v;
          *out++ = m;
        }
      }
      kept[sz(i)] = out - b;
    }
  });
  g.row_start.assign(sz(n + 1), 0);
  for (index_t i = 0; i < n; ++i) g.row_start[sz(i + 1)] = g.row_start[sz(i)] + kept[sz(i)];
  g.cols.resize(sz(g.row_start[sz(n)]));
  g.weights.resize(g.cols.size());
  for (index_t i = 0; i < n; ++i)
    for (std::int64_t u = 0; u < kept[sz(i)]; ++u) {
      const Triplet& tr = t[sz(count[sz(i)] + u)];
      g.cols[sz(g.row_start[sz(i)] + u)] = tr.col;
      g.weights[sz(g.row_start[sz(i)] + u)] = tr.fwd;
    }
  g.sigmas = std::move(sm.sigmas);
  g.rhos = std::move(sm.rhos);
  return g;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Spectral initialisation.

struct SubGraph {
  index_t n = 0;
  std::vector<std::int64_t> row_start;
  std::vector<std::int32_t> cols;
  std::vector<double> w;
};

// Eigenvectors 2 … dim+1 of L = I − D^−1/2 A D^−1/2, i.e. the top eigenvectors of
// B = (I + D^−1/2 A D^−1/2)/2 after its known top one, √d. Block subspace iteration with
// Cholesky-QR re-orthonormalisation and a Rayleigh–Ritz step every 20 iterations, stopping
// when every wanted Ritz pair has residual ≤ 1e−4 (eigsh's tol in umap-learn). All sums run
// over fixed row blocks in block order: deterministic at any thread count.
bool spectral_vectors(const Context& ctx, const SubGraph& sg, int dim, int max_iter,
                      std::uint64_t seed, std::vector<double>& out, int& iterations) {
  const index_t n = sg.n;
  const int p = std::min<int>(static_cast<int>(n) - 1, dim + std::max(4, dim));
  if (p < dim) return false;
  std::vector<double> dinv(sz(n)), v0(sz(n));
  double vnorm = 0;
  for (index_t i = 0; i < n; ++i) {
    double deg = 0;
    for (auto u = sg.row_start[sz(i)]; u < sg.row_start[sz(i + 1)]; ++u) deg += sg.w[sz(u)];
    if (deg <= 0) return false;
    dinv[sz(i)] = 1.0 / std::sqrt(deg);
    v0[sz(i)] = std::sqrt(deg);
    vnorm += deg;
  }
  for (auto& v : v0) v /= std::sqrt(vnorm);
  const index_t nb = block_count(n, kRowBlock);
  std::vector<double> q(sz(n * p)), y(sz(n * p));
  parallel_for_blocks(ctx, n, kRowBlock, [&](index_t b, index_t s, index_t e) {
    Rng rng(seed, "umap.spectral", static_cast<std::uint64_t>(b));
    for (index_t i = s * p; i < e * p; ++i) q[sz(i)] = rng.normal();
  });
  auto apply_b = [&](const std::vector<double>& in, std::vector<double>& res) {
    parallel_for_blocks(ctx, n, kRowBlock, [&](index_t, index_t s, index_t e) {
      for (index_t i = s; i < e; ++i) {
        double* r = res.data() + i * p;
        const double* xi = in.data() + i * p;
        for (int c = 0; c < p; ++c) r[c] = 0;
        for (auto u = sg.row_start[sz(i)]; u < sg.row_start[sz(i + 1)]; ++u) {
          const auto j = sg.cols[sz(u)];
          const double wij = sg.w[sz(u)] * dinv[sz(i)] * dinv[sz(j)];
          const double* xj = in.data() + sz(j) * sz(p);
          for (int c = 0; c < p; ++c) r[c] += wij * xj[c];
        }
        for (int c = 0; c < p; ++c) r[c] = 0.5 * (r[c] + xi[c]);
      }
    });
  };
  // Blockwise sums of products: parts[b] = Σ_{rows of b} f(row), added in block order.
  auto block_gram = [&](const std::vector<double>& a, const std::vector<double>& c, int ca, int cc) {
    std::vector<double> parts(sz(nb * ca * cc), 0.0);
    parallel_for_blocks(ctx, n, kRowBlock, [&](index_t b, index_t s, index_t e) {
      double* g = parts.data() + b * ca * cc;
      for (index_t i = s; i < e; ++i)
        for (int u = 0; u < ca; ++u) {
          const double au = a[sz(i * ca + u)];
          for (int v = 0; v < cc; ++v) g[u * cc + v] += au * c[sz(i * cc + v)];
        }
    });
    Eigen::MatrixXd g = Eigen::MatrixXd::Zero(ca, cc);
    for (index_t b = 0; b < nb; ++b)
      for (int u = 0; u < ca; ++u)
        for (int v = 0; v < cc; ++v) g(u, v) += parts[sz(b * ca * cc + u * cc + v)];
    return g;
  };
  auto orthonormalise = [&](std::vector<double>& a) -> bool {
    // Remove the trivial direction, then Cholesky-QR twice.
    const Eigen::MatrixXd proj = block_gram(v0, a, 1, p);
    parallel_for_blocks(ctx, n, kRowBlock, [&](index_t, index_t s, index_t e) {
      for (index_t i = s; i < e; ++i)
        for (int c = 0; c < p; ++c) a[sz(i * p + c)] -= v0[sz(i)] * proj(0, c);
    });
    for (int rep = 0; rep < 2; ++rep) {
      const Eigen::MatrixXd g = block_gram(a, a, p, p);
      Eigen::LLT<Eigen::MatrixXd> llt(g);
      if (llt.info() != Eigen::Success) return false;
      const Eigen::MatrixXd rinv =
          Eigen::MatrixXd(llt.matrixU()).triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(p, p));
      parallel_for_blocks(ctx, n, kRowBlock, [&](index_t, index_t s, index_t e) {
        std::vector<double> row(sz(p));
        for (index_t i = s; i < e; ++i) {
          for (int c = 0; c < p; ++c) {
            double v = 0;
            for (int u = 0; u <= c; ++u) v += a[sz(i * p + u)] * rinv(u, c);
            row[sz(c)] = v;
          }
          for (int c = 0; c < p; ++c) a[sz(i * p + c)] = row[sz(c)];
        }
      });
    }
    return true;
  };
  if (!orthonormalise(q)) return false;
  Eigen::MatrixXd ritz;
  iterations = 0;
  // Groups of 4 power steps, re-orthonormalised after each group (fewer passes and parallel
  // regions than after every step); a Rayleigh–Ritz check every 5th group and at the end.
  for (int it = 0, group = 0;; ++group) {
    if (ctx.cancelled()) return false;
    apply_b(q, y);
    iterations = ++it;
    const bool last = it + 3 >= max_iter;
    if (group % 5 == 4 || last) {
      // Rayleigh–Ritz on span(q): H = qᵀ B q; residuals ‖B q u − θ q u‖.
      const Eigen::MatrixXd h = block_gram(q, y, p, p);
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(0.5 * (h + h.transpose()));
      if (es.info() != Eigen::Success) return false;
      ritz = es.eigenvectors().rowwise().reverse();  // descending
      const Eigen::VectorXd theta = es.eigenvalues().reverse();
      std::vector<double> res(sz(nb * dim), 0.0);
      parallel_for_blocks(ctx, n, kRowBlock, [&](index_t b, index_t s, index_t e) {
        for (index_t i = s; i < e; ++i)
          for (int c = 0; c < dim; ++c) {
            double by = 0, qy = 0;
            for (int u = 0; u < p; ++u) {
              by += y[sz(i * p + u)] * ritz(u, c);
              qy += q[sz(i * p + u)] * ritz(u, c);
            }
            const double r = by - theta(c) * qy;
            res[sz(b * dim + c)] += r * r;
          }
      });
      double worst = 0;
      for (int c = 0; c < dim; ++c) {
        double s2 = 0;
        for (index_t b = 0; b < nb; ++b) s2 += res[sz(b * dim + c)];
        worst = std::max(worst, std::sqrt(s2));
      }
      if (worst <= 1e-4 || last) break;
    }
    std::swap(q, y);
    for (int step = 0; step < 3; ++step, ++it) {
      apply_b(q, y);
      std::swap(q, y);
    }
    if (!orthonormalise(q)) return false;
  }
  if (ritz.size() == 0) return false;
  out.assign(sz(n * dim), 0.0);
  parallel_for_blocks(ctx, n, kRowBlock, [&](index_t, index_t s, index_t e) {
    for (index_t i = s; i < e; ++i)
      for (int c = 0; c < dim; ++c) {
        double v = 0;
        for (int u = 0; u < p; ++u) v += q[sz(i * p + u)] * ritz(u, c);
        out[sz(i * dim + c)] = v;
      }
  });
  return true;
}

// Connected components by union–find (labels in order of each component's smallest row).
std::vector<std::int32_t> components(const FuzzyGraph& g, int& count) {
  std::vector<std::int32_t> parent(sz(g.n));
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](std::int32_t a) {
    while (parent[sz(a)] != a) a = parent[sz(a)] = parent[sz(parent[sz(a)])];
    return a;
  };
  for (index_t i = 0; i < g.n; ++i)
    for (auto u = g.row_start[sz(i)]; u < g.row_start[sz(i + 1)]; ++u) {
      const auto a = find(static_cast<std::int32_t>(i)), b = find(g.cols[sz(u)]);
      if (a != b) parent[sz(std::max(a, b))] = std::min(a, b);
    }
  std::vector<std::int32_t> label(sz(g.n), -1), root_label(sz(g.n), -1);
  count = 0;
  for (index_t i = 0; i < g.n; ++i) {
    const auto r = find(static_cast<std::int32_t>(i));
    if (root_label[sz(r)] < 0) root_label[sz(r)] = count++;
    label[sz(i)] = root_label[sz(r)];
  }
  return label;
}

// umap-learn's spectral_layout / multi_component_layout; returns n × dim (double). With more
// than 2·dim components, umap-learn places components by a spectral layout of their data
// centroids; here the centroids' principal axes place them (deterministic and cheap).
bool spectral_init(const Context& ctx, MatrixView<const float> x, const FuzzyGraph& g, int dim,
                   int max_iter, std::uint64_t seed, std::vector<double>& out, int& iterations,
                   std::string& why) {
  const index_t n = g.n;
  int nc = 0;
  const auto label = components(g, nc);
  out.assign(sz(n * dim), 0.0);
  iterations = 0;
  auto sub_graph = [&](const std::vector<std::int32_t>& rows, const std::vector<std::int32_t>& local) {
    SubGraph sg;
    sg.n = static_cast<index_t>(rows.size());
    sg.row_start.push_back(0);
    for (auto r : rows) {
      for (auto u = g.row_start[sz(r)]; u < g.row_start[sz(r) + 1]; ++u) {
        sg.cols.push_back(local[sz(g.cols[sz(u)])]);
        sg.w.push_back(g.weights[sz(u)]);
      }
      sg.row_start.push_back(static_cast<std::int64_t>(sg.cols.size()));
    }
    return sg;
  };
  if (nc == 1) {
    std::vector<std::int32_t> rows(sz(n));
    std::iota(rows.begin(), rows.end(), 0);
    if (!spectral_vectors(ctx, sub_graph(rows, rows), dim, max_iter, seed, out, iterations)) {
      why = "the eigenvector iteration failed (too small an eigengap?)";
      return false;
    }
    return true;
  }
  // Meta positions of the components.
  Eigen::MatrixXd meta = Eigen::MatrixXd::Zero(nc, dim);
  if (nc <= 2 * dim) {
    const int kk = (nc + 1) / 2;
    for (int c = 0; c < nc; ++c) meta(c, c % kk) = c < kk ? 1.0 : -1.0;
  } else {
    const index_t d = x.cols;
    Eigen::MatrixXd cen = Eigen::MatrixXd::Zero(nc, d);
    std::vector<double> size(sz(nc), 0.0);
    for (index_t i = 0; i < n; ++i) {
      size[sz(label[sz(i)])] += 1;
      for (index_t j = 0; j < d; ++j) cen(label[sz(i)], j) += x(i, j);
    }
    for (int c = 0; c < nc; ++c) cen.row(c) /= size[sz(c)];
    const Eigen::MatrixXd centred = cen.rowwise() - cen.colwise().mean();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(centred.transpose() * centred);
    for (int c = 0; c < dim && c < d; ++c) meta.col(c) = centred * es.eigenvectors().col(d - 1 - c);
    const double mx = meta.cwiseAbs().maxCoeff();
    if (mx > 0) meta /= mx;
  }
  Rng rng(seed, "umap.component_init");
  std::vector<std::int32_t> local(sz(n), -1);
  for (int c = 0; c < nc; ++c) {
    std::vector<std::int32_t> rows;
    for (index_t i = 0; i < n; ++i)
      if (label[sz(i)] == c) rows.push_back(static_cast<std::int32_t>(i));
    for (std::size_t t = 0; t < rows.size(); ++t) local[sz(rows[t])] = static_cast<std::int32_t>(t);
    double range = std::numeric_limits<double>::infinity();
    for (int o = 0; o < nc; ++o) {
      const double dd = (meta.row(c) - meta.row(o)).norm();
      if (dd > 0) range = std::min(range, dd / 2);
    }
    if (!std::isfinite(range)) range = 1;
    const auto m = static_cast<index_t>(rows.size());
    std::vector<double> layout;
    int its = 0;
    const bool ok = m >= 2 * dim && m > dim + 1 &&
                    spectral_vectors(ctx, sub_graph(rows, local), dim, max_iter,
                                     seed + static_cast<std::uint64_t>(c), layout, its);
    iterations = std::max(iterations, its);
    double mx = 0;
    if (ok)
      for (double v : layout) mx = std::max(mx, std::fabs(v));
    for (index_t t = 0; t < m; ++t)
      for (int j = 0; j < dim; ++j) {
        const double v = ok && mx > 0 ? layout[sz(t * dim + j)] * range / mx
                                      : (2 * rng.uniform() - 1) * range;
        out[sz(rows[sz(t)]) * sz(dim) + sz(j)] = v + meta(c, j);
      }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// SGD layout.

struct Edges {
  std::vector<std::int64_t> row_start;
  std::vector<std::int32_t> cols;
  std::vector<double> epochs_per_sample;
};

// make_epochs_per_sample: n_epochs / (n_epochs · w / w_max), −1 for zero weights.
Edges make_edges(const std::vector<std::int64_t>& row_start, const std::vector<std::int32_t>& cols,
                 const std::vector<float>& w, index_t rows, int n_epochs) {
  float wmax = 0;
  for (float v : w) wmax = std::max(wmax, v);
  const float cut = wmax / static_cast<float>(n_epochs);
  Edges e;
  e.row_start.push_back(0);
  for (index_t i = 0; i < rows; ++i) {
    for (auto u = row_start[sz(i)]; u < row_start[sz(i + 1)]; ++u) {
      if (w[sz(u)] < cut) continue;
      const double ns = static_cast<double>(n_epochs) * (static_cast<double>(w[sz(u)]) / wmax);
      e.cols.push_back(cols[sz(u)]);
      e.epochs_per_sample.push_back(ns > 0 ? n_epochs / ns : -1.0);
    }
    e.row_start.push_back(static_cast<std::int64_t>(e.cols.size()));
  }
  return e;
}

inline float clip4(float v) { return v > 4.0f ? 4.0f : (v < -4.0f ? -4.0f : v); }

// x^y for x > 0 by exp2(y·log2 x): a few ulps from powf and about twice as fast, which matters
// in the SGD loop where it is half of the time.
inline float pow_pos(float x, float y) { return std::exp2(y * std::log2(x)); }

// A uniform index in [0, n) from 32 random bits by multiply-shift (Lemire 2019); n < 2^32.
inline index_t fast_below(std::uint64_t r, index_t n) {
  return static_cast<index_t>(((r >> 32) * static_cast<std::uint64_t>(n)) >> 32);
}

// n_epochs of umap-learn's optimize_layout_euclidean for the rows of `head` (their edges in
// `e`, columns indexing `tail`). When `symmetric` (fit: head and tail are the same rows) each
// sampled edge attracts its head twice, once for itself and once for its reverse edge, whose
// tail move umap-learn applies to this row; the other rows are read as they were at the start
// of the epoch. Negative samples are drawn from (seed, epoch, block) streams.
void optimize_layout(const Context& ctx, Matrix<float>& head, const Matrix<float>* tail_fixed,
                     const Edges& e, int n_epochs, const CurveParams& ab, double gamma_d,
                     double alpha0, int negative_rate, std::uint64_t seed, bool symmetric) {
  const index_t n = head.rows();
  const int dim = static_cast<int>(head.cols());
  const auto a = static_cast<float>(ab.a), b = static_cast<float>(ab.b);
  const auto gamma = static_cast<float>(gamma_d);
  const std::size_t ne = e.cols.size();
  std::vector<double> next(e.epochs_per_sample), next_neg(ne), per_neg(ne);
  for (std::size_t u = 0; u < ne; ++u) {
    per_neg[u] = e.epochs_per_sample[u] / negative_rate;
    next_neg[u] = per_neg[u];
  }
  Matrix<float> snapshot = symmetric ? head.clone() : Matrix<float>();
  const Matrix<float>& tail = symmetric ? snapshot : *tail_fixed;
  const index_t n_tail = tail.rows();
  const index_t nb = block_count(n, kSgdBlock);
  double alpha = alpha0;
  ctx.progress().begin("umap layout", n_epochs);
  for (int epoch = 0; epoch < n_epochs; ++epoch) {
    if (ctx.cancelled()) return;
    const auto fa = static_cast<float>(alpha);
    const double ep = epoch;
    parallel_for_blocks(ctx, n, kSgdBlock, [&](index_t blk, index_t s, index_t en) {
      Rng rng(seed, "umap.sgd", static_cast<std::uint64_t>(epoch) * static_cast<std::uint64_t>(nb) +
                                    static_cast<std::uint64_t>(blk));
      float cur[8];
      for (index_t i = s; i < en; ++i) {
        float* row = head.row(i);
        for (int c = 0; c < dim; ++c) cur[c] = row[c];
        for (auto u = e.row_start[sz(i)]; u < e.row_start[sz(i + 1)]; ++u) {
          const auto us = sz(u);
          if (!(next[us] <= ep)) continue;
          const float* other = tail.row(e.cols[us]);
          for (int rep = 0; rep < (symmetric ? 2 : 1); ++rep) {
            float d2 = 0;
            for (int c = 0; c < dim; ++c) d2 += (cur[c] - other[c]) * (cur[c] - other[c]);
            float coeff = 0;
            if (d2 > 0) {
              const float pb = pow_pos(d2, b);
              coeff = -2.0f * a * b * (pb / d2) / (a * pb + 1.0f);
            }
            for (int c = 0; c < dim; ++c) cur[c] += clip4(coeff * (cur[c] - other[c])) * fa;
          }
          next[us] += e.epochs_per_sample[us];
          const auto n_neg = static_cast<int>((ep - next_neg[us]) / per_neg[us]);
          for (int p = 0; p < n_neg; ++p) {
            const index_t kk = fast_below(rng(), n_tail);
            if (symmetric && kk == i) continue;  // the row itself: distance 0 in umap-learn
            const float* o = tail.row(kk);
            float d2 = 0;
            for (int c = 0; c < dim; ++c) d2 += (cur[c] - o[c]) * (cur[c] - o[c]);
            float coeff = 0;
            if (d2 > 0) {
              coeff = 2.0f * gamma * b / ((0.001f + d2) * (a * pow_pos(d2, b) + 1.0f));
            } else if (kk == i) {
              continue;
            }
            for (int c = 0; c < dim; ++c)
              cur[c] += (coeff > 0 ? clip4(coeff * (cur[c] - o[c])) : 4.0f) * fa;
          }
          next_neg[us] += n_neg * per_neg[us];
        }
        for (int c = 0; c < dim; ++c) row[c] = cur[c];
      }
    });
    if (symmetric) std::copy(head.data(), head.data() + head.size(), snapshot.data());
    alpha = alpha0 * (1.0 - static_cast<double>(epoch + 1) / n_epochs);
    ctx.progress().step(epoch + 1);
  }
  ctx.progress().end();
}

Status check_options(const UmapOptions& o) {
  if (o.n_components < 1 || o.n_components > 8)
    return Status::invalid_argument("n_components", fmt::format("{} embedding dimensions", o.n_components),
                                    "use 1 to 8 (usually 2 or 3)");
  if (o.n_neighbors < 2)
    return Status::invalid_argument("n_neighbors", fmt::format("{} neighbours", o.n_neighbors),
                                    "use at least 2 (default 15)");
  if (o.spectral_max_iter < 1)
    return Status::invalid_argument("spectral_max_iter", fmt::format("{} iterations", o.spectral_max_iter),
                                    "use at least 1 (default 300)");
  if (o.n_epochs < 0 || o.n_epochs > 100000)
    return Status::invalid_argument("n_epochs", fmt::format("{} epochs", o.n_epochs),
                                    "use 0 (automatic) or 1 to 100000");
  if (!(o.learning_rate > 0) || !(o.repulsion_strength >= 0) || o.negative_sample_rate < 1 ||
      !(o.local_connectivity >= 0) || !(o.set_op_mix_ratio >= 0 && o.set_op_mix_ratio <= 1))
    return Status::invalid_argument("umap", "learning_rate, repulsion_strength, "
                                            "negative_sample_rate, local_connectivity or "
                                            "set_op_mix_ratio out of range",
                                    "use learning_rate > 0, repulsion_strength ≥ 0, "
                                    "negative_sample_rate ≥ 1, local_connectivity ≥ 0, "
                                    "set_op_mix_ratio in [0, 1]");
  return {};
}

}  // namespace

Result<UmapFit> fit_umap(const Context& ctx_in, MatrixView<const float> x, const UmapOptions& options) {
  KOHORT_RETURN_IF_ERROR(check_options(options));
  const index_t n = x.rows;
  if (n < 2 || x.cols < 1)
    return Status::invalid_input("input", fmt::format("UMAP needs at least 2 rows; got {} × {}", n, x.cols));
  KOHORT_ASSIGN_OR_RETURN(const CurveParams ab, find_ab_params(options.spread, options.min_dist));
  UmapFit fit;
  fit.options = options;
  fit.seed = options.seed >= 0 ? static_cast<std::uint64_t>(options.seed) : ctx_in.seed();
  const Context ctx = ctx_in.with_seed(fit.seed);
  fit.ab = ab;
  UmapOptions& o = fit.options;
  if (o.n_neighbors > n) {
    ctx.log().warn("UMAP: n_neighbors {} is more than the {} rows; using {}", o.n_neighbors, n, n);
    o.n_neighbors = static_cast<int>(n);
  }
  fit.n_epochs = o.n_epochs > 0 ? o.n_epochs : (n <= 10000 ? 500 : 200);
  KnnOptions ko = o.knn;
  ko.n_neighbors = o.n_neighbors;
  KOHORT_ASSIGN_OR_RETURN(fit.knn, knn_graph(ctx, x, ko));
  ctx.log().debug("UMAP: {} nearest neighbours of {} rows ({})", o.n_neighbors, n,
                  fit.knn.exact ? "exact" : fmt::format("NN-descent, {} iterations", fit.knn.iterations));
  KOHORT_ASSIGN_OR_RETURN(FuzzyGraph g, fuzzy_simplicial_set(ctx, fit.knn, o.local_connectivity, o.set_op_mix_ratio));

  const int dim = o.n_components;
  Matrix<float> emb(n, dim);
  std::vector<double> init;
  bool spectral = false;
  std::string why = "random initialisation asked for";
  if (o.init == UmapInit::spectral) {
    if (n <= dim + 1) {
      why = fmt::format("{} rows are too few for a {}-dimensional spectral layout", n, dim);
    } else {
      spectral = spectral_init(ctx, x, g, dim, o.spectral_max_iter, fit.seed, init, fit.spectral_iterations, why);
    }
    if (!spectral) ctx.log().warn("UMAP: random initialisation: {}", why);
  }
  if (spectral) {
    double mx = 0;
    for (double v : init) mx = std::max(mx, std::fabs(v));
    const double expansion = mx > 0 ? 10.0 / mx : 1.0;
    parallel_for_blocks(ctx, n, kRowBlock, [&](index_t b, index_t s, index_t e) {
      Rng rng = ctx.rng("umap.init_noise", static_cast<std::uint64_t>(b));
      for (index_t i = s; i < e; ++i)
        for (int c = 0; c < dim; ++c)
          emb(i, c) = static_cast<float>(init[sz(i * dim + c)] * expansion) +
                      static_cast<float>(1e-4 * rng.normal());
    });
    fit.init = "spectral";
  } else {
    parallel_for_blocks(ctx, n, kRowBlock, [&](index_t b, index_t s, index_t e) {
      Rng rng = ctx.rng("umap.random_init", static_cast<std::uint64_t>(b));
      for (index_t i = s; i < e; ++i)
        for (int c = 0; c < dim; ++c) emb(i, c) = static_cast<float>(20 * rng.uniform() - 10);
    });
    fit.init = o.init == UmapInit::random ? "random" : "random: " + why;
  }
  // Each column to [0, 10].
  for (int c = 0; c < dim; ++c) {
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (index_t i = 0; i < n; ++i) lo = std::min(lo, emb(i, c)), hi = std::max(hi, emb(i, c));
    const float span = hi - lo;
    for (index_t i = 0; i < n; ++i) emb(i, c) = span > 0 ? 10.0f * (emb(i, c) - lo) / span : 0.0f;
  }
  const Edges edges = make_edges(g.row_start, g.cols, g.weights, n, fit.n_epochs);
  fit.graph_edges = static_cast<index_t>(edges.cols.size());
  optimize_layout(ctx, emb, nullptr, edges, fit.n_epochs, ab, o.repulsion_strength, o.learning_rate,
                  o.negative_sample_rate, fit.seed, true);
  if (ctx.cancelled()) return Status::cancelled();
  fit.embedding = std::move(emb);
  fit.data = Matrix<float>(n, x.cols);
  for (index_t i = 0; i < n; ++i) std::copy(x.row(i), x.row(i) + x.cols, fit.data.row(i));
  return fit;
}

Result<Matrix<float>> transform_umap(const Context& ctx, const UmapFit& fit, MatrixView<const float> x) {
  const index_t m = x.rows, n = fit.data.rows();
  const int dim = static_cast<int>(fit.embedding.cols());
  if (x.cols != fit.data.cols())
    return Status::invalid_input("input", fmt::format("rows have {} columns; the UMAP was fitted on {}", x.cols,
                                                      fit.data.cols()));
  if (m == 0) return Matrix<float>(0, dim);
  const UmapOptions& o = fit.options;
  const int k = std::min<int>(o.n_neighbors, static_cast<int>(n));
  const Context qctx = ctx.with_seed(fit.seed ^ 0x7472616e73ULL);
  KOHORT_ASSIGN_OR_RETURN(KnnGraph q, knn_query(qctx, fit.data.cview(), x, k, &fit.knn, o.knn.exact_max_rows));
  const SmoothKnn sm = smooth_knn_dist(q.distances, m, k, static_cast<double>(o.n_neighbors),
                                       std::max(0.0, o.local_connectivity - 1.0));
  // Bipartite memberships, each row's columns ascending (scipy's CSR order).
  std::vector<std::int64_t> row_start(sz(m + 1));
  std::vector<std::int32_t> cols(sz(m * k));
  std::vector<float> w(sz(m * k));
  for (index_t i = 0; i < m; ++i) {
    std::vector<std::pair<std::int32_t, float>> r(sz(k));
    for (int j = 0; j < k; ++j)
      r[sz(j)] = {q.index(i, j), membership(q.distance(i, j), sm.rhos[sz(i)], sm.sigmas[sz(i)])};
    std::sort(r.begin(), r.end());
    std::int64_t at = row_start[sz(i)];
    for (auto [c, v] : r) {
      if (v == 0.0f) continue;
      cols[sz(at)] = c;
      w[sz(at)] = v;
      ++at;
    }
    row_start[sz(i + 1)] = at;
  }
  Matrix<float> emb(m, dim);
  for (index_t i = 0; i < m; ++i) {
    double sum = 0;
    for (auto u = row_start[sz(i)]; u < row_start[sz(i + 1)]; ++u) sum += w[sz(u)];
    std::vector<double> acc(sz(dim), 0.0);
    for (auto u = row_start[sz(i)]; u < row_start[sz(i + 1)]; ++u) {
      const float* e = fit.embedding.row(cols[sz(u)]);
      if (w[sz(u)] == 1.0f) {  // a training row at the same place (umap-learn's shortcut)
        for (int c = 0; c < dim; ++c) acc[sz(c)] = e[c];
        break;
      }
      for (int c = 0; c < dim; ++c) acc[sz(c)] += w[sz(u)] / sum * e[c];
    }
    for (int c = 0; c < dim; ++c) emb(i, c) = static_cast<float>(acc[sz(c)]);
  }
  const int n_epochs = o.n_epochs > 0 ? std::max(1, o.n_epochs / 3) : (m <= 10000 ? 100 : 30);
  const Edges edges = make_edges(row_start, cols, w, m, n_epochs);
  optimize_layout(ctx, emb, &fit.embedding, edges, n_epochs, fit.ab, o.repulsion_strength,
                  o.learning_rate / 4.0, o.negative_sample_rate, fit.seed ^ 0x6e6577ULL, false);
  if (ctx.cancelled()) return Status::cancelled();
  return emb;
}

}  // namespace kohort::reduce
