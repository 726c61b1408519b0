// Number, money and date formatting for the page. One locale (en-GB style grouping) so the
// report reads the same wherever it is opened.

const LOCALE = "en-GB";

const integerFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });

export function integer(v: number): string {
  return integerFormat.format(v);
}

export function percent(v: number, digits = 1): string {
  return `${(100 * v).toFixed(digits)}%`;
}

export function decimal(v: number | null, digits = 2): string {
  if (v === null) return "—";
  return new Intl.NumberFormat(LOCALE, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(v);
}

/// A value with about three significant digits, grouped: 1 234 567 → "1.23M", 0.1234 → "0.123".
export function compact(v: number | null): string {
  if (v === null) return "—";
  const a = Math.abs(v);
  if (a >= 1e4) {
    return new Intl.NumberFormat(LOCALE, {
      notation: "compact",
      maximumSignificantDigits: 3,
    }).format(v);
  }
  if (a >= 100) return integer(v);
  return new Intl.NumberFormat(LOCALE, { maximumSignificantDigits: 3 }).format(v);
}

/// Money in the report's currency: an ISO 4217 code ("EUR") is formatted as such, any other
/// text is put after the number, and "" gives a bare number.
export function money(v: number, currency: string, digits = 0): string {
  if (/^[A-Z]{3}$/.test(currency)) {
    try {
      return new Intl.NumberFormat(LOCALE, {
        style: "currency",
        currency,
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      }).format(v);
    } catch {
      // an unknown code: fall through to the plain form
    }
  }
  const number = new Intl.NumberFormat(LOCALE, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(v);
  return currency ? `${number} ${currency}` : number;
}

/// A driver's mean in its unit: shares as percentages, money with the currency, days and
/// counts with a sensible number of digits.
export function inUnit(v: number, unit: string, currency: string): string {
  switch (unit) {
    case "share":
      return percent(v, 0);
    case "currency":
      return money(v, currency, v < 100 ? 2 : 0);
    case "days":
      return `${compact(v)} d`;
    default:
      return compact(v);
  }
}

export function dateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/// "+1.20", "−0.40", "0.00": the sign of the rounded value, with a true minus sign.
export function signed(v: number, digits = 2): string {
  const text = Math.abs(v).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${v > 0 ? "+" : "−"}${text}`;
}
