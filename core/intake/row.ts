import { enrichPhone, normalizePhone, type CountryCode, type PhoneType } from '../phone';
import { normalizeEmail } from '../email';
import { normalizeConsentSource } from '../policy/consent';
import type { RawFields } from './fields';

/** One valid import row, normalised and enriched. Dates are ISO 8601 UTC strings. */
export interface IntakeRow {
  e164: string;
  extension: string | null;
  lineType: PhoneType;
  country: string | null;
  region: string | null;
  currency: string | null;
  language: string | null;
  timeZones: string[];
  email: string | null;
  name: string | null;
  lastOrderAt: string | null;
  orderValue: number | null;
  channelTag: string | null;
  optInAt: string | null;
  deviceId: string | null;
  /** How the consent was obtained, normalised as the contact policy spells sources ('Web Form' -> web_form); null = the import's source. */
  consentSource: string | null;
}

export type RejectReason =
  | 'missing_phone'
  | 'not_a_number'
  | 'invalid_country_code'
  | 'too_short'
  | 'too_long'
  | 'invalid_length'
  | 'invalid_for_region'
  | 'invalid_email'
  | 'invalid_country'
  | 'invalid_date'
  | 'date_in_future'
  | 'invalid_order_value'
  | 'field_too_long'
  | 'invalid_encoding'
  | 'wrong_column_count'
  | 'malformed_row';

export type RowResult = { ok: true; row: IntakeRow } | { ok: false; reason: RejectReason; detail: string };

export interface RowOptions {
  /** Region assumed for national numbers when the row has no country column. */
  defaultCountry?: CountryCode | undefined;
  /** Epoch ms of "now": dates after now + 1 day are rejected. */
  now: number;
}

export const MAX_FIELD_LENGTH = 1_000;
const DAY_MS = 86_400_000;

const reject = (reason: RejectReason, detail: string): RowResult => ({ ok: false, reason, detail });

/** Validates and normalises one row: phone to E.164 (with enrichment), e-mail, dates, amount. */
export function validateRow(fields: RawFields, opts: RowOptions): RowResult {
  for (const field in fields) {
    const value = fields[field as keyof RawFields]!;
    if (value.length > MAX_FIELD_LENGTH) return reject('field_too_long', `${field} is ${value.length} characters (at most ${MAX_FIELD_LENGTH})`);
    if (value.includes('\uFFFD')) return reject('invalid_encoding', `${field} is not valid UTF-8`);
  }
  let country = opts.defaultCountry;
  if (fields.country) {
    const c = fields.country.trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(c)) return reject('invalid_country', `country must be a two-letter ISO code, got "${clip(fields.country)}"`);
    country = c as CountryCode;
  }
  if (!fields.phone) return reject('missing_phone', 'no phone number');
  const phone = normalizePhone(fields.phone, { defaultCountry: country });
  if (!phone.ok) return reject(phone.reason === 'empty' ? 'missing_phone' : phone.reason, phone.message);
  let email: string | null = null;
  if (fields.email) {
    const e = normalizeEmail(fields.email);
    if (!e.ok) return reject('invalid_email', e.message);
    email = e.email;
  }
  const lastOrderAt = fields.last_order_at ? parseInstant(fields.last_order_at) : null;
  if (lastOrderAt === undefined) return reject('invalid_date', `last_order_at is not a date: "${clip(fields.last_order_at!)}"`);
  const optInAt = fields.opt_in_at ? parseInstant(fields.opt_in_at) : null;
  if (optInAt === undefined) return reject('invalid_date', `opt_in_at is not a date: "${clip(fields.opt_in_at!)}"`);
  for (const [name, at] of [['last_order_at', lastOrderAt], ['opt_in_at', optInAt]] as const) {
    if (at && Date.parse(at) > opts.now + DAY_MS) return reject('date_in_future', `${name} ${at} is in the future`);
  }
  const orderValue = fields.order_value ? parseAmount(fields.order_value) : null;
  if (orderValue === undefined) return reject('invalid_order_value', `order_value is not a non-negative amount: "${clip(fields.order_value!)}"`);
  const enrichment = enrichPhone(phone);
  return {
    ok: true,
    row: {
      e164: phone.e164,
      extension: phone.extension ?? null,
      lineType: phone.type,
      country: enrichment.country,
      region: enrichment.region,
      currency: enrichment.currency,
      language: enrichment.language,
      timeZones: [...enrichment.timeZones],
      email,
      name: fields.name ? cleanText(fields.name) : null,
      lastOrderAt,
      orderValue,
      channelTag: fields.channel_tag ? cleanText(fields.channel_tag).toLowerCase() : null,
      optInAt,
      deviceId: fields.device_id ? cleanText(fields.device_id) : null,
      consentSource: fields.consent_source ? normalizeConsentSource(cleanText(fields.consent_source)) || null : null,
    },
  };
}

const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
// Control characters (other than none) never belong in a name or tag.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const cleanText = (s: string) =>
  // Printable ASCII is already NFKC and has no control characters: the common case, kept cheap.
  PRINTABLE_ASCII.test(s) ? s.trim() : s.normalize('NFKC').replace(/[\u0000-\u001f\u007f]/g, ' ').trim();

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
  const off = offset === 'Z' ? 'Z' : offset.includes(':') ? offset : `${offset.slice(0, 3)}:${offset.slice(3)}`;
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
