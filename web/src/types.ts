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
  segment_mean: number;
  population_mean: number;
  std_diff: number;
}

export interface Segment {
  id: number;
  name: string;
  size: number;
  share: number;
  revenue_share: number;
  clv_12m: number;
  p_alive: number;
  churn_risk: number;
  avg_order_value: number;
  orders_per_year: number;
  tenure_days: number;
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
  heatmap: { features: string[]; phrases: string[]; values: number[][] };
  map: { method: string; x: number[]; y: number[]; segment: number[] };
  choice: Choice | null;
}
