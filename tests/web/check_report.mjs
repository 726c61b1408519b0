#!/usr/bin/env node
// Opens a report page in headless Chromium and checks what it SHOWS against the JSON it was
// built from. Fails on any console error or warning, any page error, and any request other
// than the page file itself. Saves a full-page screenshot as report.png next to the page.
//
//   node tests/web/check_report.mjs PAGE.html DATA.json
//   node tests/web/check_report.mjs PAGE.html --expect-error "TEXT"
//
// Exit codes: 0 passed, 1 failed, 77 skipped (no Chromium, and CI is not "true").
// Chromium: $KOHORT_CHROMIUM, else /usr/bin/chromium (Debian's package).

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const SKIP = 77;

function usage() {
  console.error(
    'usage: check_report.mjs PAGE.html (DATA.json | --expect-error "TEXT")',
  );
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.length !== 2 && !(args.length === 3 && args[1] === "--expect-error"))
  usage();
const pagePath = resolve(args[0]);
const expectError = args.length === 3 ? args[2] : null;
const data =
  expectError === null ? JSON.parse(readFileSync(args[1], "utf8")) : null;
const ci = process.env.CI === "true";

function unavailable(what) {
  if (ci) {
    console.error(
      `FAIL: ${what}; CI=true, so the browser test cannot be skipped.`,
    );
    process.exit(1);
  }
  console.error(`SKIP: ${what}.`);
  process.exit(SKIP);
}

const chromiumPath = process.env.KOHORT_CHROMIUM || "/usr/bin/chromium";
if (!existsSync(chromiumPath)) {
  unavailable(
    `no Chromium at ${chromiumPath} (install Debian's chromium: apt-get install chromium)`,
  );
}
let chromium;
try {
  // playwright-core is a devDependency of web/ (npm ci in web/ installs it).
  const require = createRequire(join(here, "..", "..", "web", "package.json"));
  ({ chromium } = require("playwright-core"));
} catch {
  unavailable("playwright-core is not installed (run `npm ci` in web/)");
}

const failures = [];
function expect(condition, message) {
  if (!condition) failures.push(message);
  return condition;
}

const pageUrl = pathToFileURL(pagePath).href;
const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let exitCode = 0;
try {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    serviceWorkers: "block",
    offline: true,
  });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (r) => {
    if (r.url() !== pageUrl) requests.push(r.url());
  });
  page.on("websocket", (ws) => requests.push(ws.url()));
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url === pageUrl) return route.continue();
    requests.push(url);
    return route.abort("blockedbyclient");
  });
  const consoleProblems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") {
      consoleProblems.push(`console ${msg.type()}: ${msg.text()}`);
    }
  });
  page.on("pageerror", (e) => consoleProblems.push(`page error: ${e.message}`));

  const started = Date.now();
  await page.goto(pageUrl, { waitUntil: "load" });
  await page.waitForSelector("body[data-report-state]", { timeout: 60_000 });
  const wallMs = Date.now() - started;
  const state = await page.evaluate(() => document.body.dataset.reportState);

  if (expectError !== null) {
    expect(
      state === "error",
      `the page should show an error, but its state is ${state}`,
    );
    const text = (await page.textContent("#report-error")) ?? "";
    expect(
      text.includes(expectError),
      `the error box should say "${expectError}"; it says: ${text}`,
    );
  } else {
    if (state !== "ready") {
      const text =
        (await page.textContent("#report-error").catch(() => "")) ?? "";
      failures.push(`the page did not render (state ${state}): ${text}`);
    } else {
      await checkReport(page, data);
      await checkIdentity(page, data);
      await checkLife(page, data);
      const renderMs = await page.evaluate(
        () => document.body.dataset.renderMs,
      );
      console.log(
        `render: ${renderMs} ms in the page, ${wallMs} ms from navigation to ready ` +
          `(${data.segments.length} segments, ${data.heatmap.features.length} features, ` +
          `${data.map.x.length} map points)`,
      );
    }
  }
  // pointer away, so no tooltip covers the screenshot
  await page.mouse.move(0, 0);
  await page.waitForTimeout(300);
  const shot = join(dirname(pagePath), "report.png");
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot}`);
  for (const p of consoleProblems) failures.push(p);
  for (const url of requests)
    failures.push(`network request attempted: ${url}`);
} catch (e) {
  failures.push(`browser check crashed: ${e instanceof Error ? e.stack : e}`);
} finally {
  await browser.close();
}

if (failures.length) {
  console.error(`FAIL: ${pagePath}`);
  for (const f of failures) console.error(`  - ${f}`);
  exitCode = 1;
} else {
  console.log(`PASS: ${pagePath}`);
}
process.exit(exitCode);

// ---------------------------------------------------------------------------------------------

// ECharts truncates long axis labels with "...": a label matches a name it is a prefix of.
function labelMatches(shown, full) {
  if (shown === full) return true;
  for (const ellipsis of ["...", "…"]) {
    if (shown.endsWith(ellipsis) && shown.length > ellipsis.length) {
      if (full.startsWith(shown.slice(0, -ellipsis.length))) return true;
    }
  }
  return false;
}

// The page's dates ("5 Jan 2023") and numbers of days ("90", "7.5").
function day(ymd) {
  // (inside: the checks run from the top-level await, before module constants are set)
  const MONTHS = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
  ];
  const [y, m, d] = ymd.split("-").map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}
function days(v) {
  return new Intl.NumberFormat("en-GB", { maximumFractionDigits: 2 }).format(v);
}

function rgb(color) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (m) return m.slice(1).map((h) => parseInt(h, 16));
  const n = /^rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(color);
  return n ? n.slice(1, 4).map(Number) : null;
}

function expectedCharts(r) {
  const ids = ["chart-overview", "chart-heatmap", "chart-map"];
  for (const s of r.segments)
    if (s.drivers.length) ids.push(`chart-drivers-${s.id}`);
  if (r.choice) {
    for (const key of [
      "inertia",
      "silhouette",
      "calinski_harabasz",
      "davies_bouldin",
      "gap",
      "bic",
    ]) {
      if (r.choice.rows.some((row) => row[key] !== null))
        ids.push(`chart-choice-${key}`);
    }
  }
  if (r.segments.some((s) => s.stability !== null)) ids.push("chart-stability");
  if (r.life) ids.push("chart-life-sizes");
  if (r.life?.kpis) ids.push("chart-life-kpis");
  return ids;
}

// The segmentation's life: every fit and assignment day with its sizes, every monitor run with
// its verdict and first reasons, the KPI per segment and run, and the migration between the
// latest fit and the latest day, as the store recorded them; the sizes chart names every
// segment. Absent when the store has no day and no run.
async function checkLife(page, r) {
  const shown = await page.evaluate(() => {
    const cells = (id) =>
      Array.from(document.querySelectorAll(`#${id} tbody tr`)).map((tr) =>
        Array.from(tr.children).map((c) => (c.textContent ?? "").trim()),
      );
    const heads = (id) =>
      Array.from(document.querySelectorAll(`#${id} thead th`)).map((c) =>
        (c.textContent ?? "").trim(),
      );
    return {
      present: document.getElementById("life") !== null,
      days: cells("life-days-table"),
      dayHeads: heads("life-days-table"),
      monitor: cells("life-monitor-table"),
      kpis: cells("life-kpis-table"),
      migration: cells("life-migration-table"),
      migrationHeads: heads("life-migration-table"),
      legend: Array.from(
        document.querySelectorAll("#chart-life-sizes svg text"),
      ).map((t) => t.textContent ?? ""),
    };
  });
  const l = r.life;
  if (!l) {
    expect(!shown.present, "a life section is shown without days or runs");
    return;
  }
  if (!expect(shown.present, "the life section is missing")) return;
  const int = (v) =>
    v === null
      ? "—"
      : new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 }).format(v);
  const pct = (v) => (v === null ? "—" : `${(100 * v).toFixed(1)}%`);
  expect(
    JSON.stringify(shown.dayHeads.slice(5)) ===
      JSON.stringify(l.segments.map((g) => String(g.id))),
    `the days table's segment columns ${shown.dayHeads.slice(5)} differ from ${l.segments.map((g) => g.id)}`,
  );
  expect(
    shown.days.length === l.days.length,
    `the days table has ${shown.days.length} rows for ${l.days.length} days`,
  );
  l.days.forEach((d, i) => {
    const row = shown.days[i] ?? [];
    const want = [
      d.source === "fit" ? `${d.as_of} (fit v${d.version})` : d.as_of,
      null,
      int(d.customers),
      pct(d.moved_share),
      pct(d.raw_moved_share),
      ...d.sizes.map(int),
    ];
    want.forEach((w, j) => {
      if (w !== null)
        expect(
          row[j] === w,
          `day ${i} (${d.as_of}) column ${j} shows "${row[j]}", expected "${w}"`,
        );
    });
    expect(
      (row[1] ?? "").startsWith(d.status === "held" ? "held" : "published"),
      `day ${i} (${d.as_of}) status shows "${row[1]}" for ${d.status}`,
    );
  });
  const held = l.days.some((d) => d.status === "held");
  expect(
    shown.legend.includes("held back") === held,
    held
      ? "the sizes chart does not mark the day the alarm held back"
      : "the sizes chart marks a held day, but none was held",
  );
  for (const g of l.segments)
    expect(
      shown.legend.some((t) => labelMatches(t, `${g.id} ${g.name}`)),
      `the sizes chart's legend does not name segment ${g.id} ${g.name}`,
    );
  expect(
    shown.monitor.length === l.monitor.length,
    `the monitor table has ${shown.monitor.length} rows for ${l.monitor.length} runs`,
  );
  l.monitor.forEach((m, i) => {
    const row = shown.monitor[i] ?? [];
    expect(
      row[0] === m.as_of && row[1] === `v${m.version}` && row[2] === m.verdict,
      `monitor run ${i} shows ${row.slice(0, 3)}, expected ${m.as_of} v${m.version} ${m.verdict}`,
    );
    for (const why of m.reasons.slice(0, 3))
      expect(
        (row[3] ?? "").includes(`${why.level}: ${why.text}`),
        `monitor run ${i} does not show the reason "${why.text}"`,
      );
  });
  const k = l.kpis;
  if (k) {
    expect(
      shown.kpis.length === k.dates.length,
      `the KPI table has ${shown.kpis.length} rows for ${k.dates.length} runs`,
    );
    k.values.forEach((values, i) => {
      const row = shown.kpis[i] ?? [];
      expect(
        row[0] === k.dates[i],
        `KPI row ${i} is dated "${row[0]}", expected ${k.dates[i]}`,
      );
      values.forEach((v, j) => {
        const cell = row[j + 1] ?? "";
        const number = Number(cell.replace(/[^0-9.-]/g, ""));
        expect(
          v === null
            ? cell === "—"
            : Math.abs(number - v) <= 0.005 + 1e-9 * Math.abs(v),
          `KPI of segment ${l.segments[j].id} on ${k.dates[i]} shows "${cell}", expected ${v}`,
        );
      });
    });
  }
  const m = l.migration;
  if (m) {
    expect(
      JSON.stringify(shown.migrationHeads.slice(1, -1)) ===
        JSON.stringify(m.ids.map(String)),
      `the migration columns ${shown.migrationHeads} differ from ${m.ids}`,
    );
    m.ids.forEach((from, j) => {
      const row = shown.migration[j] ?? [];
      expect(
        row[0] === String(from),
        `migration row ${j} is headed "${row[0]}", expected ${from}`,
      );
      m.ids.forEach((to, i) =>
        expect(
          row[i + 1] === int(m.counts[i][j]),
          `migration from ${from} to ${to} shows "${row[i + 1]}", expected ${m.counts[i][j]}`,
        ),
      );
      expect(
        row[m.ids.length + 1] === int(m.left[j]),
        `left from ${from} shows "${row[m.ids.length + 1]}", expected ${m.left[j]}`,
      );
    });
    const arrived = shown.migration[m.ids.length] ?? [];
    m.arrived.forEach((v, i) =>
      expect(
        arrived[i + 1] === int(v),
        `new in ${m.ids[i]} shows "${arrived[i + 1]}", expected ${v}`,
      ),
    );
  }
}

// "since the previous version": the migration table shows the stored counts, ids head its rows
// and columns, and the births and deaths are named; absent for a first version.
async function checkIdentity(page, r) {
  const shown = await page.evaluate(() => ({
    present: document.getElementById("identity") !== null,
    title: document.getElementById("identity-title")?.textContent ?? "",
    summary: document.getElementById("identity-summary")?.textContent ?? "",
    columns: Array.from(
      document.querySelectorAll("#migration-table thead th.num"),
    ).map((th) => th.textContent?.trim() ?? ""),
    rows: Array.from(
      document.querySelectorAll("#migration-table tbody tr"),
    ).map((tr) => ({
      head: tr.querySelector("th")?.textContent?.trim() ?? "",
      cells: Array.from(tr.querySelectorAll("td")).map(
        (td) => td.textContent?.trim() ?? "",
      ),
    })),
  }));
  if (!r.identity) {
    expect(
      !shown.present,
      "a first version shows a 'since the previous version' section",
    );
    return;
  }
  const id = r.identity;
  const m = id.migration;
  expect(shown.present, "the 'since the previous version' section is missing");
  expect(
    shown.title === `Since version ${id.previous_version}`,
    `the identity section is titled "${shown.title}"`,
  );
  expect(
    JSON.stringify(shown.columns) === JSON.stringify(m.new.map(String)),
    `migration columns ${shown.columns} differ from the new ids ${m.new}`,
  );
  expect(
    JSON.stringify(shown.rows.map((row) => row.head)) ===
      JSON.stringify(m.previous.map(String)),
    `migration rows ${shown.rows.map((row) => row.head)} differ from the previous ids ${m.previous}`,
  );
  const number = new Intl.NumberFormat("en-US");
  m.previous.forEach((_, j) =>
    m.new.forEach((_, i) => {
      const cell = shown.rows[j]?.cells[i];
      expect(
        cell === number.format(m.counts[i][j]),
        `migration cell from ${m.previous[j]} to ${m.new[i]} shows "${cell}", expected ${m.counts[i][j]}`,
      );
    }),
  );
  for (const b of id.births)
    expect(
      shown.summary.includes("Born:") &&
        shown.summary.includes(`${b.id} ${b.name}`),
      `the summary does not name the birth of ${b.id}: ${shown.summary}`,
    );
  for (const d of id.deaths)
    expect(
      shown.summary.includes(`${d.id} ${d.name}`) &&
        shown.summary.includes("Died"),
      `the summary does not name the death of ${d.id}: ${shown.summary}`,
    );
}

async function checkReport(page, r) {
  const k = r.segments.length;
  const names = r.segments.map((s) => s.name);
  const shown = await page.evaluate(() => {
    const text = (sel) =>
      document.querySelector(sel)?.textContent?.trim() ?? null;
    const svgTexts = (id) =>
      Array.from(document.querySelectorAll(`#${id} svg text`)).map(
        (t) => t.textContent ?? "",
      );
    const charts = Array.from(document.querySelectorAll("[data-chart]")).map(
      (el) => {
        const svg = el.querySelector("svg");
        const canvas = el.querySelector("canvas");
        const box = (svg ?? canvas)?.getBoundingClientRect();
        return {
          id: el.id,
          name: el.getAttribute("data-chart"),
          kind: svg ? "svg" : canvas ? "canvas" : "none",
          width: box ? box.width : 0,
          height: box ? box.height : 0,
          shapes: svg
            ? svg.querySelectorAll(
                "path, rect, circle, line, polyline, polygon",
              ).length
            : 0,
          texts: svg ? svg.querySelectorAll("text").length : 0,
        };
      },
    );
    const cells = Array.from(
      document.querySelectorAll('#chart-heatmap svg path[stroke="#ffffff"]'),
    ).map((p) => {
      const m = /^M([-\d.e]+) ([-\d.e]+)l/.exec(p.getAttribute("d") ?? "");
      return {
        x: m ? Number(m[1]) : NaN,
        y: m ? Number(m[2]) : NaN,
        fill: p.getAttribute("fill"),
      };
    });
    const points = Array.from(
      document.querySelectorAll('#chart-map svg path[fill-opacity="0.75"]'),
    ).map((p) => p.getAttribute("fill"));
    const legend = Array.from(
      document.querySelectorAll("#chart-map svg text"),
    ).map((t) => t.textContent);
    return {
      charts,
      sections: [
        "overview",
        "heatmap",
        "drivers",
        "map",
        "choice",
        "stability",
        "profiles",
      ].filter((id) => document.getElementById(id) !== null),
      title: text("#report-title"),
      facts: {
        asOf: text("#fact-as-of"),
        customers: text("#fact-customers"),
        k: text("#fact-k"),
        algorithm: text("#fact-algorithm"),
        modelVersion: text("#fact-model-version"),
        kohortVersion: text("#fact-kohort-version"),
      },
      tableNames: Array.from(
        document.querySelectorAll("#overview-table tbody th .name"),
      ).map((e) => e.textContent),
      overviewLead: text("#overview > .lead"),
      tableHeaders: Array.from(
        document.querySelectorAll("#overview-table thead th"),
      ).map((e) => e.textContent?.trim() ?? ""),
      tableCells: Array.from(
        document.querySelectorAll("#overview-table tbody tr"),
      ).map((tr) =>
        Array.from(tr.querySelectorAll("td")).map(
          (td) => td.textContent?.trim() ?? "",
        ),
      ),
      overviewLabels: svgTexts("chart-overview"),
      heatmapLabels: svgTexts("chart-heatmap"),
      cells,
      points,
      legend,
      choiceSummary: text("#choice-summary"),
      choiceNote: text("#choice-note"),
      choiceTexts: Object.fromEntries(
        Array.from(document.querySelectorAll('[data-chart="choice"]')).map(
          (el) => [el.id, svgTexts(el.id)],
        ),
      ),
      stabilityTexts: svgTexts("chart-stability"),
      stabilityNote: text("#stability-note"),
      profiles: Array.from(document.querySelectorAll(".profile")).map((el) => ({
        name: el.querySelector("h3")?.textContent ?? "",
        narrative: el.querySelector(".narrative")?.textContent ?? "",
        rules: el.querySelectorAll(".rules tbody tr").length,
        facts: Array.from(el.querySelectorAll(".metrics .fact")).map((f) => [
          f.querySelector("dt")?.textContent ?? "",
          f.querySelector("dd")?.textContent ?? "",
        ]),
      })),
    };
  });

  // header
  expect(
    shown.title?.includes(String(r.k)) && shown.title.includes(r.as_of),
    `title: ${shown.title}`,
  );
  expect(
    shown.facts.asOf === r.as_of,
    `as-of shows ${shown.facts.asOf}, expected ${r.as_of}`,
  );
  expect(
    shown.facts.customers?.replace(/\D/g, "") === String(r.customers),
    `customers shows ${shown.facts.customers}, expected ${r.customers}`,
  );
  expect(
    shown.facts.k === String(r.k),
    `k shows ${shown.facts.k}, expected ${r.k}`,
  );
  expect(
    shown.facts.algorithm === r.algorithm,
    `algorithm shows ${shown.facts.algorithm}`,
  );
  expect(
    shown.facts.modelVersion === `v${r.model_version}`,
    `model version shows ${shown.facts.modelVersion}`,
  );
  expect(
    shown.facts.kohortVersion === r.kohort_version,
    `kohort version shows ${shown.facts.kohortVersion}`,
  );

  // every section, every chart present and drawn
  for (const id of [
    "overview",
    "heatmap",
    "drivers",
    "map",
    "choice",
    "stability",
    "profiles",
  ]) {
    expect(shown.sections.includes(id), `section #${id} is missing`);
  }
  const byId = new Map(shown.charts.map((c) => [c.id, c]));
  for (const id of expectedCharts(r)) {
    const c = byId.get(id);
    if (!expect(c !== undefined, `chart #${id} is missing`)) continue;
    expect(
      c.name !== null && c.name !== "",
      `chart #${id} has no data-chart attribute`,
    );
  }
  for (const c of shown.charts) {
    expect(
      c.kind !== "none" && c.width > 0 && c.height > 0 && c.shapes > 0,
      `chart #${c.id} is not drawn (${c.kind}, ${c.width}×${c.height}, ${c.shapes} shapes)`,
    );
  }
  const extra = shown.charts
    .map((c) => c.id)
    .filter((id) => !expectedCharts(r).includes(id));
  expect(extra.length === 0, `unexpected charts: ${extra.join(", ")}`);

  // overview: the table lists the names in order, and so does the bar chart's axis
  expect(
    JSON.stringify(shown.tableNames) === JSON.stringify(names),
    `overview table names ${JSON.stringify(shown.tableNames)} differ from ${JSON.stringify(names)}`,
  );
  const axisNames = shown.overviewLabels.filter((t) =>
    names.some((n) => labelMatches(t, n)),
  );
  expect(
    axisNames.length === k &&
      axisNames.every((t, i) => labelMatches(t, names[i])),
    `overview chart labels ${JSON.stringify(axisNames)} are not the segment names in order`,
  );

  // overview: what the revenue shares and the churn risk are of, as the data says
  const revenueOf = r.revenue_period
    ? `net revenue from ${day(r.revenue_period.from)} to ${day(r.revenue_period.to)}`
    : "all net revenue up to the as-of date";
  expect(
    shown.overviewLead?.includes(
      `Shares are of all customers and of ${revenueOf};`,
    ),
    `the overview should say the shares are of ${revenueOf}; it says: ${shown.overviewLead}`,
  );
  const horizon =
    r.churn_horizon_days === null ? null : days(r.churn_horizon_days);
  const churnLabel =
    horizon === null ? "Churn risk" : `Churn risk (${horizon} d)`;
  if (horizon !== null) {
    const means = `churn risk: the chance of no purchase within ${horizon} days`;
    expect(
      shown.overviewLead?.includes(means),
      `the overview should say "${means}"; it says: ${shown.overviewLead}`,
    );
    expect(
      shown.overviewLabels.includes(churnLabel.toLowerCase()),
      `the overview chart's churn axis is not named "${churnLabel.toLowerCase()}"`,
    );
  } else {
    expect(
      shown.overviewLead?.includes("over a horizon this model does not record"),
      `the overview should say the churn horizon is not recorded; it says: ${shown.overviewLead}`,
    );
  }
  expect(
    shown.tableHeaders.at(-1) === churnLabel,
    `the churn column is headed "${shown.tableHeaders.at(-1)}", expected "${churnLabel}"`,
  );
  // the table's CLV and churn cells: a dash where the value is null
  r.segments.forEach((s, i) => {
    const cells = shown.tableCells[i] ?? [];
    const [clvCell, churnCell] = cells.slice(-2);
    if (s.clv_12m === null)
      expect(clvCell === "—", `${s.name}: CLV is null but shows "${clvCell}"`);
    const risk =
      s.churn_risk === null ? "—" : `${(100 * s.churn_risk).toFixed(0)}%`;
    expect(
      s.churn_risk === null ? churnCell === "—" : churnCell?.startsWith(risk),
      `${s.name}: churn risk shows "${churnCell}", expected "${risk}"`,
    );
    const fact = shown.profiles[i]?.facts.find(([label]) =>
      label.startsWith("Churn risk"),
    );
    expect(
      fact?.[0] === churnLabel && fact?.[1] === risk,
      `${s.name}: the profile shows ${JSON.stringify(fact)}, expected ["${churnLabel}", "${risk}"]`,
    );
  });
  // the chart labels an unknown CLV or churn risk with a dash, and nothing else
  const unknown = r.segments.reduce(
    (n, s) => n + (s.clv_12m === null) + (s.churn_risk === null),
    0,
  );
  const dashes = shown.overviewLabels.filter((t) => t === "—").length;
  expect(
    dashes === unknown,
    `the overview chart shows ${dashes} "—" labels for ${unknown} unknown values`,
  );

  // heatmap: segments × features cells, each where its value says and coloured by its sign;
  // a null value (a feature the segment has no value of) is an empty cell
  const d = r.heatmap.features.length;
  const known = r.heatmap.values.flat().filter((v) => v !== null).length;
  expect(
    shown.cells.length === known,
    `heatmap shows ${shown.cells.length} cells, expected ${known} of ${k}×${d} (nulls empty)`,
  );
  if (shown.cells.length === known) {
    const xs = [...new Set(shown.cells.map((c) => c.x))].sort((a, b) => a - b);
    const ys = [...new Set(shown.cells.map((c) => c.y))].sort((a, b) => a - b);
    expect(
      xs.length === k && ys.length === d,
      `heatmap grid is ${xs.length}×${ys.length}, expected ${k}×${d}`,
    );
    let wrong = 0;
    for (const cell of shown.cells) {
      const s = xs.indexOf(cell.x);
      const j = ys.indexOf(cell.y);
      const v = r.heatmap.values[s]?.[j];
      const c = rgb(cell.fill ?? "");
      if (v === undefined || v === null || c === null) {
        wrong++;
        continue;
      }
      if (v >= 0.5 && !(c[0] > c[2])) wrong++;
      if (v <= -0.5 && !(c[2] > c[0])) wrong++;
    }
    expect(
      wrong === 0,
      `${wrong} heatmap cells are coloured against the sign of their value`,
    );
  }
  const phrasesShown = r.heatmap.phrases.filter((p) =>
    shown.heatmapLabels.some((t) => labelMatches(t, p)),
  );
  expect(
    phrasesShown.length === d,
    `heatmap labels show ${phrasesShown.length} of ${d} feature phrases`,
  );

  // the heatmap answers the pointer: hovering a cell shows its segment, feature and value
  const cell = await page.$('#chart-heatmap svg path[stroke="#ffffff"]');
  if (expect(cell !== null, "no heatmap cell to hover")) {
    // the pointer goes to the cell's centre (its value label lies on top and takes the event)
    await cell.scrollIntoViewIfNeeded();
    const box = await cell.boundingBox();
    if (box)
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const tip = await page
      .waitForFunction(
        () => {
          // the tooltip is the chart's child div that is not the drawing's own wrapper
          const divs = Array.from(
            document.querySelectorAll("#chart-heatmap > div"),
          );
          const shown = divs.find(
            (d) =>
              !d.querySelector("svg") &&
              d.style.display !== "none" &&
              /SD/.test(d.textContent ?? ""),
          );
          return shown ? shown.textContent : false;
        },
        null,
        { timeout: 5000 },
      )
      .then((h) => h.jsonValue())
      .catch(() => null);
    expect(
      tip !== null &&
        names.some((n) => tip.includes(n)) &&
        r.heatmap.phrases.some((p) => tip.includes(p)),
      `hovering a heatmap cell shows no tooltip with a segment and a feature (got ${tip})`,
    );
  }

  // customer map: one point per customer in the sample, coloured by segment
  const n = r.map.x.length;
  expect(
    shown.points.length === n,
    `map shows ${shown.points.length} points, expected ${n}`,
  );
  const perColour = new Map();
  for (const f of shown.points) perColour.set(f, (perColour.get(f) ?? 0) + 1);
  const perSegment = new Map();
  for (const s of r.map.segment)
    perSegment.set(s, (perSegment.get(s) ?? 0) + 1);
  const a = [...perColour.values()].sort((x, y) => x - y);
  const b = [...perSegment.values()].sort((x, y) => x - y);
  expect(
    JSON.stringify(a) === JSON.stringify(b),
    `map colour groups ${a} differ from segment sizes ${b}`,
  );
  for (const name of names) {
    expect(
      shown.legend.some((t) => labelMatches(t, name)),
      `map legend lacks "${name}"`,
    );
  }
  if (r.map.segment.includes(-1))
    expect(shown.legend.includes("outliers"), "map legend lacks outliers");

  // choice of k: the chosen k is stated and marked on every curve
  if (r.choice) {
    const want = `chosen k = ${r.choice.chosen_k}`;
    expect(
      shown.choiceSummary?.includes(`Chosen k = ${r.choice.chosen_k}`),
      `choice summary: ${shown.choiceSummary}`,
    );
    for (const [id, texts] of Object.entries(shown.choiceTexts)) {
      expect(texts.includes(want), `#${id} does not mark "${want}"`);
    }
  } else {
    expect(
      shown.choiceNote?.includes(`k = ${r.k}`),
      `choice note: ${shown.choiceNote}`,
    );
  }

  // stability: bars with values and the 0.6 line, or a note
  const measured = r.segments.filter((s) => s.stability !== null);
  if (measured.length === 0) {
    expect(
      shown.stabilityNote?.includes("not measured"),
      `stability note: ${shown.stabilityNote}`,
    );
  } else {
    expect(
      shown.stabilityTexts.includes("0.6 threshold"),
      "stability chart lacks the 0.6 line",
    );
    for (const s of measured) {
      expect(
        shown.stabilityTexts.includes(s.stability.toFixed(2)),
        `stability of ${s.name} not shown`,
      );
    }
    if (measured.length < k) {
      expect(
        shown.stabilityNote?.includes("not measured"),
        `stability note: ${shown.stabilityNote}`,
      );
    }
  }

  // profiles: one card per segment with its name, narrative and rules
  expect(
    shown.profiles.length === k,
    `${shown.profiles.length} profile cards, expected ${k}`,
  );
  r.segments.forEach((s, i) => {
    const p = shown.profiles[i];
    if (!p) return;
    expect(
      p.name === s.name,
      `profile ${i} is titled "${p.name}", expected "${s.name}"`,
    );
    expect(p.narrative === s.narrative, `profile ${i} narrative differs`);
    expect(
      p.rules === s.rules.length,
      `profile ${i} shows ${p.rules} rules, expected ${s.rules.length}`,
    );
  });
}
