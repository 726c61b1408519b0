#include "kohort/cluster/clusterer.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "kohort/cluster/dbscan.h"
#include "kohort/cluster/internal/kd_tree.h"
#include "kohort/cluster/minibatch_kmeans.h"
#include "kohort/cluster/ward.h"
#include "kohort/core/parallel.h"

namespace kohort::cluster {

namespace {

constexpr auto at = [](index_t i) { return static_cast<std::size_t>(i); };

Covariance covariance_of(const ClusterParams& p) {
  return p.covariance == "full" ? Covariance::full : Covariance::diag;
}

Status no_weights(std::string_view algorithm, std::span<const float> weights) {
  if (weights.empty()) return {};
  return Status::unsupported(std::string(algorithm), fmt::format("sample weights are not supported by {}", algorithm),
                             "use --algo kmeans or ward for weighted rows");
}

// The mean of each segment's rows (−1 rows left out); a segment without rows keeps zeros.
Matrix<float> centroids(MatrixView<const float> x, const std::vector<std::int32_t>& labels, int k) {
  std::vector<double> sum(at(k * x.cols), 0.0), count(at(k), 0.0);
  for (index_t i = 0; i < x.rows; ++i) {
    const std::int32_t l = labels[at(i)];
    if (l < 0) continue;
    count[at(l)] += 1;
    for (index_t j = 0; j < x.cols; ++j) sum[at(l * x.cols + j)] += x(i, j);
  }
  Matrix<float> c(k, x.cols);
  for (index_t s = 0; s < k; ++s)
    for (index_t j = 0; j < x.cols; ++j)
      c(s, j) = static_cast<float>(sum[at(s * x.cols + j)] / std::max(1.0, count[at(s)]));
  return c;
}

// The means of `components` (rows of a k × d means vector), in that order, as segment centres.
Matrix<float> centres_of(const std::vector<double>& means, std::span<const index_t> components, index_t d) {
  Matrix<float> c(static_cast<index_t>(components.size()), d);
  for (std::size_t s = 0; s < components.size(); ++s)
    for (index_t j = 0; j < d; ++j) c(static_cast<index_t>(s), j) = static_cast<float>(means[at(components[s] * d + j)]);
  return c;
}

// The nearest-centroid policy: rows labelled −1 take the nearest centroid's segment (their
// confidence stays as given: 0 for rows no cluster claims).
Status settle_noise(const Context& ctx, const FittedClusterer& m, MatrixView<const float> x, Prediction& p) {
  if (m.noise != NoisePolicy::nearest || m.k() == 0) return {};
  std::vector<index_t> rows;
  for (index_t i = 0; i < x.rows; ++i)
    if (p.labels[at(i)] < 0) rows.push_back(i);
  if (rows.empty()) return {};
  Matrix<float> noise(static_cast<index_t>(rows.size()), x.cols);
  for (std::size_t r = 0; r < rows.size(); ++r) std::copy(x.row(rows[r]), x.row(rows[r]) + x.cols, noise.row(static_cast<index_t>(r)));
  KOHORT_ASSIGN_OR_RETURN(const auto nearest, assign_kmeans(ctx, m.centers.cview(), noise.cview()));
  for (std::size_t r = 0; r < rows.size(); ++r) p.labels[at(rows[r])] = nearest[r];
  return {};
}

// The training rows as the algorithm labelled them, the noise policy applied; confidence from
// the algorithm, or else predict()'s where it agrees (0 where it does not).
Result<Prediction> own_labels(const Context& ctx, const FittedClusterer& m, MatrixView<const float> x,
                              const Segmentation& seg, const Prediction& again) {
  Prediction p{seg.labels, seg.confidence};
  if (p.confidence.empty()) {
    p.confidence.resize(p.labels.size());
    for (std::size_t i = 0; i < p.labels.size(); ++i)
      p.confidence[i] = again.labels[i] == p.labels[i] ? again.confidence[i] : 0.0f;
  }
  KOHORT_RETURN_IF_ERROR(settle_noise(ctx, m, x, p));
  return p;
}

Result<Fitted> fit_kmeans_model(const Context& ctx, const ClusterParams& p, MatrixView<const float> x,
                                std::span<const float> w) {
  KMeansOptions o;
  o.n_clusters = p.n_clusters;
  o.n_init = p.n_init;
  if (p.max_iter > 0) o.max_iter = p.max_iter;
  if (p.tol >= 0) o.tol = p.tol;
  o.init = p.init == "kmeans||" ? KMeansInit::kmeans_parallel : KMeansInit::kmeans_pp;
  KOHORT_ASSIGN_OR_RETURN(auto fit, fit_kmeans(ctx, x, o, w));
  Fitted f;
  f.model.centers = std::move(fit.centers);
  f.segmentation = {std::move(fit.labels), {}, p.n_clusters, fit.inertia, 0, false, false};
  return f;
}

Result<Fitted> fit_minibatch_model(const Context& ctx, const ClusterParams& p, MatrixView<const float> x,
                                   std::span<const float> w) {
  KOHORT_RETURN_IF_ERROR(no_weights("mini-batch k-means", w));
  MiniBatchOptions o;
  o.n_clusters = p.n_clusters;
  if (p.max_iter > 0) o.max_epochs = std::max(1, p.max_iter / 3);
  Fitted f;
  KOHORT_ASSIGN_OR_RETURN(auto state, fit_minibatch_kmeans(ctx, x, o, &f.segmentation.labels, &f.segmentation.objective));
  f.model.centers = std::move(state.centers);
  f.segmentation.n_clusters = p.n_clusters;
  return f;
}

Result<Fitted> fit_gmm_model(const Context& ctx, const ClusterParams& p, MatrixView<const float> x,
                             std::span<const float> w) {
  KOHORT_RETURN_IF_ERROR(no_weights("the Gaussian mixture", w));
  GmmOptions o;
  o.n_components = p.n_clusters;
  o.n_init = p.n_init;
  if (p.max_iter > 0) o.max_iter = p.max_iter;
  if (p.tol >= 0) o.tol = p.tol;
  o.covariance = covariance_of(p);
  o.reg_covar = p.reg_covar;
  KOHORT_ASSIGN_OR_RETURN(auto fit, fit_gmm(ctx, x, o));
  Fitted f;
  f.segmentation = {std::move(fit.labels), std::move(fit.confidence), p.n_clusters, -fit.log_likelihood, fit.bic, true, false};
  fit.labels.clear();
  fit.confidence.clear();
  std::vector<index_t> all(at(fit.k));
  std::iota(all.begin(), all.end(), index_t{0});
  f.model.centers = centres_of(fit.means, all, x.cols);
  f.model.rule = AssignRule::posterior;
  f.model.gmm = std::move(fit);
  return f;
}

Result<Fitted> fit_bgmm_model(const Context& ctx, const ClusterParams& p, MatrixView<const float> x,
                              std::span<const float> w) {
  KOHORT_RETURN_IF_ERROR(no_weights("the Bayesian mixture", w));
  BgmmOptions o;
  // The truncation level: the given k, else up to 20 components (fewer rows, fewer).
  o.n_components = p.n_clusters > 0 ? p.n_clusters : static_cast<int>(std::clamp<index_t>(x.rows, 1, 20));
  o.n_init = p.n_init;
  if (p.max_iter > 0) o.max_iter = p.max_iter;
  if (p.tol >= 0) o.tol = p.tol * static_cast<double>(x.rows);  // per row; the lower bound is a sum over rows
  o.covariance = covariance_of(p);
  o.reg_covar = p.reg_covar;
  KOHORT_ASSIGN_OR_RETURN(auto fit, fit_bgmm(ctx, x, o));
  Fitted f;
  const auto k = static_cast<index_t>(fit.effective.size());
  f.segmentation = {std::move(fit.labels), std::move(fit.confidence), static_cast<int>(k), fit.lower_bound, 0, false, false};
  fit.labels.clear();
  fit.confidence.clear();
  f.model.centers = centres_of(fit.means, fit.effective, x.cols);
  f.model.rule = AssignRule::posterior;
  f.model.bgmm = std::move(fit);
  return f;
}

Result<Fitted> fit_ward_model(const Context& ctx, const ClusterParams& p, MatrixView<const float> x,
                              std::span<const float> w) {
  KOHORT_ASSIGN_OR_RETURN(const auto tree, fit_ward(ctx, x, {}, w));
  if (p.n_clusters > tree.leaves)
    return Status::invalid_argument("--k", fmt::format("k = {} is larger than the tree's {} leaves", p.n_clusters, tree.leaves));
  KOHORT_ASSIGN_OR_RETURN(auto labels, cut_ward(tree, p.n_clusters));
  Fitted f;
  f.model.centers = centroids(x, labels, p.n_clusters);  // new rows go to the nearest cut centroid
  f.segmentation = {std::move(labels), {}, p.n_clusters, tree.merges.empty() ? 0.0 : tree.merges.back().height, 0, false, false};
  return f;
}

Result<Fitted> fit_dbscan_model(const Context& ctx, const ClusterParams& p, MatrixView<const float> x,
                                std::span<const float> w) {
  KOHORT_RETURN_IF_ERROR(no_weights("DBSCAN", w));
  KOHORT_ASSIGN_OR_RETURN(auto fit, fit_dbscan(ctx, x, {p.eps, p.min_samples}));
  Fitted f;
  f.model.rule = AssignRule::core_radius;
  f.model.eps = p.eps;
  index_t cores = 0;
  for (auto c : fit.core) cores += c;
  f.model.core_rows = Matrix<float>(cores, x.cols);
  for (index_t i = 0, r = 0; i < x.rows; ++i)
    if (fit.core[at(i)]) {
      std::copy(x.row(i), x.row(i) + x.cols, f.model.core_rows.row(r++));
      f.model.core_labels.push_back(fit.labels[at(i)]);
    }
  f.model.centers = centroids(x, fit.labels, fit.n_clusters);
  f.segmentation = {std::move(fit.labels), {}, fit.n_clusters, 0, 0, false, true};
  return f;
}

Result<Fitted> fit_hdbscan_model(const Context& ctx, const ClusterParams& p, MatrixView<const float> x,
                                 std::span<const float> w) {
  KOHORT_RETURN_IF_ERROR(no_weights("HDBSCAN", w));
  HdbscanOptions o;
  o.min_cluster_size = p.min_cluster_size;
  o.min_samples = p.min_samples;
  o.selection = p.cluster_selection == "leaf" ? ClusterSelection::leaf : ClusterSelection::eom;
  o.max_fit_rows = p.max_fit_rows;
  KOHORT_ASSIGN_OR_RETURN(auto fit, fit_hdbscan(ctx, x, o));
  Fitted f;
  f.model.rule = AssignRule::density;
  f.model.centers = centroids(x, fit.labels, fit.n_clusters);
  f.segmentation = {std::move(fit.labels), std::move(fit.probabilities), fit.n_clusters, 0, 0, false, true};
  fit.outlier_scores.clear();
  fit.labels.clear();
  fit.probabilities.clear();
  f.model.hdbscan = std::move(fit);
  return f;
}

using FitFn = Result<Fitted> (*)(const Context&, const ClusterParams&, MatrixView<const float>, std::span<const float>);

struct Entry {
  ClustererInfo info;
  FitFn fit;
};

// The registry: a new algorithm adds one row here, its fit above and its rule in predict().
constexpr Entry kRegistry[] = {
    {{"kmeans", "Lloyd k-means, k-means++ or k-means|| seeding, restarts (SGEMM distances)", true, true},
     &fit_kmeans_model},
    {{"minibatch", "mini-batch k-means (Sculley 2010): batches of 1024 rows, early stopping; for very large n",
      true, true},
     &fit_minibatch_model},
    {{"gmm", "Gaussian mixture by EM, diagonal or full covariance (--covariance); confidence = posterior probability",
      true, true},
     &fit_gmm_model},
    {{"bgmm", "variational Bayesian Gaussian mixture with a Dirichlet-process prior: settles its own number of "
              "segments (components above 1/(2K) weight; --k is the truncation K, default 20); diagonal or full "
              "covariance", false, true},
     &fit_bgmm_model},
    {{"dbscan", "DBSCAN on a kd-tree (--eps, --min-samples); outliers are segment -1; for reduced data of up to "
                "~16 dimensions", false, false},
     &fit_dbscan_model},
    {{"hdbscan", "HDBSCAN (--min-cluster-size, --min-samples); outliers are segment -1; confidence = membership "
                 "probability; for reduced data of up to ~16 dimensions", false, true},
     &fit_hdbscan_model},
    {{"ward", "Ward agglomeration (exact nearest-neighbour chain up to 50k rows, k-means micro-clusters above); "
              "the tree is cut at k", true, true},
     &fit_ward_model},
};

const Entry* find_entry(std::string_view name) {
  for (const auto& e : kRegistry)
    if (e.info.name == name) return &e;
  return nullptr;
}

// Whether the fitted model publishes predict() of its training rows: the centre and mixture
// rules. Ward's segments are the cells of its cut's centroids (the cut kept by most rows).
bool publishes_predict(std::string_view algorithm) {
  return algorithm == "kmeans" || algorithm == "minibatch" || algorithm == "gmm" || algorithm == "bgmm" ||
         algorithm == "ward";
}

// HDBSCAN: rows the tree was not built on were labelled by predict_hdbscan() itself, so only
// the tree's rows can differ; they are assigned again (noise policy applied on both sides).
Result<Agreement> tree_agreement(const Context& ctx, const FittedClusterer& m, index_t n) {
  const HdbscanFit& h = *m.hdbscan;
  Prediction own{h.row_labels, std::vector<float>(h.row_labels.size(), 0.0f)};
  KOHORT_RETURN_IF_ERROR(settle_noise(ctx, m, h.rows.cview(), own));
  KOHORT_ASSIGN_OR_RETURN(const Prediction again, predict(ctx, m, h.rows.cview()));
  Agreement a = prediction_agreement(own.labels, again);
  a.share = n > 0 ? 1.0 - static_cast<double>(a.differ) / static_cast<double>(n) : 1.0;
  return a;
}

Prediction argmax(const Matrix<float>& proba) {
  Prediction p;
  p.labels.resize(at(proba.rows()));
  p.confidence.resize(at(proba.rows()));
  for (index_t i = 0; i < proba.rows(); ++i) {
    const float* r = proba.row(i);
    const auto best = std::max_element(r, r + proba.cols()) - r;
    p.labels[at(i)] = static_cast<std::int32_t>(best);
    p.confidence[at(i)] = r[best];
  }
  return p;
}

Result<Prediction> predict_core_radius(const Context& ctx, const FittedClusterer& m, MatrixView<const float> x) {
  Prediction p;
  p.labels.assign(at(x.rows), -1);
  p.confidence.assign(at(x.rows), 0.0f);
  if (m.core_rows.rows() == 0) return p;
  const internal::KdTree tree(m.core_rows.cview());
  parallel_for_blocks(ctx, x.rows, 1024, [&](index_t, index_t s, index_t e) {
    std::vector<index_t> near;
    for (index_t i = s; i < e; ++i) {
      tree.radius(x.row(i), m.eps, near);
      double best = 1e300;
      for (index_t c : near) {
        double q = 0;
        for (index_t j = 0; j < x.cols; ++j) {
          const double t = static_cast<double>(x(i, j)) - m.core_rows(c, j);
          q += t * t;
        }
        if (q < best) {
          best = q;
          p.labels[at(i)] = m.core_labels[at(c)];
          p.confidence[at(i)] = 1.0f;
        }
      }
    }
  });
  return p;
}

}  // namespace

Result<Fitted> fit_clusterer(const Context& ctx, std::string_view algorithm, const ClusterParams& params,
                             MatrixView<const float> x, std::span<const float> weights) {
  const Entry* e = find_entry(algorithm);
  if (e == nullptr) return Status::invalid_argument("--algo", fmt::format("unknown algorithm '{}'", algorithm));
  KOHORT_ASSIGN_OR_RETURN(Fitted f, e->fit(ctx, params, x, weights));
  f.model.algorithm = std::string(algorithm);
  f.model.noise = params.noise;
  if (publishes_predict(algorithm)) {
    KOHORT_ASSIGN_OR_RETURN(f.training, predict(ctx, f.model, x));
    f.agreement = prediction_agreement(f.segmentation.labels, f.training);
    return f;
  }
  if (f.model.hdbscan) {
    KOHORT_ASSIGN_OR_RETURN(f.training, own_labels(ctx, f.model, x, f.segmentation, {}));
    KOHORT_ASSIGN_OR_RETURN(f.agreement, tree_agreement(ctx, f.model, x.rows));
    return f;
  }
  KOHORT_ASSIGN_OR_RETURN(const Prediction again, predict(ctx, f.model, x));
  KOHORT_ASSIGN_OR_RETURN(f.training, own_labels(ctx, f.model, x, f.segmentation, again));
  f.agreement = prediction_agreement(f.training.labels, again);
  return f;
}

float centre_confidence(const NearestTwo& n, index_t k) {
  if (k < 2) return 1.0f;
  return n.d2 > 0 ? static_cast<float>(1.0 - static_cast<double>(n.d1) / static_cast<double>(n.d2)) : 0.0f;
}

Result<Prediction> predict(const Context& ctx, const FittedClusterer& m, MatrixView<const float> x) {
  if (x.cols != m.dims())
    return Status::invalid_input("model", fmt::format("rows have {} columns; the model expects {}", x.cols, m.dims()));
  Prediction p;
  switch (m.rule) {
    case AssignRule::nearest_centre: {
      KOHORT_ASSIGN_OR_RETURN(const auto nearest, nearest_two(ctx, m.centers.cview(), x));
      p.labels.resize(nearest.size());
      p.confidence.resize(nearest.size());
      for (std::size_t i = 0; i < nearest.size(); ++i) {
        p.labels[i] = nearest[i].first;
        p.confidence[i] = centre_confidence(nearest[i], m.k());
      }
      return p;
    }
    case AssignRule::posterior: {
      KOHORT_ASSIGN_OR_RETURN(const auto proba, m.gmm ? gmm_predict_proba(ctx, *m.gmm, x) : bgmm_predict_proba(ctx, *m.bgmm, x));
      return argmax(proba);
    }
    case AssignRule::density: {
      KOHORT_ASSIGN_OR_RETURN(auto h, predict_hdbscan(ctx, *m.hdbscan, x));
      p = {std::move(h.labels), std::move(h.probabilities)};
      break;
    }
    case AssignRule::core_radius: {
      KOHORT_RETURN_IF_ERROR(check_finite(x));
      KOHORT_ASSIGN_OR_RETURN(p, predict_core_radius(ctx, m, x));
      break;
    }
  }
  KOHORT_RETURN_IF_ERROR(settle_noise(ctx, m, x, p));
  return p;
}

Status posteriors(const Context& ctx, const FittedClusterer& m, MatrixView<const float> x, index_t begin, index_t end,
                  std::vector<double>& out) {
  if (m.rule != AssignRule::posterior)
    return Status::invalid_argument("model", "posteriors need a mixture model; this one assigns by distance");
  const index_t k = m.k();
  if (x.cols != m.dims())
    return Status::invalid_input("model", fmt::format("rows have {} columns; the model expects {}", x.cols, m.dims()));
  const MatrixView<const float> rows(x.data + begin * x.stride, end - begin, x.cols, x.stride);
  KOHORT_ASSIGN_OR_RETURN(const auto proba, m.gmm ? gmm_predict_proba(ctx, *m.gmm, rows) : bgmm_predict_proba(ctx, *m.bgmm, rows));
  out.assign(at((end - begin) * k), 0.0);
  for (index_t i = 0; i < end - begin; ++i)
    for (index_t s = 0; s < k; ++s) out[at(i * k + s)] = proba(i, s);
  return {};
}

Agreement prediction_agreement(const std::vector<std::int32_t>& labels, const Prediction& predicted) {
  Agreement a;
  for (std::size_t i = 0; i < labels.size() && i < predicted.labels.size(); ++i)
    if (labels[i] != predicted.labels[i]) ++a.differ;
  if (!labels.empty()) a.share = 1.0 - static_cast<double>(a.differ) / static_cast<double>(labels.size());
  return a;
}

std::span<const ClustererInfo> clusterers() {
  static const std::vector<ClustererInfo> infos = [] {
    std::vector<ClustererInfo> v;
    for (const auto& e : kRegistry) v.push_back(e.info);
    return v;
  }();
  return infos;
}

const ClustererInfo* find_clusterer(std::string_view name) {
  const Entry* e = find_entry(name);
  return e == nullptr ? nullptr : &e->info;
}

}  // namespace kohort::cluster
