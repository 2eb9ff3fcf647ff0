/**
 * The value parsers of an import row: dates, amounts, counts, currency codes and free text. Each
 * returns null for an empty value and undefined for one that is not what the field holds (the
 * row keeps the field empty and reports a warning).
 */

// Printable ASCII is already NFKC and has no control characters: the common case, kept cheap.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Whitespace controls (tab, line breaks) become spaces: a name split over two lines is one name. */
const WHITESPACE_CONTROLS = /[\t\n\v\f\r]/g;
/** Other control bytes (NUL, ESC, DEL, C1 controls) never belong in text: they are stripped. */
const STRIPPED_CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g;
const HAS_STRIPPED_CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/;

/**
 * Free text as stored: NFKC, whitespace controls as spaces, other control bytes stripped, trimmed.
 * `stripped` says a control byte was removed (the row reports it as a warning).
 */
export function cleanText(s: string): { text: string; stripped: boolean } {
  if (PRINTABLE_ASCII.test(s)) return { text: s.trim(), stripped: false };
  const n = s.normalize('NFKC');
  const stripped = HAS_STRIPPED_CONTROL.test(n);
  return { text: (stripped ? n.replace(STRIPPED_CONTROLS, '') : n).replace(WHITESPACE_CONTROLS, ' ').trim(), stripped };
}

/** The value without its control bytes, or null when it has none (the common case: one test). */
export const withoutControls = (s: string): string | null => (HAS_STRIPPED_CONTROL.test(s) ? s.replace(STRIPPED_CONTROLS, '') : null);

const DATE_ONLY = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/;
const DATE_TIME = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * ISO-like dates and date-times. A value without an offset is read as UTC (import files carry
 * no zone; the operator can add one). Returns undefined when it is not a real date.
 */
export function parseInstant(raw: string): string | null | undefined {
  const s = raw.trim();
  if (s === '') return null;
  let m = DATE_ONLY.exec(s);
  if (m) return checked(+m[1]!, +m[2]!, +m[3]!, 0, 0, 0, 'Z');
  m = DATE_TIME.exec(s);
  if (m) return checked(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), m[7] ?? 'Z');
  return undefined;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const daysIn = (y: number, mo: number) => (mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31);

function checked(y: number, mo: number, d: number, h: number, mi: number, s: number, offset: string): string | undefined {
  if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  if (d > daysIn(y, mo)) return undefined; // 2026-02-30
  // In UTC the instant is the fields themselves: written as toISOString writes it (y <= 9999).
  if (offset === 'Z') return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}.000Z`;
  const off = offset.includes(':') ? offset : `${offset.slice(0, 3)}:${offset.slice(3)}`;
  const t = Date.parse(`${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${off}`);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** "1,234.50", "¥99", "$ 12" -> number; negative or garbage -> undefined. */
export function parseAmount(raw: string): number | null | undefined {
  const s = raw.normalize('NFKC').trim().replace(/^[A-Z]{3}\s*|[¥$€£₹₩]\s*|\s*[A-Z]{3}$/g, '').replace(/,(?=\d{3}(\D|$))/g, '');
  if (s === '') return null;
  if (!/^\d+(\.\d+)?$/.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) && v < 1e12 ? v : undefined;
}

/** A count of orders: "12", "1,204", "12.0" -> whole number; negative, fractional or garbage -> undefined. */
export function parseCount(raw: string): number | null | undefined {
  const s = raw.normalize('NFKC').trim().replace(/,(?=\d{3}(\D|$))/g, '').replace(/\.0+$/, '');
  if (s === '') return null;
  if (!/^\d{1,9}$/.test(s)) return undefined;
  return Number(s);
}

let currencies: ReadonlySet<string> | undefined;
/** ISO 4217 codes as the runtime's Intl knows them (loaded once). */
const isoCurrencies = () => (currencies ??= new Set(Intl.supportedValuesOf('currency')));

/** An ISO 4217 currency code ("usd " -> "USD"); anything else -> undefined. */
export function parseCurrency(raw: string): string | null | undefined {
  const s = raw.normalize('NFKC').trim().toUpperCase();
  if (s === '') return null;
  return /^[A-Z]{3}$/.test(s) && isoCurrencies().has(s) ? s : undefined;
}
