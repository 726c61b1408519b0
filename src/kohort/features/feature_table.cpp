#include "kohort/features/feature_table.h"

namespace kohort::features {

index_t FeatureTable::column(std::string_view name) const {
  for (std::size_t j = 0; j < info.size(); ++j)
    if (info[j].name == name) return static_cast<index_t>(j);
  return -1;
}

std::vector<std::string> FeatureTable::names() const {
  std::vector<std::string> out;
  out.reserve(info.size());
  for (const auto& f : info) out.push_back(f.name);
  return out;
}

}  // namespace kohort::features
