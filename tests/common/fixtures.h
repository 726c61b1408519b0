// tests/common/fixtures.h — reading committed reference fixtures and making planted data.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kohort/core/matrix.h"
#include "kohort/core/rng.h"

namespace kohort::testing {

inline std::string fixture_path(const std::string& rel) {
  return std::string(KOHORT_FIXTURES_DIR) + "/" + rel;
}

inline nlohmann::json load_json(const std::string& rel) {
  std::ifstream f(fixture_path(rel));
  return nlohmann::json::parse(f);
}

/// A headerless CSV of numbers as a float matrix.
inline Matrix<float> load_csv_matrix(const std::string& rel) {
  std::ifstream f(fixture_path(rel));
  std::vector<std::vector<float>> rows;
  std::string line;
  while (std::getline(f, line)) {
    std::vector<float> r;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) r.push_back(std::stof(cell));
    rows.push_back(std::move(r));
  }
  Matrix<float> m(static_cast<index_t>(rows.size()), rows.empty() ? 0 : static_cast<index_t>(rows[0].size()));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j) m(static_cast<index_t>(i), static_cast<index_t>(j)) = rows[i][j];
  return m;
}

struct BlobSpec {
  index_t n = 600;
  int k = 4;
  index_t d = 5;
  std::uint64_t seed = 7;
  double spread = 10.0;  ///< centres uniform in [−spread, spread]^d
  double sd = 1.0;       ///< within-cluster standard deviation
  bool unequal = false;  ///< sizes ∝ 1, 2, …, k instead of equal
  double sd_spread = 0;  ///< each cluster's sd is sd·U(1 − sd_spread, 1 + sd_spread)
  int size_ratio = 0;    ///< when > 0: sizes ∝ 1 + (c mod size_ratio) (overrides unequal)
};

struct Blobs {
  Matrix<float> x;
  std::vector<std::int32_t> truth;
};

/// Gaussian blobs with known membership (rows interleaved, not sorted by cluster).
inline Blobs make_blobs(const BlobSpec& s) {
  Rng rng(s.seed, "test.blobs");
  std::vector<double> centers(static_cast<std::size_t>(s.k * s.d));
  for (auto& c : centers) c = (2 * rng.uniform() - 1) * s.spread;
  std::vector<double> cum(static_cast<std::size_t>(s.k)), sds(static_cast<std::size_t>(s.k));
  double tot = 0;
  for (int c = 0; c < s.k; ++c) {
    const double w = s.size_ratio > 0 ? 1 + c % s.size_ratio : (s.unequal ? c + 1 : 1);
    cum[static_cast<std::size_t>(c)] = (tot += w);
    sds[static_cast<std::size_t>(c)] = s.sd * (1 - s.sd_spread + 2 * s.sd_spread * rng.uniform());
  }
  const bool weighted = s.unequal || s.size_ratio > 0;
  Blobs b{Matrix<float>(s.n, s.d), std::vector<std::int32_t>(static_cast<std::size_t>(s.n))};
  for (index_t i = 0; i < s.n; ++i) {
    int c = 0;
    if (weighted) {
      const double u = rng.uniform() * tot;
      while (cum[static_cast<std::size_t>(c)] <= u) ++c;
    } else {
      c = static_cast<int>(i % s.k);
    }
    b.truth[static_cast<std::size_t>(i)] = c;
    for (index_t j = 0; j < s.d; ++j)
      b.x(i, j) = static_cast<float>(centers[static_cast<std::size_t>(c * s.d + j)] +
                                     sds[static_cast<std::size_t>(c)] * rng.normal());
  }
  return b;
}

}  // namespace kohort::testing
