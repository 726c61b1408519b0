// ECharts, tree-shaken to the four chart types the report uses, drawn as SVG (crisp when
// printed or zoomed, and its text stays selectable). Every builder returns an option object;
// draw() attaches it to an element.

import { BarChart, HeatmapChart, LineChart, ScatterChart } from "echarts/charts";
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";

import { ACCENT, DIVERGING, INK, MUTED_INK, OUTLIER, RULE, segmentColor } from "./colors";
import { NONE, compact, decimal, inUnit, money, percent, signed, withHorizon } from "./format";
import type { ChoiceRow, Life, Report, Segment } from "./types";

echarts.use([
  BarChart,
  HeatmapChart,
  LineChart,
  ScatterChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapComponent,
  SVGRenderer,
]);

type Option = echarts.EChartsCoreOption;

const charts: echarts.ECharts[] = [];

// ECharts measures text on a canvas, which does not understand "inherit": name the page's
// font stack (style.css) so label widths are measured with the font that is drawn.
export const FONT =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif';
const TEXT = { color: INK, fontFamily: FONT, fontSize: 12 };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/// Draws an option into an element of the given size (measured by the caller for all charts at
/// once: reading sizes between drawing forces a page layout per chart). No animation, so the
/// page is final as soon as this returns.
export function draw(
  el: HTMLElement,
  option: Option,
  size: { width: number; height: number },
): echarts.ECharts {
  const chart = echarts.init(el, undefined, {
    renderer: "svg",
    width: size.width,
    height: size.height,
  });
  chart.setOption({
    animation: false,
    // The element's own short label describes the chart; the numbers are in the tables and
    // cards next to it (ECharts' generated description lists raw data indices).
    aria: {
      enabled: true,
      label: { description: el.getAttribute("aria-label") ?? "" },
      decal: { show: false },
    },
    textStyle: TEXT,
    ...option,
  });
  charts.push(chart);
  return chart;
}

let resizeTimer = 0;
window.addEventListener("resize", () => {
  window.clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    const sizes = charts.map((c) => ({
      width: c.getDom().clientWidth,
      height: c.getDom().clientHeight,
    }));
    charts.forEach((c, i) => c.resize(sizes[i]));
  }, 100);
});

const axisLine = { lineStyle: { color: RULE } };
const splitLine = { lineStyle: { color: "#e4e7eb" } };

/// A bar of a value that may be unknown (null): an unknown value gets no bar (one of length 0)
/// and a dash for its label and tooltip.
function maybeBar(v: number | null, color: string): object {
  return v === null
    ? { value: 0, itemStyle: { color: OUTLIER }, label: { formatter: NONE } }
    : { value: v, itemStyle: { color } };
}

/// Overview: three panels sharing the segment axis: share of customers next to share of
/// revenue, 12-month CLV per customer, and churn risk (within the model's horizon).
export function overviewOption(r: Report): Option {
  const names = r.segments.map((s) => s.name);
  const category = (gridIndex: number, show: boolean) => ({
    type: "category",
    gridIndex,
    inverse: true,
    data: names,
    axisLine,
    axisTick: { show: false },
    axisLabel: { show, width: 240, overflow: "truncate", color: INK },
  });
  const value = (gridIndex: number, name: string, format: (v: number) => string) => ({
    type: "value",
    gridIndex,
    name,
    nameLocation: "middle",
    nameGap: 28,
    nameTextStyle: { color: MUTED_INK },
    splitNumber: 3,
    splitLine,
    axisLabel: { formatter: format, hideOverlap: true },
  });
  const valueLabel = (format: (v: number) => string) => ({
    show: true,
    position: "right",
    fontSize: 11,
    formatter: (p: { value: number }) => format(p.value),
  });
  const money0 = (v: number) => money(v, r.currency);
  // the tooltip of a bar of an unknown value says so (its value is a stand-in 0)
  const known =
    (values: (number | null)[], format: (v: number) => string) => (v: number, i: number) =>
      values[i] === null ? NONE : format(v);
  const clv = r.segments.map((s) => s.clv_12m);
  const churn = r.segments.map((s) => s.churn_risk);
  const churnName = withHorizon("churn risk", r.churn_horizon_days);
  return {
    grid: [
      { left: 8, right: "50%", top: 36, bottom: 40, containLabel: true },
      { left: "53%", right: "27%", top: 36, bottom: 40 },
      { left: "78%", right: 48, top: 36, bottom: 40 },
    ],
    legend: { top: 0, left: 0, textStyle: TEXT, data: ["share of customers", "share of revenue"] },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: [
      value(0, "share", (v) => percent(v, 0)),
      value(1, "CLV 12 m per customer", (v) => compact(v)),
      { ...value(2, churnName, (v) => percent(v, 0)), min: 0, max: 1 },
    ],
    yAxis: [category(0, true), category(1, false), category(2, false)],
    series: [
      {
        name: "share of customers",
        type: "bar",
        data: r.segments.map((s) => s.share),
        itemStyle: { color: "#4477AA" },
        barGap: "10%",
        tooltip: { valueFormatter: (v: number) => percent(v) },
      },
      {
        name: "share of revenue",
        type: "bar",
        data: r.segments.map((s) => s.revenue_share),
        itemStyle: { color: "#EE7733" },
        tooltip: { valueFormatter: (v: number) => percent(v) },
      },
      {
        name: "CLV 12 m per customer",
        type: "bar",
        xAxisIndex: 1,
        yAxisIndex: 1,
        data: clv.map((v) => maybeBar(v, "#228833")),
        barMaxWidth: 16,
        label: valueLabel(money0),
        tooltip: { valueFormatter: known(clv, money0) },
      },
      {
        name: churnName,
        type: "bar",
        xAxisIndex: 2,
        yAxisIndex: 2,
        data: churn.map((v) =>
          maybeBar(
            v,
            v === null ? OUTLIER : v >= 0.5 ? "#A61B29" : v >= 0.25 ? "#CC8800" : "#77AADD",
          ),
        ),
        barMaxWidth: 16,
        label: valueLabel((v) => percent(v, 0)),
        tooltip: { valueFormatter: known(churn, (v) => percent(v, 0)) },
      },
    ],
  };
}

/// Heatmap: one row per feature (its phrase), one column per segment, cells coloured by the
/// segment's standardised difference from all customers on a diverging scale.
/// `width`: the chart element's width in pixels, to decide how column names fit.
export function heatmapOption(r: Report, width: number): Option {
  const { phrases, values } = r.heatmap;
  // Column names: wrapped under each other when columns are wide, else turned upright.
  const column = (width - 330) / Math.max(1, r.segments.length);
  const wide = column >= 90;
  let largest = 0;
  values.forEach((row) =>
    row.forEach((v) => (largest = v === null ? largest : Math.max(largest, Math.abs(v)))),
  );
  // A symmetric scale, at most ±3: beyond that differences are all "very large".
  const bound = Math.min(3, Math.max(0.5, Math.ceil(largest * 2) / 2));
  const showValues = values.length * phrases.length <= 400;
  // Dark cells get white text (contrast), the rest the ink colour.
  // A feature the segment has no value of (null) is left as an empty cell.
  const data = values.flatMap((row, s) =>
    row.flatMap((v, j) =>
      v === null
        ? []
        : [
            {
              value: [s, j, v] as [number, number, number],
              label: { color: Math.abs(v) > 0.7 * bound ? "#ffffff" : INK },
            },
          ],
    ),
  );
  return {
    grid: { left: 8, right: 16, top: 44, bottom: 8, containLabel: true },
    tooltip: {
      formatter: (p: { value: [number, number, number] }) =>
        `${escapeHtml(r.segments[p.value[0]].name)}<br/>${escapeHtml(phrases[p.value[1]])}: ` +
        `<b>${signed(p.value[2])}</b> SD`,
    },
    xAxis: {
      type: "category",
      position: "top",
      data: r.segments.map((s) => s.name),
      axisTick: { show: false },
      axisLine,
      axisLabel: wide
        ? { interval: 0, width: column - 10, overflow: "break", lineHeight: 14 }
        : { interval: 0, rotate: 90, width: 150, overflow: "truncate" },
    },
    yAxis: {
      type: "category",
      inverse: true,
      data: phrases,
      axisTick: { show: false },
      axisLine,
      axisLabel: { interval: 0, width: 300, overflow: "truncate" },
    },
    visualMap: {
      type: "continuous",
      min: -bound,
      max: bound,
      calculable: false,
      orient: "horizontal",
      right: 16,
      top: 0,
      itemHeight: 160,
      itemWidth: 12,
      text: [`+${bound} SD`, `−${bound} SD`],
      textStyle: TEXT,
      inRange: { color: DIVERGING },
    },
    series: [
      {
        name: "standardised difference",
        type: "heatmap",
        data,
        progressive: 0,
        itemStyle: { borderColor: "#ffffff", borderWidth: 1 },
        label: {
          show: showValues,
          formatter: (p: { value: [number, number, number] }) => signed(p.value[2], 1),
          fontSize: 10,
        },
        emphasis: { itemStyle: { borderColor: INK, borderWidth: 1 } },
      },
    ],
  };
}

/// A segment's strongest drivers as horizontal bars of standardised difference.
/// The half-width of the drivers' x axis shared by all segments, so bars compare across cards.
export function driversScale(segments: Segment[]): number {
  let largest = 0;
  for (const s of segments)
    for (const d of s.drivers) largest = Math.max(largest, Math.abs(d.std_diff));
  return Math.max(0.5, Math.ceil(largest * 2) / 2);
}

export function driversOption(seg: Segment, currency: string, scale: number): Option {
  const drivers = [...seg.drivers].sort((a, b) => Math.abs(b.std_diff) - Math.abs(a.std_diff));
  return {
    grid: { left: 8, right: 44, top: 8, bottom: 24, containLabel: true },
    tooltip: {
      trigger: "item",
      formatter: (p: { dataIndex: number }) => {
        const d = drivers[p.dataIndex];
        return (
          `<b>${escapeHtml(d.phrase)}</b><br/>segment ${inUnit(d.segment_mean, d.unit, currency)}` +
          ` · all customers ${inUnit(d.population_mean, d.unit, currency)}<br/>${signed(d.std_diff)} SD`
        );
      },
    },
    xAxis: {
      type: "value",
      min: -scale,
      max: scale,
      interval: scale,
      splitLine,
      axisLabel: { formatter: (v: number) => (v === 0 ? "0" : signed(v, 1)) },
    },
    yAxis: {
      type: "category",
      inverse: true,
      data: drivers.map((d) => d.phrase),
      axisTick: { show: false },
      axisLine,
      axisLabel: { width: 220, overflow: "truncate", interval: 0 },
    },
    series: [
      {
        type: "bar",
        name: "standardised difference",
        data: drivers.map((d) => ({
          value: d.std_diff,
          itemStyle: { color: d.std_diff >= 0 ? DIVERGING[6] : DIVERGING[0] },
        })),
        barMaxWidth: 18,
        label: {
          show: true,
          position: "right",
          formatter: (p: { value: number }) => signed(p.value, 1),
          fontSize: 11,
        },
      },
    ],
  };
}

/// Customer map: one scatter series per segment (so the legend carries the names), outliers
/// (segment -1) in grey last.
export function mapOption(r: Report): Option {
  const k = r.segments.length;
  // Segment ids are identities kept across versions, not positions: group by position.
  const position = new Map(r.segments.map((seg, i) => [seg.id, i]));
  const groups: [number, number][][] = Array.from({ length: k + 1 }, () => []);
  for (let i = 0; i < r.map.x.length; ++i) {
    groups[position.get(r.map.segment[i]) ?? k].push([r.map.x[i], r.map.y[i]]);
  }
  const series = r.segments.map((seg, i) => ({
    name: seg.name,
    type: "scatter",
    data: groups[i],
    symbolSize: 5,
    progressive: 0,
    large: false,
    itemStyle: { color: segmentColor(seg.id), opacity: 0.75 },
    emphasis: { focus: "series" },
  }));
  if (groups[k].length > 0) {
    series.push({
      name: "outliers",
      type: "scatter",
      data: groups[k],
      symbolSize: 5,
      progressive: 0,
      large: false,
      itemStyle: { color: OUTLIER, opacity: 0.75 },
      emphasis: { focus: "series" },
    });
  }
  const axisName = r.map.method.toUpperCase();
  // The legend sits right of the plot, never over the points.
  const longest = Math.max(8, ...r.segments.map((s) => s.name.length));
  const legendWidth = Math.min(280, 40 + 7 * longest);
  return {
    grid: { left: 8, right: legendWidth + 8, top: 8, bottom: 8, containLabel: true },
    legend: {
      type: "scroll",
      orient: "vertical",
      right: 0,
      width: legendWidth - 8,
      top: 8,
      bottom: 8,
      textStyle: TEXT,
      itemWidth: 12,
      itemHeight: 12,
      icon: "circle",
      // opaque icons: only the points are drawn translucent
      itemStyle: { opacity: 1 },
    },
    tooltip: {
      trigger: "item",
      formatter: (p: { seriesName: string }) => escapeHtml(p.seriesName),
    },
    xAxis: {
      type: "value",
      name: `${axisName} 1`,
      nameLocation: "middle",
      nameGap: 24,
      scale: true,
      splitLine,
      axisLabel: { show: false },
    },
    yAxis: {
      type: "value",
      name: `${axisName} 2`,
      nameLocation: "middle",
      nameGap: 12,
      scale: true,
      splitLine,
      axisLabel: { show: false },
    },
    series,
  };
}

export interface Curve {
  key: keyof Omit<ChoiceRow, "k">;
  title: string;
  better: string;
}

export const CURVES: Curve[] = [
  { key: "inertia", title: "Inertia (elbow)", better: "lower is tighter; look for the bend" },
  { key: "silhouette", title: "Silhouette", better: "higher is better" },
  { key: "calinski_harabasz", title: "Calinski–Harabasz", better: "higher is better" },
  { key: "davies_bouldin", title: "Davies–Bouldin", better: "lower is better" },
  { key: "gap", title: "Gap statistic", better: "higher is better" },
  { key: "bic", title: "BIC", better: "lower is better" },
];

/// One curve of the choice of k, with the chosen k marked by a vertical line and its point.
export function choiceOption(rows: ChoiceRow[], curve: Curve, chosenK: number): Option {
  const points = rows
    .filter((row) => row[curve.key] !== null)
    .map((row) => [row.k, row[curve.key] as number] as [number, number]);
  const ks = rows.map((row) => row.k);
  return {
    grid: { left: 8, right: 24, top: 30, bottom: 28, containLabel: true },
    tooltip: { trigger: "axis", valueFormatter: (v: number) => compact(v) },
    xAxis: {
      type: "value",
      min: Math.min(...ks, chosenK),
      max: Math.max(...ks, chosenK),
      minInterval: 1,
      name: "k",
      nameLocation: "middle",
      nameGap: 22,
      splitLine: { show: false },
      axisLine,
    },
    yAxis: {
      type: "value",
      scale: true,
      splitLine,
      axisLabel: { formatter: (v: number) => compact(v) },
    },
    series: [
      {
        name: curve.title,
        type: "line",
        data: points.map(([k, v]) =>
          k === chosenK
            ? { value: [k, v], symbol: "circle", symbolSize: 11, itemStyle: { color: ACCENT } }
            : [k, v],
        ),
        symbolSize: 6,
        lineStyle: { color: "#4477AA", width: 2 },
        itemStyle: { color: "#4477AA" },
        markLine: {
          silent: true,
          symbol: "none",
          lineStyle: { color: ACCENT, type: "dashed", width: 1.5 },
          label: {
            formatter: `chosen k = ${chosenK}`,
            color: ACCENT,
            position: "end",
            fontWeight: "bold",
          },
          data: [{ xAxis: chosenK }],
        },
      },
    ],
  };
}

/// Stability per segment: bootstrap Jaccard bars, with the 0.6 line below which a segment is
/// not reliably reproduced. Segments without a value get no bar.
export function stabilityOption(r: Report): Option {
  return {
    grid: { left: 8, right: 56, top: 28, bottom: 24, containLabel: true },
    tooltip: {
      trigger: "item",
      formatter: (p: { name: string; value: number }) =>
        `${escapeHtml(p.name)}: ${decimal(p.value)}`,
    },
    xAxis: { type: "value", min: 0, max: 1, splitLine },
    yAxis: {
      type: "category",
      inverse: true,
      data: r.segments.map((s) => (s.stability === null ? `${s.name} (not measured)` : s.name)),
      axisTick: { show: false },
      axisLine,
      axisLabel: { width: 260, overflow: "truncate" },
    },
    series: [
      {
        type: "bar",
        name: "stability",
        barMaxWidth: 18,
        data: r.segments.map((s) =>
          s.stability === null
            ? { value: null }
            : {
                value: s.stability,
                itemStyle: { color: s.stability >= 0.6 ? "#4477AA" : "#EE7733" },
              },
        ),
        label: {
          show: true,
          position: "right",
          formatter: (p: { value: number }) => decimal(p.value),
          fontSize: 11,
        },
        markLine: {
          silent: true,
          symbol: "none",
          lineStyle: { color: MUTED_INK, type: "dashed" },
          label: { formatter: "0.6 threshold", position: "start", color: MUTED_INK },
          data: [{ xAxis: 0.6 }],
        },
      },
    ],
  };
}

/// The x-axis label of a life point: its date, and for a fit its version.
export function lifeLabel(d: Life["days"][number]): string {
  return d.source === "fit" ? `${d.as_of} (fit v${d.version})` : d.as_of;
}

function lifeLines(
  life: Life,
  categories: string[],
  rows: (number | null)[][],
  format: (v: number) => string,
): Option {
  return {
    grid: { left: 8, right: 24, top: 36, bottom: 28, containLabel: true },
    legend: { type: "scroll", top: 0, textStyle: TEXT },
    tooltip: {
      trigger: "axis",
      valueFormatter: (v: number | null) => (v === null ? NONE : format(v)),
    },
    xAxis: {
      type: "category",
      data: categories,
      axisLine,
      axisLabel: { hideOverlap: true },
    },
    yAxis: {
      type: "value",
      scale: true,
      splitLine,
      axisLabel: { formatter: (v: number) => format(v) },
    },
    series: life.segments.map((seg, j) => ({
      name: `${seg.id} ${seg.name}`,
      type: "line",
      data: rows.map((row) => row[j]),
      connectNulls: false,
      symbolSize: 5,
      lineStyle: { color: segmentColor(seg.id), width: 2 },
      itemStyle: { color: segmentColor(seg.id) },
    })),
  };
}

/// Segment sizes at every fit and assignment day, one line per segment in its colour.
/// A day the alarm held back is marked with a dashed line: its sizes were not published.
export function lifeSizesOption(life: Life): Option {
  const option = lifeLines(
    life,
    life.days.map(lifeLabel),
    life.days.map((d) => d.sizes),
    (v) => compact(v),
  ) as { series: object[] };
  const held = life.days.filter((d) => d.status === "held").map(lifeLabel);
  if (held.length && option.series.length)
    option.series[0] = {
      ...option.series[0],
      markLine: {
        silent: true,
        symbol: "none",
        lineStyle: { color: ACCENT, type: "dashed", width: 1.5 },
        label: { formatter: "held back", color: ACCENT, position: "end" },
        data: held.map((x) => ({ xAxis: x })),
      },
    };
  return option;
}

/// Each segment's KPI at every monitor run.
export function lifeKpisOption(life: Life, currency: string): Option {
  const k = life.kpis;
  if (!k) return {};
  return lifeLines(life, k.dates, k.values, (v) => money(v, currency, 2));
}
