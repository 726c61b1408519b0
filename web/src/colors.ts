// Colours chosen for colour-vision deficiencies: Paul Tol's qualitative schemes for segments
// ("bright" first, then "muted" and "light" when there are more than 7 segments) and a
// blue-white-red diverging scale (ColorBrewer RdBu) for standardised differences.

const SEGMENT_PALETTE = [
  // Tol bright
  "#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377",
  // Tol muted
  "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
  // Tol light
  "#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#AAAA00",
];

/// Grey for outliers (segment -1) and anything "not measured".
export const OUTLIER = "#9E9E9E";

export function segmentColor(id: number): string {
  if (id < 0) return OUTLIER;
  return SEGMENT_PALETTE[id % SEGMENT_PALETTE.length];
}

/// RdBu, 7 classes, from negative (blue) through white to positive (red).
export const DIVERGING = ["#2166AC", "#67A9CF", "#D1E5F0", "#F7F7F7", "#FDDBC7", "#EF8A62", "#B2182B"];

export const INK = "#1f2933";
export const MUTED_INK = "#52606d";
export const RULE = "#cbd2d9";
export const ACCENT = "#B2182B";
