// kohort/model/report_data.h — the report's data (the contract of web/src/types.ts) from a
// stored model document, which is validated whole on the way.
#pragma once

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kohort/core/result.h"

namespace kohort::model {

/// The report data of the model document `model_text` (the bytes a store or model.json holds)
/// published as `version`. The document is checked whole before anything is drawn from it:
/// it parses as JSON; SegmentModel::from_json() accepts it (a Kohort segment model whose
/// assignment parts agree in size); and the explanation the report draws is present with the
/// right types and shapes — `segments` holds one object per segment with distinct ids ≥ 0 (the
/// published identities), each with its numbers, narrative, rules and drivers; `diagnostics`
/// holds the metrics, the heatmap (segments × features), the map (arrays of one length, each
/// point a segment's id or −1) and the choice of k (or null). Keys a model of an earlier Kohort
/// may lack come out null: `revenue_period` ({"from", "to"}: the days the revenue shares
/// cover), `churn_horizon_days` and `identity` (null too for a first version: otherwise the
/// previous version, births and deaths {id, name, size}, renamed {id, from, to}, splits {from,
/// into: [{id, overlap}]}, merges {into, from: [{id, overlap}]} and the migration {previous:
/// ids, new: ids, counts: one row per new segment of customers from each previous one}).
/// `life` is null: the store's days and runs are added by kohort report (assign/life.h). Fails with corruption (where: "model version N"; what: the first key
/// that is wrong, as a path like `segments[3].drivers[0].std_diff`) and a hint to refit; never
/// throws. Only keys of the contract are copied. Deterministic; O(size of the document).
[[nodiscard]] Result<nlohmann::json> report_data(std::string_view model_text, std::int64_t version);

}  // namespace kohort::model
