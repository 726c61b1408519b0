#include "kohort/cluster/clusterer.h"

#include <algorithm>

#include <fmt/format.h>

#include "kohort/cluster/gmm.h"
#include "kohort/cluster/kmeans.h"

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

template <typename T>
std::unique_ptr<Clusterer> make(const ClusterParams& p) {
  return std::make_unique<T>(p);
}

// The registry: a new algorithm adds one row here and its own file pair.
constexpr ClustererInfo kRegistry[] = {
    {"kmeans", "Lloyd k-means, k-means++ or k-means|| seeding, restarts (SGEMM distances)", true,
     &make<KMeansClusterer>},
    {"gmm", "Gaussian mixture by EM, diagonal or full covariance (--covariance); "
            "confidence = posterior probability", true, &make<GmmClusterer>},
};

}  // namespace

std::span<const ClustererInfo> clusterers() { return kRegistry; }

const ClustererInfo* find_clusterer(std::string_view name) {
  for (const auto& c : kRegistry)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace kohort::cluster
