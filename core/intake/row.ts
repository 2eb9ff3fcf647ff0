import { enrichPhone, normalizePhone, type CountryCode, type PhoneType } from '../phone';
import { normalizeEmail } from '../email';
import { shapeOf } from '../input-shape';
import { normalizeConsentSource } from '../policy/consent';
import type { IntakeField, RawFields } from './fields';
import { cleanText, parseAmount, parseCount, parseCurrency, parseInstant, withoutControls } from './values';

export { parseAmount, parseInstant } from './values';

/** One valid import row, normalised and enriched. Dates are ISO 8601 UTC strings. */
export interface IntakeRow {
  e164: string;
  extension: string | null;
  lineType: PhoneType;
  country: string | null;
  region: string | null;
  /** The currency of the number's country (enrichment). */
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
  /** The source's own customer id (kept per import source). */
  externalId: string | null;
  /** When the customer registered in the source (its created_at / signup date). */
  registeredAt: string | null;
  firstOrderAt: string | null;
  /** The number of orders the source counts for the customer. */
  orderCount: number | null;
  /** ISO 4217 code of orderValue: the file's currency column, else the country's currency; null without an order value or currency. */
  orderCurrency: string | null;
  /** The shipping address as written (control bytes stripped, whitespace folded). */
  shippingAddress: string | null;
}

/** Why a row is not imported at all: it has no usable phone, or its bytes are not text. */
export type RejectReason =
  | 'missing_phone'
  | 'not_a_number'
  | 'invalid_country_code'
  | 'too_short'
  | 'too_long'
  | 'invalid_length'
  | 'invalid_for_region'
  | 'invalid_country'
  | 'field_too_long'
  | 'invalid_encoding'
  | 'wrong_column_count'
  | 'malformed_row';

/** Why an optional field of an imported row was left empty (or cleaned): reported per row. */
export type WarningReason =
  | 'invalid_email'
  | 'invalid_country'
  | 'invalid_date'
  | 'date_in_future'
  | 'invalid_order_value'
  | 'invalid_order_count'
  | 'invalid_currency'
  | 'field_too_long'
  | 'control_characters';

export interface RowWarning {
  field: IntakeField;
  reason: WarningReason;
  detail: string;
}

/**
 * A valid row, with the warnings of its optional fields. `byCustomerId`: the row has no phone but
 * the source's customer id; it updates the contact that id names (an earlier import's or a row of
 * the same file), and is rejected with this reason when none does.
 */
export type RowResult =
  | { ok: true; row: IntakeRow; warnings: RowWarning[]; byCustomerId?: { reason: RejectReason; detail: string } }
  | { ok: false; reason: RejectReason; detail: string };

export interface RowOptions {
  /** Region assumed for national numbers when the row has no country column. */
  defaultCountry?: CountryCode | undefined;
  /** Epoch ms of "now": dates after now + 1 day are left empty with a warning. */
  now: number;
}

export const MAX_FIELD_LENGTH = 1_000;
const DAY_MS = 86_400_000;
const NO_WARNINGS: RowWarning[] = [];

const reject = (reason: RejectReason, detail: string): RowResult => ({ ok: false, reason, detail });

/**
 * Validates and normalises one row: phone to E.164 (with enrichment), e-mail, dates, amounts,
 * text. Only what makes the row unusable rejects it: no usable phone, bytes that are not text.
 * A bad optional field (an e-mail that is no address, a date that does not exist, a negative
 * amount) is left empty and reported as a warning; so is a control byte stripped from text.
 */
export function validateRow(fields: RawFields, opts: RowOptions): RowResult {
  let warnings = NO_WARNINGS;
  const warn = (field: IntakeField, reason: WarningReason, detail: string) => {
    if (warnings === NO_WARNINGS) warnings = [];
    warnings.push({ field, reason, detail });
  };
  let usable = fields;
  for (const field in fields) {
    const value = fields[field as IntakeField]!;
    if (value.includes('\uFFFD')) return reject('invalid_encoding', `${field} is not valid UTF-8`);
    if (value.length > MAX_FIELD_LENGTH) {
      const detail = `${field} is ${value.length} characters (at most ${MAX_FIELD_LENGTH})`;
      if (field === 'phone') return reject('field_too_long', detail);
      warn(field as IntakeField, 'field_too_long', detail);
      if (usable === fields) usable = { ...fields };
      delete usable[field as IntakeField];
    }
  }
  // The phone and the e-mail are parsed, not cleaned as text: a control byte in them (a NUL) is
  // stripped here, with a warning, before it makes a good number unreadable or an address
  // unmatchable.
  for (const field of ['phone', 'email'] as const) {
    const clean = usable[field] === undefined ? null : withoutControls(usable[field]!);
    if (clean === null) continue;
    if (usable === fields) usable = { ...fields };
    usable[field] = clean;
    warn(field, 'control_characters', `${field} had control characters (such as NUL), removed`);
  }
  const f = usable;
  let country = opts.defaultCountry;
  let badCountry: string | null = null;
  if (f.country) {
    const c = f.country.trim().toUpperCase();
    if (/^[A-Z]{2}$/.test(c)) country = c as CountryCode;
    else {
      badCountry = `country must be a two-letter ISO code (got ${shapeOf(f.country)})`;
      country = undefined; // a national number cannot be read without its country
    }
  }
  const text = (field: 'name' | 'channel_tag' | 'device_id' | 'consent_source' | 'external_id' | 'shipping_address'): string | null => {
    const raw = f[field];
    if (!raw) return null;
    const { text, stripped } = cleanText(raw);
    if (stripped) warn(field, 'control_characters', `${field} had control characters (such as NUL), removed`);
    return text === '' ? null : text;
  };
  const phone = normalizePhone(f.phone ?? '', { defaultCountry: country });
  if (!phone.ok && phone.reason !== 'empty') {
    if (badCountry) return reject('invalid_country', `${badCountry}, and the number is not in international format`);
    return reject(phone.reason, phone.message);
  }
  if (!phone.ok) {
    if (!f.external_id || cleanText(f.external_id).text === '') return reject('missing_phone', 'no phone number');
    // No phone, but the source's customer id: the row updates the contact that id names.
    const row = rowFields(f, opts, warn, text, null);
    const detail = `no phone number, and the customer id (${shapeOf(row.externalId!)}) is not known for the import's source (no earlier import or row of this file has it with a phone)`;
    return { ok: true, row, warnings, byCustomerId: { reason: 'missing_phone', detail } };
  }
  if (badCountry) warn('country', 'invalid_country', `${badCountry}: ignored, the number is international`);
  const enrichment = enrichPhone(phone);
  return {
    ok: true,
    row: {
      ...rowFields(f, opts, warn, text, enrichment.currency),
      e164: phone.e164,
      extension: phone.extension ?? null,
      lineType: phone.type,
      country: enrichment.country,
      region: enrichment.region,
      currency: enrichment.currency,
      language: enrichment.language,
      timeZones: [...enrichment.timeZones],
    },
    warnings,
  };
}

type Warn = (field: IntakeField, reason: WarningReason, detail: string) => void;
type Text = (field: 'name' | 'channel_tag' | 'device_id' | 'consent_source' | 'external_id' | 'shipping_address') => string | null;

/**
 * Every field of a row but its number and what the number tells (for a row without a phone: none
 * of it). A bad value is left empty with a warning.
 */
function rowFields(f: RawFields, opts: RowOptions, warn: Warn, text: Text, countryCurrency: string | null): IntakeRow {
  let email: string | null = null;
  if (f.email) {
    const e = normalizeEmail(f.email);
    if (e.ok) email = e.email;
    else warn('email', 'invalid_email', `${e.message} (got ${shapeOf(f.email)})`);
  }
  const date = (field: 'last_order_at' | 'opt_in_at' | 'registered_at' | 'first_order_at'): string | null => {
    const raw = f[field];
    if (!raw) return null;
    const at = parseInstant(raw);
    if (at === undefined) warn(field, 'invalid_date', `${field} is not a date (got ${shapeOf(raw)})`);
    else if (at !== null && Date.parse(at) > opts.now + DAY_MS) warn(field, 'date_in_future', `${field} ${at} is in the future`);
    else return at;
    return null;
  };
  const lastOrderAt = date('last_order_at');
  const optInAt = date('opt_in_at');
  const registeredAt = date('registered_at');
  const firstOrderAt = date('first_order_at');
  let orderValue: number | null = null;
  if (f.order_value) {
    const v = parseAmount(f.order_value);
    if (v === undefined) warn('order_value', 'invalid_order_value', `order_value is not a non-negative amount (got ${shapeOf(f.order_value)})`);
    else orderValue = v;
  }
  let orderCount: number | null = null;
  if (f.order_count) {
    const n = parseCount(f.order_count);
    if (n === undefined) warn('order_count', 'invalid_order_count', `order_count is not a whole number of orders (got ${shapeOf(f.order_count)})`);
    else orderCount = n;
  }
  let currency: string | null = null;
  if (f.currency) {
    const c = parseCurrency(f.currency);
    if (c === undefined) warn('currency', 'invalid_currency', `currency is not an ISO 4217 code (got ${shapeOf(f.currency)})`);
    else currency = c;
  }
  const consentSource = text('consent_source');
  const channelTag = text('channel_tag');
  const address = text('shipping_address');
  return {
      e164: '',
      extension: null,
      lineType: 'unknown',
      country: null,
      region: null,
      currency: null,
      language: null,
      timeZones: [],
      email,
      name: text('name'),
      lastOrderAt,
      orderValue,
      channelTag: channelTag === null ? null : channelTag.toLowerCase(),
      optInAt,
      deviceId: text('device_id'),
      consentSource: consentSource === null ? null : normalizeConsentSource(consentSource) || null,
      externalId: text('external_id'),
      registeredAt,
      firstOrderAt,
      orderCount,
      orderCurrency: currency ?? (orderValue !== null ? countryCurrency : null),
      shippingAddress: address === null ? null : address.replace(/\s+/g, ' '),
  };
}
