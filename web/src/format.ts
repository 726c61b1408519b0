// Number, money and date formatting for the page. One locale (en-GB style grouping) so the
// report reads the same wherever it is opened.

const LOCALE = "en-GB";

const integerFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });

// A value that could not be computed (null in the data) reads as a dash everywhere.
export const NONE = "—";

export function integer(v: number | null): string {
  if (v === null) return NONE;
  return integerFormat.format(v);
}

export function percent(v: number | null, digits = 1): string {
  if (v === null) return NONE;
  return `${(100 * v).toFixed(digits)}%`;
}

export function decimal(v: number | null, digits = 2): string {
  if (v === null) return NONE;
  return new Intl.NumberFormat(LOCALE, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(v);
}

/// A value with about three significant digits, grouped: 1 234 567 → "1.23M", 0.1234 → "0.123".
export function compact(v: number | null): string {
  if (v === null) return NONE;
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
export function money(v: number | null, currency: string, digits = 0): string {
  if (v === null) return NONE;
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
export function inUnit(v: number | null, unit: string, currency: string): string {
  if (v === null) return NONE;
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

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A calendar day as the en-GB style "5 Jan 2023" (the month names spelled here, not by the
/// browser's locale data, so every browser shows the same). Anything but YYYY-MM-DD is shown
/// as it is.
export function date(ymd: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  const month = m ? MONTHS[Number(m[2]) - 1] : undefined;
  if (!m || month === undefined) return ymd;
  return `${Number(m[3])} ${month} ${m[1]}`;
}

/// A number of days without a unit: 90 → "90", 7.5 → "7.5", 1000 → "1,000".
export function days(v: number): string {
  return new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 }).format(v);
}

/// A label with the churn horizon after it: "Churn risk (90 d)"; the bare label without one.
export function withHorizon(label: string, horizonDays: number | null): string {
  return horizonDays === null ? label : `${label} (${days(horizonDays)} d)`;
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
