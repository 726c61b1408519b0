// Entry point: load the data, check it against the contract, render. The body's
// data-report-state becomes "ready" or "error" when done (the browser test waits on it).

import "./style.css";

import { loadReportData } from "./data";
import { renderError, renderReport } from "./render";
import { validateReport } from "./validate";

async function main(): Promise<void> {
  const root = document.getElementById("app") as HTMLElement;
  let data: unknown;
  try {
    data = await loadReportData();
  } catch (e) {
    renderError(root, e instanceof Error ? e.message : String(e), []);
    document.body.dataset.reportState = "error";
    return;
  }
  const checked = validateReport(data);
  if (!checked.ok) {
    renderError(root, "The report data does not match the expected format:", checked.errors);
    document.body.dataset.reportState = "error";
    return;
  }
  const start = performance.now();
  renderReport(root, checked.report);
  document.body.dataset.renderMs = String(Math.round(performance.now() - start));
  document.body.dataset.reportState = "ready";
}

void main();
