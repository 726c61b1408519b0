// fuzz/model_json_fuzz.cpp — a stored segment model document on arbitrary bytes: refused with a
// Status, or accepted and then able to assign rows without reading out of bounds (a model whose
// parts disagree in size must be refused, not trusted).
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "kohort/core/context.h"
#include "kohort/model/model.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  auto m = kohort::model::SegmentModel::from_json(j);
  if (!m.ok()) return 0;
  if (m->feature_names.size() > 4096) return 0;
  kohort::features::FeatureTable raw;
  raw.values = kohort::Matrix<float>(2, static_cast<kohort::index_t>(m->feature_names.size()));
  for (const auto& name : m->feature_names) {
    kohort::features::FeatureInfo info;
    info.name = name;
    raw.info.push_back(info);
  }
  raw.customers = {0, 1};
  auto a = kohort::model::assign(kohort::Context().with_threads(1), *m, raw);
  if (a.ok() && a->labels.size() != 2) __builtin_trap();
  return 0;
}
