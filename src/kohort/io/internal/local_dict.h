// kohort/io/internal/local_dict.h — a chunk-local string interner over borrowed views.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "kohort/io/internal/csv_scan.h"

namespace kohort::io::internal {

/// Interns strings to codes 0, 1, … in order of first appearance, storing views. Views of
/// stable memory (the file buffer) are kept as they are; others are copied. Open addressing
/// with linear probing; no allocation per lookup.
class LocalDict {
 public:
  [[gnu::always_inline]] std::int32_t intern(std::string_view s, bool stable) {
    return intern(s, hash_bytes(s), stable);
  }

  /// Starts loading the slot a value with hash h would probe first (batch lookups issue
  /// these ahead of intern() to overlap cache misses).
  void prefetch(std::uint64_t h) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[static_cast<std::size_t>(h) & mask_]);
  }

  /// intern() with the value's hash_bytes() already computed. Both overloads are always
  /// inlined: they run once per code cell in the conversion loops.
  [[gnu::always_inline]] std::int32_t intern(std::string_view s, std::uint64_t h, bool stable) {
    if (slots_.empty()) rehash(64);
    // The tag holds 27 bits of hash and the length (capped at 31); values of up to 8 bytes
    // also live in the slot (zero-padded), so a hit on them costs one cache line and never
    // touches the cold text the value was first seen in.
    const std::uint32_t tag = make_tag(h, s.size());
    const bool inl = s.size() <= 8;
    std::uint64_t key = 0;
    if (inl) std::memcpy(&key, s.data(), s.size());
    std::size_t i = static_cast<std::size_t>(h) & mask_;
    for (;;) {
      const Slot& slot = slots_[i];
      if (slot.code1 == 0) break;
      if (slot.tag == tag) {
        const auto code = static_cast<std::int32_t>(slot.code1 - 1);
        if (inl ? slot.key == key : values_[static_cast<std::size_t>(code)] == s) return code;
      }
      i = (i + 1) & mask_;
    }
    const auto code = static_cast<std::int32_t>(values_.size());
    if (!stable) s = owned_.emplace_back(s);
    values_.push_back(s);
    slots_[i] = {static_cast<std::uint32_t>(code + 1), tag, key};
    if (values_.size() * 2 > slots_.size()) rehash(slots_.size() * 2);
    return code;
  }
  /// Interns every value of `src` (copying them), writing src code → code into `map`.
  /// Batched with prefetches like resolve_pending().
  void intern_all(const LocalDict& src, std::vector<std::int32_t>& map) {
    constexpr std::size_t kBatch = 32;
    std::uint64_t h[kBatch];
    map.resize(src.size());
    for (std::size_t base = 0; base < src.size(); base += kBatch) {
      const std::size_t end = std::min(src.size(), base + kBatch);
      for (std::size_t i = base; i < end; ++i) {
        h[i - base] = hash_bytes(src.values_[i]);
        prefetch(h[i - base]);
      }
      for (std::size_t i = base; i < end; ++i)
        map[i] = intern(src.values_[i], h[i - base], false);
    }
  }

  [[nodiscard]] std::size_t size() const { return values_.size(); }
  [[nodiscard]] std::string_view value(std::int32_t code) const {
    return values_[static_cast<std::size_t>(code)];
  }

 private:
  struct Slot {
    std::uint32_t code1 = 0;  ///< code + 1; 0 marks an empty slot
    std::uint32_t tag = 0;
    std::uint64_t key = 0;    ///< the value itself when it has at most 8 bytes
  };

  static std::uint32_t make_tag(std::uint64_t h, std::size_t len) {
    return (static_cast<std::uint32_t>(h >> 32) & ~std::uint32_t{31}) |
           static_cast<std::uint32_t>(len < 31 ? len : 31);
  }

  void rehash(std::size_t n) {
    std::vector<Slot> old(n);
    old.swap(slots_);
    mask_ = n - 1;
    for (const Slot& slot : old) {
      if (slot.code1 == 0) continue;
      std::size_t i = static_cast<std::size_t>(hash_bytes(values_[slot.code1 - 1])) & mask_;
      while (slots_[i].code1 != 0) i = (i + 1) & mask_;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::vector<std::string_view> values_;
  std::deque<std::string> owned_;
};

}  // namespace kohort::io::internal
