#include "kohort/cluster/clusterer.h"

#include <algorithm>

#include "kohort/core/parallel.h"

#include <fmt/format.h>

#include "kohort/cluster/bgmm.h"
#include "kohort/cluster/dbscan.h"
#include "kohort/cluster/gmm.h"
#include "kohort/cluster/hdbscan.h"
#include "kohort/cluster/internal/kd_tree.h"
#include "kohort/cluster/kmeans.h"
#include "kohort/cluster/minibatch_kmeans.h"
#include "kohort/cluster/ward.h"

namespace kohort::cluster {

namespace {

class KMeansClusterer final : public Clusterer {
 public:
  explicit KMeansClusterer(const ClusterParams& p) {
    options_.n_clusters = p.n_clusters;
    options_.n_init = p.n_init;
    options_.max_iter = p.max_iter;
    options_.tol = p.tol;
    options_.init = p.init == "kmeans||" ? KMeansInit::kmeans_parallel : KMeansInit::kmeans_pp;
  }
  Result<Segmentation> fit(const Context& ctx, MatrixView<const float> x,
                           std::span<const float> weights) override {
    KOHORT_ASSIGN_OR_RETURN(fit_, fit_kmeans(ctx, x, options_, weights));
    Segmentation s;
    s.labels = fit_.labels;
    s.n_clusters = options_.n_clusters;
    s.objective = fit_.inertia;
    return s;
  }
  Result<std::vector<std::int32_t>> predict(const Context& ctx,
                                            MatrixView<const float> x) const override {
    if (fit_.centers.rows() == 0)
      return Status::internal("kmeans", "predict() called before a successful fit()");
    return assign_kmeans(ctx, fit_.centers.cview(), x);
  }

 private:
  KMeansOptions options_;
  KMeansFit fit_;
};

class GmmClusterer final : public Clusterer {
 public:
  explicit GmmClusterer(const ClusterParams& p) {
    options_.n_components = p.n_clusters;
    options_.n_init = p.n_init;
    options_.max_iter = p.max_iter;
    options_.tol = p.tol;
    options_.covariance = p.covariance == "full" ? Covariance::full : Covariance::diag;
    options_.reg_covar = p.reg_covar;
  }
  Result<Segmentation> fit(const Context& ctx, MatrixView<const float> x,
                           std::span<const float> weights) override {
    if (!weights.empty())
      return Status::unsupported("gmm", "sample weights are not supported by the mixture",
                                 "use --algo kmeans for weighted rows");
    KOHORT_ASSIGN_OR_RETURN(fit_, fit_gmm(ctx, x, options_));
    Segmentation s;
    s.labels = fit_.labels;
    s.confidence = fit_.confidence;
    s.n_clusters = options_.n_components;
    s.objective = -fit_.log_likelihood;
    s.bic = fit_.bic;
    s.has_bic = true;
    return s;
  }
  Result<std::vector<std::int32_t>> predict(const Context& ctx,
                                            MatrixView<const float> x) const override {
    if (fit_.k == 0) return Status::internal("gmm", "predict() called before a successful fit()");
    KOHORT_ASSIGN_OR_RETURN(auto proba, gmm_predict_proba(ctx, fit_, x));
    std::vector<std::int32_t> labels(static_cast<std::size_t>(x.rows));
    for (index_t i = 0; i < x.rows; ++i) {
      const float* r = proba.row(i);
      labels[static_cast<std::size_t>(i)] =
          static_cast<std::int32_t>(std::max_element(r, r + fit_.k) - r);
    }
    return labels;
  }

 private:
  GmmOptions options_;
  GmmFit fit_;
};

class BgmmClusterer final : public Clusterer {
 public:
  explicit BgmmClusterer(const ClusterParams& p) : truncation_(p.n_clusters), tol_(p.tol) {
    options_.n_init = p.n_init;
    options_.max_iter = p.max_iter;
    options_.covariance = p.covariance == "full" ? Covariance::full : Covariance::diag;
    options_.reg_covar = p.reg_covar;
  }
  Result<Segmentation> fit(const Context& ctx, MatrixView<const float> x,
                           std::span<const float> weights) override {
    if (!weights.empty())
      return Status::unsupported("bgmm", "sample weights are not supported by the mixture",
                                 "use --algo kmeans for weighted rows");
    // --k, when given, is the truncation level; else up to 20 components (fewer rows, fewer).
    options_.n_components =
        truncation_ > 0 ? truncation_ : static_cast<int>(std::min<index_t>(20, std::max<index_t>(1, x.rows)));
    // tol is per row here; the lower bound is a sum over rows.
    options_.tol = tol_ * static_cast<double>(x.rows);
    KOHORT_ASSIGN_OR_RETURN(fit_, fit_bgmm(ctx, x, options_));
    Segmentation s;
    s.labels = fit_.labels;
    s.confidence = fit_.confidence;
    s.n_clusters = static_cast<int>(fit_.effective.size());
    s.objective = fit_.lower_bound;
    return s;
  }
  Result<std::vector<std::int32_t>> predict(const Context& ctx,
                                            MatrixView<const float> x) const override {
    if (fit_.k == 0) return Status::internal("bgmm", "predict() called before a successful fit()");
    KOHORT_ASSIGN_OR_RETURN(auto proba, bgmm_predict_proba(ctx, fit_, x));
    std::vector<std::int32_t> labels(static_cast<std::size_t>(x.rows));
    for (index_t i = 0; i < x.rows; ++i) {
      const float* r = proba.row(i);
      labels[static_cast<std::size_t>(i)] =
          static_cast<std::int32_t>(std::max_element(r, r + proba.cols()) - r);
    }
    return labels;
  }

 private:
  int truncation_;
  double tol_;
  BgmmOptions options_;
  BgmmFit fit_;
};

class WardClusterer final : public Clusterer {
 public:
  explicit WardClusterer(const ClusterParams& p) : k_(p.n_clusters) {}
  Result<Segmentation> fit(const Context& ctx, MatrixView<const float> x,
                           std::span<const float> weights) override {
    KOHORT_ASSIGN_OR_RETURN(auto tree, fit_ward(ctx, x, {}, weights));
    if (k_ > tree.leaves)
      return Status::invalid_argument("--k", fmt::format("k = {} is larger than the tree's {} leaves",
                                                         k_, tree.leaves));
    KOHORT_ASSIGN_OR_RETURN(auto labels, cut_ward(tree, k_));
    // Centroids of the cut, so that new rows go to the nearest segment.
    std::vector<double> sum(static_cast<std::size_t>(k_ * x.cols), 0.0), cnt(static_cast<std::size_t>(k_), 0.0);
    for (index_t i = 0; i < x.rows; ++i) {
      const auto l = static_cast<index_t>(labels[static_cast<std::size_t>(i)]);
      cnt[static_cast<std::size_t>(l)] += 1;
      for (index_t j = 0; j < x.cols; ++j) sum[static_cast<std::size_t>(l * x.cols + j)] += x(i, j);
    }
    centers_ = Matrix<float>(k_, x.cols);
    for (index_t c = 0; c < k_; ++c)
      for (index_t j = 0; j < x.cols; ++j)
        centers_(c, j) = static_cast<float>(sum[static_cast<std::size_t>(c * x.cols + j)] /
                                            std::max(1.0, cnt[static_cast<std::size_t>(c)]));
    Segmentation s;
    s.labels = std::move(labels);
    s.n_clusters = k_;
    s.objective = tree.merges.empty() ? 0.0 : tree.merges.back().height;
    return s;
  }
  Result<std::vector<std::int32_t>> predict(const Context& ctx,
                                            MatrixView<const float> x) const override {
    if (centers_.rows() == 0) return Status::internal("ward", "predict() called before a successful fit()");
    return assign_kmeans(ctx, centers_.cview(), x);
  }

 private:
  int k_;
  Matrix<float> centers_;
};

class MiniBatchClusterer final : public Clusterer {
 public:
  explicit MiniBatchClusterer(const ClusterParams& p) {
    options_.n_clusters = p.n_clusters;
    options_.max_epochs = std::max(1, p.max_iter / 3);
  }
  Result<Segmentation> fit(const Context& ctx, MatrixView<const float> x,
                           std::span<const float> weights) override {
    if (!weights.empty())
      return Status::unsupported("minibatch", "sample weights are not supported by mini-batch k-means",
                                 "use --algo kmeans for weighted rows");
    Segmentation s;
    KOHORT_ASSIGN_OR_RETURN(state_, fit_minibatch_kmeans(ctx, x, options_, &s.labels, &s.objective));
    s.n_clusters = options_.n_clusters;
    return s;
  }
  Result<std::vector<std::int32_t>> predict(const Context& ctx,
                                            MatrixView<const float> x) const override {
    if (state_.centers.rows() == 0)
      return Status::internal("minibatch", "predict() called before a successful fit()");
    return assign_kmeans(ctx, state_.centers.cview(), x);
  }

 private:
  MiniBatchOptions options_;
  MiniBatchState state_;
};

class DbscanClusterer final : public Clusterer {
 public:
  explicit DbscanClusterer(const ClusterParams& p) {
    options_.eps = p.eps;
    options_.min_samples = p.min_samples;
  }
  Result<Segmentation> fit(const Context& ctx, MatrixView<const float> x,
                           std::span<const float> weights) override {
    if (!weights.empty())
      return Status::unsupported("dbscan", "sample weights are not supported by DBSCAN");
    KOHORT_ASSIGN_OR_RETURN(auto fit, fit_dbscan(ctx, x, options_));
    // Keep the core rows: a new row joins the cluster of its nearest core row within eps.
    index_t cores = 0;
    for (auto c : fit.core) cores += c;
    core_rows_ = Matrix<float>(cores, x.cols);
    core_labels_.clear();
    for (index_t i = 0, r = 0; i < x.rows; ++i)
      if (fit.core[static_cast<std::size_t>(i)]) {
        std::copy(x.row(i), x.row(i) + x.cols, core_rows_.row(r++));
        core_labels_.push_back(fit.labels[static_cast<std::size_t>(i)]);
      }
    Segmentation s;
    s.labels = std::move(fit.labels);
    s.n_clusters = fit.n_clusters;
    s.has_outliers = true;
    return s;
  }
  Result<std::vector<std::int32_t>> predict(const Context& ctx,
                                            MatrixView<const float> x) const override {
    KOHORT_RETURN_IF_ERROR(check_finite(x));
    std::vector<std::int32_t> out(static_cast<std::size_t>(x.rows), -1);
    if (core_rows_.rows() == 0) return out;
    const internal::KdTree tree(core_rows_.cview());
    parallel_for_blocks(ctx, x.rows, 1024, [&](index_t, index_t s, index_t e) {
      std::vector<index_t> near;
      for (index_t i = s; i < e; ++i) {
        tree.radius(x.row(i), options_.eps, near);
        double best = 1e300;
        for (index_t c : near) {
          double q = 0;
          for (index_t j = 0; j < x.cols; ++j) {
            const double t = static_cast<double>(x(i, j)) - core_rows_(c, j);
            q += t * t;
          }
          if (q < best) {
            best = q;
            out[static_cast<std::size_t>(i)] = core_labels_[static_cast<std::size_t>(c)];
          }
        }
      }
    });
    return out;
  }

 private:
  DbscanOptions options_;
  Matrix<float> core_rows_;
  std::vector<std::int32_t> core_labels_;
};

class HdbscanClusterer final : public Clusterer {
 public:
  explicit HdbscanClusterer(const ClusterParams& p) {
    options_.min_cluster_size = p.min_cluster_size;
    options_.min_samples = p.min_samples;
    options_.selection = p.cluster_selection == "leaf" ? ClusterSelection::leaf : ClusterSelection::eom;
  }
  Result<Segmentation> fit(const Context& ctx, MatrixView<const float> x,
                           std::span<const float> weights) override {
    if (!weights.empty())
      return Status::unsupported("hdbscan", "sample weights are not supported by HDBSCAN");
    KOHORT_ASSIGN_OR_RETURN(fit_, fit_hdbscan(ctx, x, options_));
    Segmentation s;
    s.labels = fit_.labels;
    s.confidence = fit_.probabilities;
    s.n_clusters = fit_.n_clusters;
    s.has_outliers = true;
    return s;
  }
  Result<std::vector<std::int32_t>> predict(const Context& ctx,
                                            MatrixView<const float> x) const override {
    KOHORT_ASSIGN_OR_RETURN(auto p, predict_hdbscan(ctx, fit_, x));
    return std::move(p.labels);
  }

 private:
  HdbscanOptions options_;
  HdbscanFit fit_;
};

template <typename T>
std::unique_ptr<Clusterer> make(const ClusterParams& p) {
  return std::make_unique<T>(p);
}

// The registry: a new algorithm adds one row here and its own file pair.
constexpr ClustererInfo kRegistry[] = {
    {"kmeans", "Lloyd k-means, k-means++ or k-means|| seeding, restarts (SGEMM distances)", true,
     &make<KMeansClusterer>},
    {"minibatch", "mini-batch k-means (Sculley 2010): batches of 1024 rows, early stopping; for "
                  "very large n", true, &make<MiniBatchClusterer>},
    {"gmm", "Gaussian mixture by EM, diagonal or full covariance (--covariance); "
            "confidence = posterior probability", true, &make<GmmClusterer>},
    {"bgmm", "variational Bayesian Gaussian mixture with a Dirichlet-process prior: settles its "
             "own number of segments (components above 1/(2K) weight; --k is the truncation K, "
             "default 20); diagonal or full covariance", false, &make<BgmmClusterer>},
    {"dbscan", "DBSCAN on a kd-tree (--eps, --min-samples); outliers are segment -1; for "
               "reduced data of up to ~16 dimensions", false, &make<DbscanClusterer>},
    {"hdbscan", "HDBSCAN (--min-cluster-size, --min-samples); outliers are segment -1; "
                "confidence = membership probability; for reduced data of up to ~16 dimensions",
     false, &make<HdbscanClusterer>},
    {"ward", "Ward agglomeration (exact nearest-neighbour chain up to 50k rows, k-means "
             "micro-clusters above); the tree is cut at k", true, &make<WardClusterer>},
};

}  // namespace

std::span<const ClustererInfo> clusterers() { return kRegistry; }

const ClustererInfo* find_clusterer(std::string_view name) {
  for (const auto& c : kRegistry)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace kohort::cluster
