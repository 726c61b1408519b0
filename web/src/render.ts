// Builds the report page from a validated Report: the DOM of every section first, then the
// charts into their (by then laid out) elements.

import {
  CURVES,
  choiceOption,
  draw,
  driversOption,
  driversScale,
  heatmapOption,
  lifeKpisOption,
  lifeLabel,
  lifeSizesOption,
  mapOption,
  overviewOption,
  stabilityOption,
} from "./charts";
import { segmentColor } from "./colors";
import { chartBox, h, section } from "./dom";
import {
  NONE,
  compact,
  date,
  dateTime,
  days,
  decimal,
  integer,
  money,
  percent,
  signed,
  withHorizon,
} from "./format";
import type { Report, Segment } from "./types";

/// A chart to draw once the page is laid out: its element and its option for a given width.
type Pending = [HTMLElement, (width: number) => ReturnType<typeof overviewOption>];

function swatch(id: number): HTMLElement {
  return h("span", {
    class: "swatch",
    style: `background:${segmentColor(id)}`,
    "aria-hidden": "true",
  });
}

function fact(label: string, value: string, id?: string): HTMLElement {
  return h("div", { class: "fact" }, h("dt", {}, label), h("dd", { id }, value));
}

function header(r: Report): HTMLElement {
  return h(
    "header",
    { id: "report-header", class: "report-header" },
    h("p", { class: "eyebrow" }, "Customer segmentation report"),
    h("h1", { id: "report-title" }, `${r.k} customer segments as of ${r.as_of}`),
    h(
      "dl",
      { class: "facts" },
      fact("As of", r.as_of, "fact-as-of"),
      fact("Customers", integer(r.customers), "fact-customers"),
      fact("Segments (k)", String(r.k), "fact-k"),
      fact("Algorithm", r.algorithm, "fact-algorithm"),
      fact("Model version", `v${r.model_version}`, "fact-model-version"),
      fact("Kohort version", r.kohort_version, "fact-kohort-version"),
      fact("Created", dateTime(r.created_at), "fact-created"),
      fact("Silhouette", decimal(r.metrics.silhouette, 3), "fact-silhouette"),
    ),
    h(
      "nav",
      { class: "toc", "aria-label": "Sections" },
      [
        ["overview", "Overview"],
        ["heatmap", "Heatmap"],
        ["drivers", "Drivers"],
        ["map", "Customer map"],
        ["choice", "Choice of k"],
        ["stability", "Stability"],
        ...(r.identity ? [["identity", "Since the previous version"]] : []),
        ...(r.life ? [["life", "Life"]] : []),
        ["profiles", "Profiles"],
      ].map(([id, label]) => h("a", { href: `#${id}` }, label)),
    ),
  );
}

/// What the overview's numbers are of: the days the revenue shares cover and the churn horizon.
function overviewLead(r: Report): string {
  const revenue = r.revenue_period
    ? `net revenue from ${date(r.revenue_period.from)} to ${date(r.revenue_period.to)}`
    : "all net revenue up to the as-of date";
  const churn =
    r.churn_horizon_days === null
      ? "churn risk: the chance of no purchase, over a horizon this model does not record"
      : `churn risk: the chance of no purchase within ${days(r.churn_horizon_days)} days`;
  return (
    `Size, value and risk of each segment. Shares are of all customers and of ${revenue}; ` +
    `CLV is the expected value per customer over the next 12 months; ${churn}.`
  );
}

function overview(r: Report, pending: Pending[]): HTMLElement {
  const s = section("overview", "Segment overview", overviewLead(r));
  const cur = r.currency;
  const churnRisk = withHorizon("Churn risk", r.churn_horizon_days);
  const table = h(
    "table",
    { id: "overview-table", class: "data-table" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Segment", "Customers", "Share", "Revenue share", "CLV 12 m / customer", churnRisk].map(
          (t, i) => h("th", { scope: "col", class: i === 0 ? "" : "num" }, t),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      r.segments.map((seg) =>
        h(
          "tr",
          { "data-segment": seg.id },
          h(
            "th",
            { scope: "row", class: "segment-name" },
            swatch(seg.id),
            h("span", { class: "name" }, seg.name),
          ),
          h("td", { class: "num" }, integer(seg.size)),
          h("td", { class: "num" }, percent(seg.share)),
          h("td", { class: "num" }, percent(seg.revenue_share)),
          h("td", { class: "num" }, money(seg.clv_12m, cur)),
          h("td", { class: "num" }, riskBadge(seg.churn_risk)),
        ),
      ),
    ),
  );
  const box = chartBox(
    "chart-overview",
    "overview",
    90 + r.segments.length * 40,
    `Per segment: share of customers and of revenue, 12-month CLV per customer, ${churnRisk.toLowerCase()}`,
  );
  pending.push([box, () => overviewOption(r)]);
  s.append(h("div", { class: "table-wrap" }, table), h("figure", { class: "below" }, box));
  return s;
}

function riskBadge(risk: number | null): HTMLElement {
  if (risk === null) return h("span", { class: "risk" }, NONE);
  const level = risk >= 0.5 ? "high" : risk >= 0.25 ? "medium" : "low";
  return h("span", { class: `risk risk-${level}` }, `${percent(risk, 0)} · ${level}`);
}

function heatmap(r: Report, pending: Pending[]): HTMLElement {
  const s = section(
    "heatmap",
    "What sets the segments apart",
    "Each cell is the segment's mean minus all customers' mean, in standard deviations: red is above average, blue below.",
  );
  const rowHeight = r.heatmap.features.length > 60 ? 16 : 22;
  const box = chartBox(
    "chart-heatmap",
    "heatmap",
    150 + r.heatmap.features.length * rowHeight,
    `Heatmap of ${r.segments.length} segments by ${r.heatmap.features.length} features`,
  );
  box.dataset.segments = String(r.segments.length);
  box.dataset.features = String(r.heatmap.features.length);
  pending.push([box, (width) => heatmapOption(r, width)]);
  s.append(h("figure", {}, box));
  return s;
}

function drivers(r: Report, pending: Pending[]): HTMLElement {
  const s = section(
    "drivers",
    "Drivers per segment",
    "The features that distinguish each segment most, as standardised differences from all customers.",
  );
  const grid = h("div", { class: "card-grid drivers" });
  const scale = driversScale(r.segments);
  for (const seg of r.segments) {
    const box = chartBox(
      `chart-drivers-${seg.id}`,
      "drivers",
      40 + Math.max(1, seg.drivers.length) * 30,
      `Top distinguishing features of ${seg.name}: ` +
        seg.drivers.map((d) => `${d.phrase} ${signed(d.std_diff)} SD`).join(", "),
    );
    box.dataset.segment = String(seg.id);
    grid.append(
      h(
        "figure",
        { class: "card" },
        h("figcaption", {}, swatch(seg.id), seg.name),
        seg.drivers.length
          ? box
          : h("p", { class: "note" }, "No distinguishing features recorded."),
      ),
    );
    if (seg.drivers.length) pending.push([box, () => driversOption(seg, r.currency, scale)]);
  }
  s.append(grid);
  return s;
}

function customerMap(r: Report, pending: Pending[]): HTMLElement {
  const outliers = r.map.segment.filter((v) => v < 0).length;
  const s = section(
    "map",
    "Customer map",
    `A sample of ${integer(r.map.x.length)} customers ${
      r.map.method === "umap"
        ? "placed by UMAP (customers alike in the features the segments were found on sit close together)"
        : `placed by the first two ${r.map.method.toUpperCase()} components`
    }, coloured by segment` + (outliers ? `; ${integer(outliers)} outliers in grey.` : "."),
  );
  const box = chartBox(
    "chart-map",
    "map",
    520,
    `Scatter of ${r.map.x.length} sampled customers coloured by segment`,
  );
  box.dataset.points = String(r.map.x.length);
  pending.push([box, () => mapOption(r)]);
  s.append(h("figure", {}, box));
  return s;
}

function choice(r: Report, pending: Pending[]): HTMLElement {
  const s = section("choice", "Choice of k");
  if (r.choice === null) {
    s.append(
      h(
        "p",
        { class: "note", id: "choice-note" },
        `The number of segments was given (k = ${r.k}); no other k was evaluated.`,
      ),
    );
    return s;
  }
  const c = r.choice;
  s.append(
    h(
      "p",
      { class: "lead", id: "choice-summary" },
      h("strong", {}, `Chosen k = ${c.chosen_k}`),
      ` by the ${c.rule} rule: ${c.reason}`,
    ),
  );
  const grid = h("div", { class: "card-grid curves" });
  for (const curve of CURVES) {
    if (!c.rows.some((row) => row[curve.key] !== null)) continue;
    const box = chartBox(
      `chart-choice-${curve.key}`,
      "choice",
      240,
      `${curve.title} by k, chosen k = ${c.chosen_k} marked`,
    );
    box.dataset.chosenK = String(c.chosen_k);
    grid.append(
      h(
        "figure",
        { class: "card" },
        h(
          "figcaption",
          { class: "stacked" },
          curve.title,
          h("span", { class: "hint" }, curve.better),
        ),
        box,
      ),
    );
    pending.push([box, () => choiceOption(c.rows, curve, c.chosen_k)]);
  }
  s.append(grid);
  return s;
}

function stability(r: Report, pending: Pending[]): HTMLElement {
  const s = section(
    "stability",
    "Stability",
    "How reliably each segment comes back when the customers are resampled (mean best-match Jaccard over bootstrap refits). Below 0.6 a segment should not be acted on alone.",
  );
  const missing = r.segments.filter((seg) => seg.stability === null);
  if (missing.length === r.segments.length) {
    s.append(
      h(
        "p",
        { class: "note", id: "stability-note" },
        "Stability was not measured for this segmentation.",
      ),
    );
    return s;
  }
  const box = chartBox(
    "chart-stability",
    "stability",
    60 + r.segments.length * 30,
    "Bootstrap stability per segment with the 0.6 threshold",
  );
  pending.push([box, () => stabilityOption(r)]);
  s.append(h("figure", {}, box));
  if (missing.length) {
    s.append(
      h(
        "p",
        { class: "note", id: "stability-note" },
        `Stability not measured for: ${missing.map((m) => m.name).join(", ")}.`,
      ),
    );
  }
  return s;
}

/// How the segments carried over from the previous version: what was born, died, split, merged
/// or renamed, and where the customers of each previous segment are now.
function identity(r: Report): HTMLElement | null {
  const id = r.identity;
  if (!id) return null;
  const s = section(
    "identity",
    `Since version ${id.previous_version}`,
    "A segment keeps its id (and colour) across versions when it holds mostly the same customers. Rows: the previous version's segments; columns: this version's; cells: customers who moved from the one to the other.",
  );
  const list = (label: string, items: string[]) =>
    items.length ? h("li", {}, `${label}: ${items.join("; ")}`) : null;
  const parts = (ps: { id: number; overlap: number }[]) =>
    ps.map((p) => `${p.id} (${integer(p.overlap)})`).join(", ");
  s.append(
    h(
      "ul",
      { class: "identity-summary", id: "identity-summary" },
      h("li", {}, `${integer(id.migration.new.length - id.births.length)} segments kept their ids`),
      list(
        "Born",
        id.births.map((b) => `${b.id} ${b.name} (${integer(b.size)})`),
      ),
      list(
        "Died",
        id.deaths.map((d) => `${d.id} ${d.name} (${integer(d.size)})`),
      ),
      list(
        "Split",
        id.splits.map((p) => `${p.from} into ${parts(p.into)}`),
      ),
      list(
        "Merged",
        id.merges.map((p) => `${parts(p.from)} into ${p.into}`),
      ),
      list(
        "Renamed",
        id.renamed.map((n) => `${n.id} ${n.from} → ${n.to}`),
      ),
    ),
  );
  const m = id.migration;
  s.append(
    h(
      "table",
      { class: "data-table migration", id: "migration-table" },
      h(
        "caption",
        {},
        `Customers from version ${id.previous_version}'s segments to this version's`,
      ),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "from ↓ to →"),
          m.new.map((n) => h("th", { scope: "col", class: "num" }, swatch(n), String(n))),
        ),
      ),
      h(
        "tbody",
        {},
        m.previous.map((p, j) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, swatch(p), String(p)),
            m.new.map((_, i) => h("td", { class: "num" }, integer(m.counts[i][j]))),
          ),
        ),
      ),
    ),
  );
  return s;
}

/// A data table: a caption, column heads and rows of cells; the first cell of a row heads it.
/// Columns in `text` are text (left-aligned), the others numbers.
function table(
  id: string,
  caption: string,
  heads: (string | Node)[][],
  rows: (string | Node)[][][],
  text: number[] = [0],
): HTMLElement {
  const align = (j: number) => (text.includes(j) ? undefined : "num");
  return h(
    "table",
    { class: "data-table", id },
    h("caption", {}, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        heads.map((cell, j) => h("th", { scope: "col", class: align(j) }, cell)),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          {},
          row.map((cell, j) =>
            j === 0 ? h("th", { scope: "row" }, cell) : h("td", { class: align(j) }, cell),
          ),
        ),
      ),
    ),
  );
}

const segHead = (id: number, name?: string) => [
  swatch(id),
  name === undefined ? String(id) : `${id} ${name}`,
];

/// The segmentation after the fit, as the store records it: sizes over the fits and assignment
/// days, the monitor's verdicts, a KPI per segment over the monitor runs, and where customers
/// went between the latest fit and the latest day.
function life(r: Report, pending: Pending[]): HTMLElement | null {
  const l = r.life;
  if (!l) return null;
  const s = section(
    "life",
    "Life of the segmentation",
    "What happened after the fit: segment sizes at every fit and daily assignment, what the monitor said and why, " +
      "revenue per customer over time, and where customers went since the latest fit.",
  );
  const sizes = chartBox(
    "chart-life-sizes",
    "life-sizes",
    300,
    "Segment sizes over the fits and assignment days",
  );
  pending.push([sizes, () => lifeSizesOption(l)]);
  s.append(h("figure", {}, sizes));
  s.append(
    h(
      "details",
      {},
      h("summary", {}, "The numbers of every day"),
      table(
        "life-days-table",
        "Customers per segment at every fit and assignment day",
        [
          ["Day"],
          ["Status"],
          ["Customers"],
          ["Moved"],
          ["Raw moved"],
          ...l.segments.map((g) => segHead(g.id)),
        ],
        l.days.map((d) => [
          [lifeLabel(d)],
          [
            d.status === "held"
              ? "held back (alarm)"
              : d.alarm
                ? "published despite the alarm"
                : "published",
          ],
          [integer(d.customers)],
          [percent(d.moved_share)],
          [percent(d.raw_moved_share)],
          ...d.sizes.map((v) => [integer(v)]),
        ]),
        [0, 1],
      ),
    ),
  );
  if (l.monitor.length) {
    s.append(
      table(
        "life-monitor-table",
        "Monitor verdicts, with their reasons (retrain first)",
        [["Day"], ["Version"], ["Verdict"], ["Reasons"]],
        l.monitor.map((m) => [
          [m.as_of],
          [`v${m.version}`],
          [m.verdict],
          [
            m.reasons.length
              ? h(
                  "ul",
                  { class: "reasons" },
                  m.reasons.slice(0, 3).map((why) => h("li", {}, `${why.level}: ${why.text}`)),
                  m.reasons.length > 3 ? h("li", {}, `… and ${m.reasons.length - 3} more`) : null,
                )
              : "no reason to act",
          ],
        ]),
        [0, 1, 2, 3],
      ),
    );
  } else {
    s.append(
      h("p", { class: "note", id: "life-monitor-note" }, "No monitor run yet (kohort monitor)."),
    );
  }
  const k = l.kpis;
  if (k) {
    const box = chartBox(
      "chart-life-kpis",
      "life-kpis",
      260,
      `Revenue per customer over ${k.window_days} days, per segment, at every monitor run`,
    );
    pending.push([box, () => lifeKpisOption(l, r.currency)]);
    s.append(h("h3", {}, `Revenue per customer over ${k.window_days} days, at every monitor run`));
    s.append(h("figure", {}, box));
    s.append(
      table(
        "life-kpis-table",
        `Revenue per customer over ${k.window_days} days`,
        [["Day"], ...l.segments.map((g) => segHead(g.id))],
        k.dates.map((d, i) => [[d], ...k.values[i].map((v) => [money(v, r.currency, 2)])]),
      ),
    );
  }
  const m = l.migration;
  if (m) {
    s.append(
      table(
        "life-migration-table",
        `Customers from their segment on ${m.from} (rows) to their segment on ${m.to} (columns)`,
        [["from ↓ to →"], ...m.ids.map((id) => segHead(id)), ["left"]],
        [
          ...m.ids.map((from, j) => [
            segHead(from),
            ...m.ids.map((_, i) => [integer(m.counts[i][j])]),
            [integer(m.left[j])],
          ]),
          [["new"], ...m.arrived.map((v) => [integer(v)]), [""]],
        ],
      ),
    );
  }
  return s;
}

function profileCard(seg: Segment, r: Report): HTMLElement {
  const cur = r.currency;
  return h(
    "article",
    { class: "card profile", id: `profile-${seg.id}`, "data-segment": seg.id },
    h("h3", {}, swatch(seg.id), seg.name),
    h("p", { class: "narrative" }, seg.narrative),
    h(
      "dl",
      { class: "metrics" },
      fact("Customers", `${integer(seg.size)} (${percent(seg.share)})`),
      fact("Revenue share", percent(seg.revenue_share)),
      fact("CLV 12 m", money(seg.clv_12m, cur)),
      fact("P(alive)", percent(seg.p_alive, 0)),
      fact(withHorizon("Churn risk", r.churn_horizon_days), percent(seg.churn_risk, 0)),
      fact("Avg order value", money(seg.avg_order_value, cur, 2)),
      fact("Orders / year", compact(seg.orders_per_year)),
      fact("Tenure", seg.tenure_days === null ? NONE : `${integer(seg.tenure_days)} days`),
      fact("Silhouette", seg.silhouette === null ? "not measured" : decimal(seg.silhouette, 2)),
      fact("Stability", seg.stability === null ? "not measured" : decimal(seg.stability, 2)),
    ),
    seg.rules.length
      ? h(
          "table",
          { class: "data-table rules" },
          h("caption", {}, "Who is in it"),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col" }, "Rule"),
              h("th", { scope: "col", class: "num" }, "Precision"),
              h("th", { scope: "col", class: "num" }, "Recall"),
            ),
          ),
          h(
            "tbody",
            {},
            seg.rules.map((rule) =>
              h(
                "tr",
                {},
                h("td", {}, rule.text),
                h("td", { class: "num" }, percent(rule.precision, 0)),
                h("td", { class: "num" }, percent(rule.recall, 0)),
              ),
            ),
          ),
        )
      : h("p", { class: "note" }, "No rule describes this segment."),
  );
}

function profiles(r: Report): HTMLElement {
  const s = section("profiles", "Segment profiles");
  s.append(
    h(
      "div",
      { class: "profile-grid" },
      r.segments.map((seg) => profileCard(seg, r)),
    ),
  );
  return s;
}

/// Renders the whole report into `root`. Returns once every chart is drawn.
export function renderReport(root: HTMLElement, r: Report): void {
  const pending: Pending[] = [];
  root.replaceChildren(
    header(r),
    overview(r, pending),
    heatmap(r, pending),
    drivers(r, pending),
    customerMap(r, pending),
    choice(r, pending),
    stability(r, pending),
    ...(r.identity ? [identity(r) as HTMLElement] : []),
    ...(r.life ? [life(r, pending) as HTMLElement] : []),
    profiles(r),
    h(
      "footer",
      { class: "report-footer" },
      `Kohort ${r.kohort_version} · model v${r.model_version} · created ${dateTime(r.created_at)}`,
    ),
  );
  document.title = `Kohort report · ${r.k} segments as of ${r.as_of}`;
  // Measure every chart box first, in one layout, then draw them all.
  const sizes = pending.map(([el]) => ({ width: el.clientWidth, height: el.clientHeight }));
  pending.forEach(([el, option], i) => draw(el, option(sizes[i].width), sizes[i]));
}

/// Replaces the page with a clear message naming what is wrong with the data.
export function renderError(root: HTMLElement, title: string, problems: string[]): void {
  const shown = problems.slice(0, 25);
  root.replaceChildren(
    h(
      "div",
      { id: "report-error", class: "error", role: "alert" },
      h("h1", {}, "This report cannot be shown"),
      h("p", {}, title),
      shown.length
        ? h(
            "ul",
            {},
            shown.map((p) => h("li", {}, p)),
          )
        : null,
      problems.length > shown.length
        ? h("p", {}, `… and ${problems.length - shown.length} more.`)
        : null,
    ),
  );
}
