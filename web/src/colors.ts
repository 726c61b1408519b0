// Colours chosen for colour-vision deficiencies: Paul Tol's qualitative schemes for segments
// ("bright" first, then "muted" and "light" when there are more than 6 segments) and a
// blue-white-red diverging scale (ColorBrewer RdBu) for standardised differences.

const SEGMENT_PALETTE = [
  // Tol bright: the first six segments
  "#4477AA",
  "#EE6677",
  "#228833",
  "#CCBB44",
  "#66CCEE",
  "#AA3377",
  // then the Tol muted and light colours least like those
  "#332288",
  "#44AA99",
  "#999933",
  "#882255",
  "#EE8866",
  "#BBCC33",
  "#DDCC77",
  "#117733",
  "#CC6677",
  "#88CCEE",
  "#77AADD",
  "#FFAABB",
  "#AAAA00",
  "#99DDFF",
];

/// Grey for outliers (segment -1) and anything "not measured".
export const OUTLIER = "#9E9E9E";

export function segmentColor(id: number): string {
  if (id < 0) return OUTLIER;
  return SEGMENT_PALETTE[id % SEGMENT_PALETTE.length];
}

/// RdBu, 7 classes, from negative (blue) through white to positive (red).
export const DIVERGING = [
  "#2166AC",
  "#67A9CF",
  "#D1E5F0",
  "#F7F7F7",
  "#FDDBC7",
  "#EF8A62",
  "#B2182B",
];

export const INK = "#1f2933";
export const MUTED_INK = "#52606d";
export const RULE = "#cbd2d9";
export const ACCENT = "#B2182B";
