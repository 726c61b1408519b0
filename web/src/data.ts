// Where the report's data comes from. Today: the JSON that `kohort report` embedded in the
// page. The live dashboard will replace only this function (a fetch from `kohort serve`).

/// Returns the parsed report document (not yet validated), or throws an Error whose message
/// is shown on the page.
export async function loadReportData(): Promise<unknown> {
  const element = document.getElementById("kohort-data");
  if (!element) {
    throw new Error("the page has no element with id kohort-data holding the report data");
  }
  const text = element.textContent ?? "";
  const trimmed = text.trim();
  // The unfilled template still holds its placeholder, which starts with "__".
  if (trimmed === "" || trimmed.startsWith("__")) {
    throw new Error(
      "this page holds no report data yet: it is the bare template. " +
        "Write a report with `kohort report --out report.html`.",
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`the embedded report data is not valid JSON (${why})`);
  }
}
