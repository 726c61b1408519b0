// The report data contract: what `kohort report` embeds in the page (and, later, what
// `kohort serve` returns). validate.ts checks a parsed document against it.

export interface Rule {
  text: string;
  precision: number;
  recall: number;
}

export interface Driver {
  feature: string;
  phrase: string;
  unit: string;
  segment_mean: number | null;
  population_mean: number | null;
  std_diff: number;
}

// The per-segment values from the CLV models (clv_12m, p_alive, churn_risk) and the order
// summaries (avg_order_value, orders_per_year, tenure_days) are null when they could not be
// computed (e.g. the models could not be fitted on the data).
export interface Segment {
  id: number;
  name: string;
  size: number;
  share: number;
  revenue_share: number;
  clv_12m: number | null;
  p_alive: number | null;
  churn_risk: number | null;
  avg_order_value: number | null;
  orders_per_year: number | null;
  tenure_days: number | null;
  silhouette: number | null;
  stability: number | null;
  narrative: string;
  rules: Rule[];
  drivers: Driver[];
}

export interface ChoiceRow {
  k: number;
  inertia: number | null;
  silhouette: number | null;
  calinski_harabasz: number | null;
  davies_bouldin: number | null;
  gap: number | null;
  bic: number | null;
}

export interface Choice {
  chosen_k: number;
  rule: string;
  reason: string;
  rows: ChoiceRow[];
}

/// Days, inclusive, as YYYY-MM-DD.
export interface Period {
  from: string;
  to: string;
}

/// A segment of the previous version that died, or one of this version that was born.
export interface SegmentChange {
  id: number;
  name: string;
  size: number;
}

export interface Part {
  id: number;
  overlap: number;
}

/// How this version's segments were matched to the previous version's (ids are identities).
export interface Identity {
  previous_version: number;
  births: SegmentChange[];
  deaths: SegmentChange[];
  renamed: { id: number; from: string; to: string }[];
  splits: { from: number; into: Part[] }[];
  merges: { into: number; from: Part[] }[];
  /// counts[i][j]: customers of new segment new[i] who were in previous segment previous[j].
  migration: { previous: number[]; new: number[]; counts: number[][] };
}

/// One point of the segmentation's life: a fit (its own sizes) or an assignment day.
export interface LifeDay {
  as_of: string;
  source: "fit" | "assign";
  version: number;
  /// "held": the alarm held the day back (its sizes are what it would have published).
  status: "current" | "held";
  customers: number;
  moved_share: number | null;
  raw_moved_share: number | null;
  alarm: boolean;
  /// One per Life.segments entry; null where the segment had no size that day.
  sizes: (number | null)[];
}

export interface MonitorRun {
  as_of: string;
  version: number;
  verdict: "ok" | "watch" | "retrain";
  /// Retrain reasons before watch reasons.
  reasons: { level: string; kind: string; text: string }[];
}

/// The segmentation's life as the store records it (kohort assign, kohort monitor).
export interface Life {
  segments: { id: number; name: string }[];
  days: LifeDay[];
  monitor: MonitorRun[];
  /// values[r][j]: the KPI of segments[j] at monitor run dates[r].
  kpis: { kpi: string; window_days: number; dates: string[]; values: (number | null)[][] } | null;
  /// counts[i][j]: customers in ids[j] on `from` and in ids[i] on `to`; arrived[i] new in
  /// ids[i]; left[j] gone from ids[j].
  migration: {
    from: string;
    to: string;
    ids: number[];
    counts: number[][];
    arrived: number[];
    left: number[];
  } | null;
}

export interface Report {
  kohort_version: string;
  model_version: number;
  created_at: string;
  as_of: string;
  customers: number;
  algorithm: string;
  k: number;
  currency: string;
  metrics: {
    silhouette: number | null;
    calinski_harabasz: number | null;
    davies_bouldin: number | null;
    inertia: number | null;
  };
  segments: Segment[];
  heatmap: { features: string[]; phrases: string[]; values: (number | null)[][] };
  map: { method: string; x: number[]; y: number[]; segment: number[] };
  choice: Choice | null;
  /// The days whose net revenue (refunds subtracted) the segments' revenue_share is of: all
  /// revenue in the data before the as-of date. Null when the model does not record them.
  revenue_period: Period | null;
  /// churn_risk is the chance of no purchase within this many days. Null when not recorded.
  churn_horizon_days: number | null;
  /// Null for a first version.
  identity: Identity | null;
  /// Null when the store holds no assignment day and no monitor run.
  life: Life | null;
}
