#include "kohort/reduce/pca.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include <Eigen/Eigenvalues>
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

Result<PcaFit> fit_pca(const Context& ctx, MatrixView<const float> x, const PcaOptions& o) {
  const index_t n = x.rows, d = x.cols;
  if (n < 2 || d < 1)
    return Status::invalid_input("input", fmt::format("PCA needs at least 2 rows; got {} × {}", n, d));
  if (o.n_components > d)
    return Status::invalid_argument("--reduce",
                                    fmt::format("{} components asked of {} columns", o.n_components, d),
                                    fmt::format("ask for at most {} components", d));
  PcaFit fit;
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
  for (index_t i = 0; i < d; ++i) values[static_cast<std::size_t>(i)] = std::max(0.0, eig.eigenvalues()(d - 1 - i));
  fit.total_variance = 0;
  for (double v : values) fit.total_variance += v;
  index_t m = o.n_components;
  if (m == 0) {
    double cum = 0;
    m = d;
    for (index_t i = 0; i < d; ++i) {
      cum += values[static_cast<std::size_t>(i)];
      if (fit.total_variance <= 0 || cum / fit.total_variance >= o.variance - 1e-12) {
        m = i + 1;
        break;
      }
    }
  }
  fit.components = Matrix<float>(m, d);
  for (index_t c = 0; c < m; ++c) {
    const auto vec = eig.eigenvectors().col(d - 1 - c);
    index_t big = 0;
    for (index_t j = 1; j < d; ++j)
      if (std::fabs(vec(j)) > std::fabs(vec(big))) big = j;
    const double sign = vec(big) < 0 ? -1.0 : 1.0;
    for (index_t j = 0; j < d; ++j) fit.components(c, j) = static_cast<float>(sign * vec(j));
    const double v = values[static_cast<std::size_t>(c)];
    fit.explained_variance.push_back(v);
    fit.explained_variance_ratio.push_back(fit.total_variance > 0 ? v / fit.total_variance : 0.0);
  }
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
