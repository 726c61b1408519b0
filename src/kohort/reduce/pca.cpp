#include "kohort/reduce/pca.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <Eigen/SVD>
#include <fmt/format.h>

#include "kohort/core/blas.h"
#include "kohort/core/parallel.h"
#include "kohort/reduce/covariance.h"

namespace kohort::reduce {

namespace {
constexpr index_t kBlock = 4096;
}

Result<PcaOptions> parse_pca(std::string_view text) {
  auto bad = [&] {
    return Status::invalid_argument("--reduce", fmt::format("cannot read '{}'", text),
                                    "use pca:0.9 (keep 90% of the variance) or pca:8 (8 components)");
  };
  if (text.substr(0, 4) != "pca:") return bad();
  const std::string v(text.substr(4));
  PcaOptions o;
  if (v.find('.') != std::string::npos) {
    char* end = nullptr;
    const double f = std::strtod(v.c_str(), &end);
    if (end != v.c_str() + v.size() || !(f > 0 && f <= 1)) return bad();
    o.variance = f;
    o.n_components = 0;
  } else {
    int n = 0;
    const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
    if (r.ec != std::errc() || r.ptr != v.data() + v.size() || n < 1) return bad();
    o.n_components = n;
  }
  return o;
}

namespace {

// Rows per block for the randomized passes: whole blocks of 4096 for narrow data, fewer for
// wide data so the per-worker centred copy stays near 4 MiB. Depends on d only.
index_t block_rows_for(index_t d) {
  return std::clamp<index_t>((index_t{1} << 20) / std::max<index_t>(d, 1), 256, kBlock);
}
constexpr index_t kGroupBlocks = 16;  // blocks summed serially into one double partial

// The data, centred block by block on the fly.
struct Centred {
  MatrixView<const float> x;
  std::vector<double> mean;
  index_t block = kBlock;

  void fill(index_t s, index_t e, float* out) const {
    const index_t d = x.cols;
    for (index_t i = s; i < e; ++i)
      for (index_t j = 0; j < d; ++j)
        out[(i - s) * d + j] = static_cast<float>(x(i, j) - mean[static_cast<std::size_t>(j)]);
  }
};

// Y = Xc · Wᵀ for W (l × d): n × l.
Matrix<float> times(const Context& ctx, const Centred& c, const Matrix<float>& w) {
  const index_t n = c.x.rows, d = c.x.cols;
  Matrix<float> y(n, w.rows());
  const int threads = std::max(1, ctx.threads());
  std::vector<float> scratch(static_cast<std::size_t>(c.block * d * threads));
  parallel_for_blocks_indexed(ctx, n, c.block, [&](int t, index_t, index_t s, index_t e) {
    float* xc = scratch.data() + static_cast<std::size_t>(t) * static_cast<std::size_t>(c.block * d);
    c.fill(s, e, xc);
    blas::gemm_abt(1.0f, MatrixView<const float>(xc, e - s, d), w.cview(), 0.0f,
                   y.view().rows_range(s, e));
  });
  return y;
}

// Xcᵀ · Y (d × l) in double: float products per block, summed in double per group of blocks
// in block order and over groups in group order (the same bits at any thread count).
Eigen::MatrixXd transposed_times(const Context& ctx, const Centred& c, const Matrix<float>& y) {
  const index_t n = c.x.rows, d = c.x.cols, l = y.cols();
  const index_t group = c.block * kGroupBlocks;
  const index_t ng = block_count(n, group);
  std::vector<double> part(static_cast<std::size_t>(ng * d * l), 0.0);
  const int threads = std::max(1, ctx.threads());
  std::vector<float> scratch(static_cast<std::size_t>((c.block * d + d * l) * threads));
  parallel_for_blocks_indexed(ctx, n, group, [&](int t, index_t g, index_t gs, index_t ge) {
    float* xc = scratch.data() + static_cast<std::size_t>(t) * static_cast<std::size_t>(c.block * d + d * l);
    float* prod = xc + c.block * d;
    double* o = part.data() + g * d * l;
    for (index_t s = gs; s < ge; s += c.block) {
      const index_t e = std::min(ge, s + c.block);
      c.fill(s, e, xc);
      blas::gemm_atb(1.0f, MatrixView<const float>(xc, e - s, d), y.cview().rows_range(s, e), 0.0f,
                     MatrixView<float>(prod, d, l));
      for (index_t k = 0; k < d * l; ++k) o[k] += prod[k];
    }
  });
  Eigen::MatrixXd z = Eigen::MatrixXd::Zero(d, l);
  for (index_t g = 0; g < ng; ++g)
    for (index_t i = 0; i < d; ++i)
      for (index_t j = 0; j < l; ++j) z(i, j) += part[static_cast<std::size_t>(g * d * l + i * l + j)];
  return z;
}

// Orthonormal columns spanning a tall n × l float matrix: Y ← Y·V·Λ^(−1/2) from the Gram
// matrix YᵀY = VΛVᵀ (accumulated in double), twice — the second pass, on nearly orthonormal
// columns, restores what float rounding lost in the first. Directions with no weight
// (rank-deficient data) are dropped, so the result may have fewer columns.
Matrix<float> orthonormal_columns(const Context& ctx, Matrix<float> y, index_t block) {
  const index_t n = y.rows();
  for (int pass = 0; pass < 2; ++pass) {
    const index_t l = y.cols();
    const index_t group = block * kGroupBlocks;
    const index_t ng = block_count(n, group);
    std::vector<double> part(static_cast<std::size_t>(ng * l * l), 0.0);
    const int threads = std::max(1, ctx.threads());
    std::vector<float> scratch(static_cast<std::size_t>(l * l * threads));
    parallel_for_blocks_indexed(ctx, n, group, [&](int t, index_t g, index_t gs, index_t ge) {
      float* c = scratch.data() + static_cast<std::size_t>(t) * static_cast<std::size_t>(l * l);
      double* o = part.data() + g * l * l;
      for (index_t s = gs; s < ge; s += block) {
        const index_t e = std::min(ge, s + block);
        blas::syrk_ata(1.0f, y.cview().rows_range(s, e), 0.0f, MatrixView<float>(c, l, l));
        for (index_t k = 0; k < l * l; ++k) o[k] += c[k];
      }
    });
    Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(l, l);
    for (index_t g = 0; g < ng; ++g)
      for (index_t i = 0; i < l; ++i)
        for (index_t j = 0; j < l; ++j) gram(i, j) += part[static_cast<std::size_t>(g * l * l + i * l + j)];
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
    const double top = std::max(0.0, eig.eigenvalues()(l - 1));
    std::vector<index_t> keep;
    for (index_t i = l - 1; i >= 0; --i)
      if (eig.eigenvalues()(i) > 1e-10 * top && top > 0) keep.push_back(i);
    const auto r = static_cast<index_t>(keep.size());
    // Tᵀ (r × l) so that Y·T is one SGEMM with gemm_abt.
    Matrix<float> tt(r, l);
    for (index_t a = 0; a < r; ++a) {
      const index_t i = keep[static_cast<std::size_t>(a)];
      const double scale = 1.0 / std::sqrt(eig.eigenvalues()(i));
      for (index_t j = 0; j < l; ++j) tt(a, j) = static_cast<float>(eig.eigenvectors()(j, i) * scale);
    }
    Matrix<float> out(n, r);
    parallel_for_blocks(ctx, n, block, [&](index_t, index_t s, index_t e) {
      blas::gemm_abt(1.0f, y.cview().rows_range(s, e), tt.cview(), 0.0f, out.view().rows_range(s, e));
    });
    y = std::move(out);
  }
  return y;
}

// Thin Q of a d × l double matrix, as the rows of a float l × d matrix.
Matrix<float> orthonormal_rows(const Eigen::MatrixXd& z) {
  const auto d = static_cast<index_t>(z.rows()), l = static_cast<index_t>(z.cols());
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(z);
  const Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(d, l);
  Matrix<float> w(l, d);
  for (index_t a = 0; a < l; ++a)
    for (index_t j = 0; j < d; ++j) w(a, j) = static_cast<float>(q(j, a));
  return w;
}

// Sum of the column variances (the total variance), in double, deterministic.
double total_variance(const Context& ctx, const Centred& c) {
  const index_t n = c.x.rows, d = c.x.cols;
  const index_t group = c.block * kGroupBlocks;
  const index_t ng = block_count(n, group);
  std::vector<double> part(static_cast<std::size_t>(ng), 0.0);
  parallel_for_blocks(ctx, n, group, [&](index_t g, index_t s, index_t e) {
    double acc = 0;
    for (index_t i = s; i < e; ++i)
      for (index_t j = 0; j < d; ++j) {
        const double v = c.x(i, j) - c.mean[static_cast<std::size_t>(j)];
        acc += v * v;
      }
    part[static_cast<std::size_t>(g)] = acc;
  });
  double total = 0;
  for (double p : part) total += p;
  return total / static_cast<double>(std::max<index_t>(n - 1, 1));
}

// The leading m right singular vectors (d × m, columns) and variances of the centred data.
struct Leading {
  Eigen::MatrixXd vectors;
  std::vector<double> variances;
};

Leading randomized_svd(const Context& ctx, const Centred& c, index_t m, const PcaOptions& o) {
  const index_t n = c.x.rows, d = c.x.cols;
  const index_t small = std::min(n, d);
  const index_t l = std::min(small, m + std::max(0, o.oversamples));
  const int q = o.power_iterations >= 0 ? o.power_iterations
                                         : (static_cast<double>(m) < 0.1 * static_cast<double>(small) ? 7 : 4);
  Matrix<float> omega(l, d);
  Rng rng = ctx.rng("pca");
  for (index_t a = 0; a < l; ++a)
    for (index_t j = 0; j < d; ++j) omega(a, j) = static_cast<float>(rng.normal());
  Matrix<float> y = orthonormal_columns(ctx, times(ctx, c, omega), c.block);
  for (int it = 0; it < q; ++it) {
    const Matrix<float> w = orthonormal_rows(transposed_times(ctx, c, y));
    y = orthonormal_columns(ctx, times(ctx, c, w), c.block);
  }
  // B = Qᵀ·Xc, held as its transpose Xcᵀ·Q (d × r); its left singular vectors are the
  // components.
  const Eigen::MatrixXd bt = transposed_times(ctx, c, y);
  Eigen::BDCSVD<Eigen::MatrixXd> svd(bt, Eigen::ComputeThinU);
  const index_t r = std::min<index_t>(m, static_cast<index_t>(svd.singularValues().size()));
  Leading out;
  out.vectors = svd.matrixU().leftCols(r);
  const double denom = static_cast<double>(std::max<index_t>(n - 1, 1));
  for (index_t i = 0; i < r; ++i) {
    const double sv = svd.singularValues()(i);
    out.variances.push_back(sv * sv / denom);
  }
  return out;
}

// Fills fit.components and the variances from column vectors (descending), fixing each sign
// so the largest-magnitude loading is positive.
void set_components(PcaFit& fit, const Eigen::MatrixXd& vectors, const std::vector<double>& variances,
                    index_t m) {
  const auto d = static_cast<index_t>(vectors.rows());
  fit.components = Matrix<float>(m, d);
  for (index_t c = 0; c < m; ++c) {
    const auto vec = vectors.col(c);
    index_t big = 0;
    for (index_t j = 1; j < d; ++j)
      if (std::fabs(vec(j)) > std::fabs(vec(big))) big = j;
    const double sign = vec(big) < 0 ? -1.0 : 1.0;
    for (index_t j = 0; j < d; ++j) fit.components(c, j) = static_cast<float>(sign * vec(j));
    const double v = variances[static_cast<std::size_t>(c)];
    fit.explained_variance.push_back(v);
    fit.explained_variance_ratio.push_back(fit.total_variance > 0 ? v / fit.total_variance : 0.0);
  }
}

// The fewest leading components whose cumulative share reaches `target`, or all of them.
index_t components_for(const std::vector<double>& variances, double total, double target) {
  double cum = 0;
  for (std::size_t i = 0; i < variances.size(); ++i) {
    cum += variances[i];
    if (total <= 0 || cum / total >= target - 1e-12) return static_cast<index_t>(i + 1);
  }
  return static_cast<index_t>(variances.size());
}

constexpr index_t kCovarianceMaxColumns = 1000;

}  // namespace

Result<PcaFit> fit_pca(const Context& ctx, MatrixView<const float> x, const PcaOptions& o) {
  const index_t n = x.rows, d = x.cols;
  if (n < 2 || d < 1)
    return Status::invalid_input("input", fmt::format("PCA needs at least 2 rows; got {} × {}", n, d));
  if (o.n_components > d)
    return Status::invalid_argument("--reduce",
                                    fmt::format("{} components asked of {} columns", o.n_components, d),
                                    fmt::format("ask for at most {} components", d));
  const bool randomized = o.solver == PcaSolver::randomized ||
                          (o.solver == PcaSolver::automatic && d > kCovarianceMaxColumns);
  PcaFit fit;
  if (randomized) {
    Centred c{x, {}, block_rows_for(d)};
    c.mean = column_means(ctx, x);
    fit.mean = c.mean;
    fit.total_variance = total_variance(ctx, c);
    const index_t small = std::min(n, d);
    if (o.n_components > 0) {
      const Leading lead = randomized_svd(ctx, c, std::min<index_t>(o.n_components, small), o);
      set_components(fit, lead.vectors, lead.variances, static_cast<index_t>(lead.variances.size()));
      return fit;
    }
    // A variance target: double the number of components until their share reaches it.
    for (index_t m = std::min<index_t>(small, 16);; m = std::min(small, 2 * m)) {
      const Leading lead = randomized_svd(ctx, c, m, o);
      const index_t keep = components_for(lead.variances, fit.total_variance, o.variance);
      double cum = 0;
      for (index_t i = 0; i < keep; ++i) cum += lead.variances[static_cast<std::size_t>(i)];
      const bool reached = fit.total_variance <= 0 || cum / fit.total_variance >= o.variance - 1e-12;
      if (reached || m >= small || static_cast<index_t>(lead.variances.size()) < m) {
        set_components(fit, lead.vectors, lead.variances, keep);
        return fit;
      }
    }
  }
  const Covariance sample = covariance(ctx, x);
  fit.mean = sample.mean;
  Eigen::MatrixXd cov(d, d);
  for (index_t i = 0; i < d; ++i)
    for (index_t j = 0; j < d; ++j) cov(i, j) = sample.at(i, j);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
  if (eig.info() != Eigen::Success)
    return Status::internal("pca", "the eigendecomposition of the covariance did not converge");
  // Eigen sorts ascending; we keep descending order.
  std::vector<double> values(static_cast<std::size_t>(d));
  Eigen::MatrixXd vectors(d, d);
  for (index_t i = 0; i < d; ++i) {
    values[static_cast<std::size_t>(i)] = std::max(0.0, eig.eigenvalues()(d - 1 - i));
    vectors.col(i) = eig.eigenvectors().col(d - 1 - i);
  }
  fit.total_variance = 0;
  for (double v : values) fit.total_variance += v;
  const index_t m = o.n_components > 0 ? o.n_components
                                       : components_for(values, fit.total_variance, o.variance);
  set_components(fit, vectors, values, m);
  return fit;
}

Result<Matrix<float>> transform_pca(const Context& ctx, const PcaFit& fit, MatrixView<const float> x) {
  const auto d = static_cast<index_t>(fit.mean.size());
  if (x.cols != d)
    return Status::invalid_input("input", fmt::format("rows have {} columns; the PCA expects {}", x.cols, d));
  const index_t m = fit.components.rows();
  Matrix<float> out(x.rows, m);
  const int threads = std::max(1, ctx.threads());
  std::vector<float> centred(static_cast<std::size_t>(kBlock * d * threads));
  parallel_for_blocks_indexed(ctx, x.rows, kBlock, [&](int w, index_t, index_t s, index_t e) {
    float* xc = centred.data() + static_cast<std::size_t>(w) * static_cast<std::size_t>(kBlock * d);
    for (index_t i = s; i < e; ++i)
      for (index_t j = 0; j < d; ++j)
        xc[(i - s) * d + j] = static_cast<float>(x(i, j) - fit.mean[static_cast<std::size_t>(j)]);
    blas::gemm_abt(1.0f, MatrixView<const float>(xc, e - s, d), fit.components.cview(), 0.0f,
                   out.view().rows_range(s, e));
  });
  return out;
}

}  // namespace kohort::reduce
