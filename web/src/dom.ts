// A tiny element builder: h("p", {class: "note"}, "text", child). Text is always set as text,
// never parsed as HTML, so names and narratives from the data cannot inject markup.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/// A section with a heading and an optional lead paragraph.
export function section(id: string, title: string, lead?: string): HTMLElement {
  return h(
    "section",
    { id, class: "section", "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title),
    lead ? h("p", { class: "lead" }, lead) : null,
  );
}

/// The element a chart is drawn into: a stable id, a data-chart name, and a height in pixels.
export function chartBox(id: string, name: string, height: number, label: string): HTMLDivElement {
  return h("div", {
    id,
    class: "chart",
    "data-chart": name,
    role: "img",
    "aria-label": label,
    style: `height:${Math.round(height)}px`,
  });
}
