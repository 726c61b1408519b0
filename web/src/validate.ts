// Checks a parsed report document against the contract in types.ts: every key present with
// the right type, and the shapes agreeing with each other (k segments with distinct ids, a
// segments × features heatmap, map arrays of one length, a revenue period of two dates in
// order, a positive churn horizon). All problems are collected, so the
// page can list them at once.

import type { Report } from "./types";

type Kind = "string" | "number" | "integer" | "boolean" | "number?" | "integer?" | "string?";
type Shape = Kind | { [key: string]: Shape } | [Shape] | { nullable: Shape };

const RULE: Shape = { text: "string", precision: "number", recall: "number" };
const DRIVER: Shape = {
  feature: "string",
  phrase: "string",
  unit: "string",
  segment_mean: "number?",
  population_mean: "number?",
  std_diff: "number",
};
const SEGMENT: Shape = {
  id: "integer",
  name: "string",
  size: "integer",
  share: "number",
  revenue_share: "number",
  clv_12m: "number?",
  p_alive: "number?",
  churn_risk: "number?",
  avg_order_value: "number?",
  orders_per_year: "number?",
  tenure_days: "number?",
  silhouette: "number?",
  stability: "number?",
  narrative: "string",
  rules: [RULE],
  drivers: [DRIVER],
};
const CHOICE_ROW: Shape = {
  k: "integer",
  inertia: "number?",
  silhouette: "number?",
  calinski_harabasz: "number?",
  davies_bouldin: "number?",
  gap: "number?",
  bic: "number?",
};
const REPORT: Shape = {
  kohort_version: "string",
  model_version: "integer",
  created_at: "string",
  as_of: "string",
  customers: "integer",
  algorithm: "string",
  k: "integer",
  currency: "string",
  metrics: {
    silhouette: "number?",
    calinski_harabasz: "number?",
    davies_bouldin: "number?",
    inertia: "number?",
  },
  segments: [SEGMENT],
  heatmap: { features: ["string"], phrases: ["string"], values: [["number?"]] },
  map: { method: "string", x: ["number"], y: ["number"], segment: ["integer"] },
  choice: {
    nullable: { chosen_k: "integer", rule: "string", reason: "string", rows: [CHOICE_ROW] },
  },
  revenue_period: { nullable: { from: "string", to: "string" } },
  churn_horizon_days: "number?",
  identity: {
    nullable: {
      previous_version: "integer",
      births: [{ id: "integer", name: "string", size: "integer" }],
      deaths: [{ id: "integer", name: "string", size: "integer" }],
      renamed: [{ id: "integer", from: "string", to: "string" }],
      splits: [{ from: "integer", into: [{ id: "integer", overlap: "integer" }] }],
      merges: [{ into: "integer", from: [{ id: "integer", overlap: "integer" }] }],
      migration: { previous: ["integer"], new: ["integer"], counts: [["integer"]] },
    },
  },
  life: {
    nullable: {
      segments: [{ id: "integer", name: "string" }],
      days: [
        {
          as_of: "string",
          source: "string",
          version: "integer",
          status: "string",
          customers: "integer",
          moved_share: "number?",
          raw_moved_share: "number?",
          alarm: "boolean",
          sizes: ["integer?"],
        },
      ],
      monitor: [
        {
          as_of: "string",
          version: "integer",
          verdict: "string",
          reasons: [{ level: "string", kind: "string", text: "string" }],
        },
      ],
      kpis: {
        nullable: {
          kpi: "string",
          window_days: "integer",
          dates: ["string"],
          values: [["number?"]],
        },
      },
      migration: {
        nullable: {
          from: "string",
          to: "string",
          ids: ["integer"],
          counts: [["integer"]],
          arrived: ["integer"],
          left: ["integer"],
        },
      },
    },
  },
};

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return `the number ${value}`;
  return `a ${typeof value}`;
}

function check(value: unknown, shape: Shape, path: string, errors: string[]): void {
  if (typeof shape === "string") {
    const nullable = shape.endsWith("?");
    if (value === null && nullable) return;
    if (value === undefined) {
      errors.push(`${path} is missing`);
      return;
    }
    const base = nullable ? shape.slice(0, -1) : shape;
    const ok =
      base === "string"
        ? typeof value === "string"
        : base === "boolean"
          ? typeof value === "boolean"
          : typeof value === "number" &&
            Number.isFinite(value) &&
            (base !== "integer" || Number.isInteger(value));
    if (!ok)
      errors.push(
        `${path} should be ${nullable ? "null or " : ""}${base === "integer" ? "an integer" : `a ${base}`}, not ${describe(value)}`,
      );
    return;
  }
  if (value === undefined) {
    errors.push(`${path} is missing`);
    return;
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) {
      errors.push(`${path} should be an array, not ${describe(value)}`);
      return;
    }
    for (let i = 0; i < value.length && errors.length < 50; ++i) {
      check(value[i], shape[0], `${path}[${i}]`, errors);
    }
    return;
  }
  if ("nullable" in shape && Object.keys(shape).length === 1) {
    if (value !== null) check(value, shape.nullable as Shape, path, errors);
    return;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    errors.push(
      `${path === "" ? "the report data" : path} should be an object, not ${describe(value)}`,
    );
    return;
  }
  const object = value as Record<string, unknown>;
  for (const [key, inner] of Object.entries(shape)) {
    check(object[key], inner as Shape, path === "" ? key : `${path}.${key}`, errors);
  }
}

function checkConsistency(r: Report, errors: string[]): void {
  const k = r.segments.length;
  if (r.k !== k) errors.push(`k is ${r.k} but segments has ${k} entries`);
  const ids = new Set<number>();
  r.segments.forEach((s, i) => {
    if (!Number.isInteger(s.id) || s.id < 0)
      errors.push(`segments[${i}].id is ${s.id}; segment ids are whole numbers ≥ 0`);
    else if (ids.has(s.id)) errors.push(`segments[${i}].id ${s.id} repeats an earlier segment's`);
    ids.add(s.id);
  });
  const d = r.heatmap.features.length;
  if (r.heatmap.phrases.length !== d) {
    errors.push(`heatmap.phrases has ${r.heatmap.phrases.length} entries, heatmap.features ${d}`);
  }
  if (r.heatmap.values.length !== k) {
    errors.push(
      `heatmap.values has ${r.heatmap.values.length} rows, one per segment (${k}) expected`,
    );
  }
  r.heatmap.values.forEach((row, s) => {
    if (row.length !== d)
      errors.push(`heatmap.values[${s}] has ${row.length} values, ${d} features expected`);
  });
  const n = r.map.x.length;
  if (r.map.y.length !== n || r.map.segment.length !== n) {
    errors.push(
      `map.x, map.y and map.segment differ in length (${n}, ${r.map.y.length}, ${r.map.segment.length})`,
    );
  }
  const bad = r.map.segment.findIndex((s) => s !== -1 && !ids.has(s));
  if (bad >= 0) {
    errors.push(
      `map.segment[${bad}] is ${r.map.segment[bad]}, which is no segment's id (nor -1, an outlier)`,
    );
  }
  if (r.choice && r.choice.rows.length === 0) errors.push("choice.rows is empty");
  const m = r.identity?.migration;
  if (m) {
    if (m.counts.length !== m.new.length)
      errors.push(
        `identity.migration.counts has ${m.counts.length} rows for ${m.new.length} new segments`,
      );
    m.counts.forEach((row, i) => {
      if (row.length !== m.previous.length)
        errors.push(
          `identity.migration.counts[${i}] has ${row.length} values for ${m.previous.length} previous segments`,
        );
    });
  }
  if (r.life) checkLife(r.life, errors);
  const period = r.revenue_period;
  if (period) {
    const from = isDate(period.from);
    const to = isDate(period.to);
    if (!from) errors.push(`revenue_period.from is "${period.from}"; a date YYYY-MM-DD expected`);
    if (!to) errors.push(`revenue_period.to is "${period.to}"; a date YYYY-MM-DD expected`);
    if (from && to && period.from > period.to) {
      errors.push(`revenue_period.from (${period.from}) is after revenue_period.to (${period.to})`);
    }
  }
  if (r.churn_horizon_days !== null && !(r.churn_horizon_days > 0)) {
    errors.push(`churn_horizon_days is ${r.churn_horizon_days}; a number of days above 0 expected`);
  }
}

function checkLife(life: NonNullable<Report["life"]>, errors: string[]): void {
  const n = life.segments.length;
  life.days.forEach((d, i) => {
    if (!isDate(d.as_of))
      errors.push(`life.days[${i}].as_of is "${d.as_of}"; a date YYYY-MM-DD expected`);
    if (d.sizes.length !== n)
      errors.push(`life.days[${i}].sizes has ${d.sizes.length} values for ${n} segments`);
  });
  life.monitor.forEach((m, i) => {
    if (!["ok", "watch", "retrain"].includes(m.verdict))
      errors.push(`life.monitor[${i}].verdict is "${m.verdict}"; ok, watch or retrain expected`);
  });
  const k = life.kpis;
  if (k) {
    if (k.values.length !== k.dates.length)
      errors.push(`life.kpis.values has ${k.values.length} rows for ${k.dates.length} dates`);
    k.values.forEach((row, i) => {
      if (row.length !== n)
        errors.push(`life.kpis.values[${i}] has ${row.length} values for ${n} segments`);
    });
  }
  const m = life.migration;
  if (m) {
    const c = m.ids.length;
    if (m.counts.length !== c || m.counts.some((row) => row.length !== c))
      errors.push(`life.migration.counts is not ${c} × ${c}`);
    if (m.arrived.length !== c || m.left.length !== c)
      errors.push(`life.migration.arrived and .left need ${c} values each`);
  }
}

/// A calendar date written YYYY-MM-DD.
function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

export type Validated = { ok: true; report: Report } | { ok: false; errors: string[] };

/// Validates a parsed document. On success the document is returned typed as a Report.
export function validateReport(data: unknown): Validated {
  const errors: string[] = [];
  check(data, REPORT, "", errors);
  if (errors.length === 0) checkConsistency(data as Report, errors);
  return errors.length === 0 ? { ok: true, report: data as Report } : { ok: false, errors };
}
