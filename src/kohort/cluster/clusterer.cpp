#include "kohort/cluster/clusterer.h"

#include <fmt/format.h>

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

template <typename T>
std::unique_ptr<Clusterer> make(const ClusterParams& p) {
  return std::make_unique<T>(p);
}

// The registry: a new algorithm adds one row here and its own file pair.
constexpr ClustererInfo kRegistry[] = {
    {"kmeans", "Lloyd k-means, k-means++ or k-means|| seeding, restarts (SGEMM distances)", true,
     &make<KMeansClusterer>},
};

}  // namespace

std::span<const ClustererInfo> clusterers() { return kRegistry; }

const ClustererInfo* find_clusterer(std::string_view name) {
  for (const auto& c : kRegistry)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace kohort::cluster
