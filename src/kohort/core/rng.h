// kohort/core/rng.h — reproducible random streams derived from (seed, purpose, block).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

namespace kohort {

/// SplitMix64 step: a strong 64-bit mixer, used to derive independent stream states.
[[nodiscard]] constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// FNV-1a hash of a purpose string, so that streams are named, not numbered.
[[nodiscard]] constexpr std::uint64_t hash_purpose(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// xoshiro256** generator. Satisfies UniformRandomBitGenerator. Not thread-safe: each block
/// of parallel work derives its own Rng with Rng(seed, purpose, block).
class Rng {
 public:
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  explicit Rng(std::uint64_t seed, std::string_view purpose = {}, std::uint64_t block = 0) {
    std::uint64_t st = seed ^ (hash_purpose(purpose) * 0x9E3779B97F4A7C15ULL) ^
                       (block * 0xD1B54A32D192ED03ULL);
    for (auto& w : s_) w = splitmix64(st);
  }

  result_type operator()() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n), n > 0, without modulo bias (rejection of the top remainder).
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = max() - max() % n;
    std::uint64_t x = (*this)();
    while (x >= limit) x = (*this)();
    return x % n;
  }
  /// Standard normal (Box–Muller; one value per call, deterministic).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace kohort
