/**
 * One incoming event (seed 004, issue 20): validated and normalised, never thrown. The join key
 * is the phone number, or the source's own customer id (an audience import keeps it per source),
 * or the contact's reference (ct_…; in the operator's files also its sequential id). Only what
 * makes an event unusable rejects it (no event id or name, no contact named, no usable time); a
 * missing or malformed property is left out and reported as a warning, and the event is stored
 * (it still counts as activity). Pure: `now` is a parameter.
 */
import { checkProperties, maskPersonalProperties, type EventWarning } from './event-properties';
import { renameFields } from './event-fields';
import { DEFAULT_RULES, resolveTag, type StandardTag, type TagRules } from './events';
import { normalizePhone, type CountryCode } from './phone';

/**
 * An event as sent (API body item, or one JSON Lines record):
 *   { "event_id": "ord-981-paid", "event": "order_paid", "phone": "+8613800138000",
 *     "occurred_at": "2026-11-20T10:15:00+08:00", "properties": {...}, "source": "shop" }
 * `event` may also be spelled `tag` or `name`; `occurred_at` may be `timestamp` (ISO 8601 with
 * an offset, or Unix epoch milliseconds). `external_id` (or `customer_id`) names the contact by
 * the source's customer id (of source `id_source`, else the import's --id-source, else any
 * source that has it), with the phone as a fallback; `contact_id` names it by its reference
 * (`ct_` + 32 hex digits, as `reachloop contact show` prints it and the API answers with it; the
 * sequential id only where the context allows it, in files of `reachloop events import`);
 * `country` is the default country for a national-format phone. A source that names these
 * fields otherwise maps them (TagRules.fields).
 */
export interface NormalizedEvent {
  eventId: string;
  rawTag: string;
  /** null: the source name maps to no standard tag (kept raw, reported as unknown). */
  tag: StandardTag | null;
  occurredAt: string;
  properties: Record<string, unknown>;
  source: string;
  subject:
    | { kind: 'phone'; e164: string }
    | { kind: 'contact'; id: number }
    /** Any string but digits: resolved when stored (a malformed one names no contact, as an unknown one). */
    | { kind: 'ref'; ref: string }
    /** idSource null: any source; e164: the phone to fall back on when no contact has the id. */
    | { kind: 'customer'; externalId: string; idSource: string | null; e164: string | null };
}

export const EVENT_REJECT_REASONS = [
  'not_an_object',
  'missing_event_id',
  'invalid_event_id',
  'missing_event_name',
  'missing_contact',
  'invalid_phone',
  'invalid_contact_id',
  /** A sequential contact id where only references are taken (the API). */
  'sequential_contact_id',
  'invalid_customer_id',
  'invalid_time',
  'future_time',
  /** contact_id names no contact, or is not a reference (found when the event is stored). */
  'unknown_contact_id',
  /** A JSON Lines record that is not JSON (import only). */
  'malformed_line',
  /** A line with bytes that are not UTF-8 (import only). */
  'invalid_encoding',
  /** A line longer than the import's limit (import only). */
  'too_large',
] as const;
export type EventRejectReason = (typeof EVENT_REJECT_REASONS)[number];

export type EventParseResult =
  | { ok: true; event: NormalizedEvent; warnings: EventWarning[] }
  | { ok: false; reason: EventRejectReason; message: string; eventId?: string };

export interface EventParseContext {
  rules?: TagRules;
  /** Country for national-format numbers when the event names none. */
  defaultCountry?: CountryCode | undefined;
  /** Source recorded when the event names none. */
  defaultSource: string;
  /** Whose customer ids the events name when an event says not (`--id-source`); null/absent = any source's. */
  idSource?: string | null;
  /**
   * Whether contact_id may be the sequential id: yes in the operator's files (`events import`) and
   * reachloop's own events (links, replies); no in the API, where a contact is named by its
   * reference only, so that a token cannot walk the customers by counting.
   */
  sequentialIds: boolean;
  now: Date;
  /** Events further in the future than this are rejected (clock skew allowance). */
  maxFutureMs?: number;
  /**
   * E-mails and phone numbers in the properties' strings masked with a warning (default true: a
   * sender's properties). False only for events reachloop writes itself (an inbound SMS, whose
   * text is sealed).
   */
  maskPersonalData?: boolean;
}

export const MAX_PROPERTIES_BYTES = 16_384;
const DEFAULT_MAX_FUTURE_MS = 3_600_000;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
/** 2000-01-01 .. 2100-01-01: anything outside is a unit mistake (seconds for milliseconds). */
const EPOCH_MS_RANGE: readonly [number, number] = [946_684_800_000, 4_102_444_800_000];
const CONTROL = /[\u0000-\u001f\u007f]/;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);
const given = (v: unknown) => v !== undefined && v !== null && v !== '';

/** Validates and normalises one event. Never throws; a rejected event says why in one line. */
export function parseEvent(raw: unknown, ctx: EventParseContext): EventParseResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'not_an_object', message: 'an event must be a JSON object' };
  const rules = ctx.rules ?? DEFAULT_RULES;
  const o = renameFields(raw as Record<string, unknown>, rules.fields);
  let eventId: string | undefined;
  const fail = (reason: EventRejectReason, message: string): EventParseResult => ({ ok: false, reason, message, ...(eventId ? { eventId } : {}) });
  const warnings: EventWarning[] = [];

  const idRaw = o.event_id;
  if (!given(idRaw)) return fail('missing_event_id', 'event_id is required (it deduplicates retries and re-imports)');
  const idStr = str(idRaw)?.trim();
  if (!idStr || idStr.length > 200 || CONTROL.test(idStr)) return fail('invalid_event_id', 'event_id must be a string of 1-200 printable characters');
  eventId = idStr;

  const nameRaw = o.event ?? o.tag ?? o.name;
  const rawTag = typeof nameRaw === 'string' ? nameRaw.trim() : '';
  if (rawTag === '' || rawTag.length > 200) return fail('missing_event_name', 'event (the source event name, e.g. "order_paid") is required, at most 200 characters');

  const subject = subjectOf(o, ctx, warnings);
  if ('reason' in subject) return fail(subject.reason, subject.message);

  const when = o.occurred_at ?? o.timestamp;
  let ms: number;
  if (typeof when === 'number') {
    if (!Number.isInteger(when) || when < EPOCH_MS_RANGE[0] || when > EPOCH_MS_RANGE[1])
      return fail('invalid_time', 'occurred_at as a number must be Unix epoch milliseconds between 2000 and 2100');
    ms = when;
  } else if (typeof when === 'string' && ISO_WITH_OFFSET.test(when.trim()) && !Number.isNaN(Date.parse(when.trim()))) {
    ms = Date.parse(when.trim());
  } else if (!given(when)) {
    return fail('invalid_time', 'occurred_at is required: ISO 8601 with an offset or Z, or epoch milliseconds');
  } else {
    return fail('invalid_time', 'occurred_at must be ISO 8601 with an offset or Z (e.g. 2026-11-20T10:15:00+08:00), or epoch milliseconds');
  }
  if (ms > ctx.now.getTime() + (ctx.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS)) return fail('future_time', 'occurred_at is in the future');

  const tag = resolveTag(rawTag, rules);
  let properties = propertiesOf(o.properties ?? {}, tag, rules, warnings);
  if (ctx.maskPersonalData !== false) {
    const masked = maskPersonalProperties(properties);
    warnings.push(...masked.warnings);
    properties = masked.properties;
  }
  const sourceRaw = typeof o.source === 'string' && o.source.trim() !== '' ? o.source.trim().slice(0, 100) : ctx.defaultSource;
  return { ok: true, event: { eventId, rawTag, tag, occurredAt: new Date(ms).toISOString(), properties, source: sourceRaw, subject }, warnings };
}

type Failure = { reason: EventRejectReason; message: string };

/**
 * Whom the event is about: the contact (reference or id), else the customer id (with the phone
 * to fall back on; a bad phone beside a customer id is only a warning), else the phone.
 */
function subjectOf(o: Record<string, unknown>, ctx: EventParseContext, warnings: EventWarning[]): NormalizedEvent['subject'] | Failure {
  if (given(o.contact_id)) return contactSubject(o.contact_id, ctx.sequentialIds);
  const externalRaw = o.external_id ?? o.customer_id;
  const externalId = given(externalRaw) ? str(externalRaw)?.trim() : undefined;
  if (given(externalRaw) && (!externalId || externalId.length > 200 || CONTROL.test(externalId)))
    return { reason: 'invalid_customer_id', message: 'external_id (the customer id) must be a string or number of 1-200 printable characters' };
  let e164: string | null = null;
  const phone = str(o.phone);
  if (phone !== undefined && phone.trim() !== '') {
    const country = typeof o.country === 'string' && /^[A-Za-z]{2}$/.test(o.country) ? (o.country.toUpperCase() as CountryCode) : ctx.defaultCountry;
    const p = normalizePhone(phone, { defaultCountry: country });
    if (p.ok) e164 = p.e164;
    else if (!externalId) return { reason: 'invalid_phone', message: `phone: ${p.message}` };
    else warnings.push({ field: 'phone', reason: 'invalid_phone', detail: `phone: ${p.message}; the event is matched by its customer id` });
  }
  if (externalId) {
    const named = typeof o.id_source === 'string' && o.id_source.trim() !== '' ? o.id_source.trim() : null;
    return { kind: 'customer', externalId, idSource: named ?? ctx.idSource ?? null, e164 };
  }
  if (e164) return { kind: 'phone', e164 };
  return { reason: 'missing_contact', message: 'the event names no contact: give phone, external_id (the customer id) or contact_id' };
}

/**
 * contact_id: a number or a digit string is the sequential id (where allowed), any other string a
 * reference, looked up when the event is stored: a malformed reference is not told apart from an
 * unknown one, so that probing learns nothing.
 */
function contactSubject(v: unknown, sequentialIds: boolean): NormalizedEvent['subject'] | Failure {
  const text = typeof v === 'string' ? v.trim() : undefined;
  if (typeof v === 'number' || (text !== undefined && /^\d+$/.test(text))) {
    if (!sequentialIds) return { reason: 'sequential_contact_id', message: SEQUENTIAL_ID_MESSAGE };
    const id = Number(v);
    if (!Number.isSafeInteger(id) || id < 1) return { reason: 'invalid_contact_id', message: 'contact_id must be a positive whole number or a reference (ct_ and 32 hex digits)' };
    return { kind: 'contact', id };
  }
  if (text === undefined) return { reason: 'invalid_contact_id', message: 'contact_id must be a string: the contact\'s reference, ct_ and 32 hex digits' };
  return { kind: 'ref', ref: text };
}

const SEQUENTIAL_ID_MESSAGE =
  'contact_id takes the contact\'s reference (ct_ and 32 hex digits, as `reachloop contact show` prints it and every API answer gives it), not its sequential id';

/** The answer to a contact_id that names no contact: the same for an unknown and a malformed reference. */
export const UNKNOWN_REF_MESSAGE = 'contact_id names no contact: a reference is ct_ and 32 hex digits, as `reachloop contact show` prints it';

/**
 * The event's properties: the tag's properties renamed from the source's names and checked (a
 * bad one left out with a warning); properties that are not an object, or too large, are left
 * out as a whole with a warning.
 */
function propertiesOf(raw: unknown, tag: StandardTag | null, rules: TagRules, warnings: EventWarning[]): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    warnings.push({ field: 'properties', reason: 'invalid_properties', detail: 'properties must be a JSON object: left out' });
    return {};
  }
  if (JSON.stringify(raw).length > MAX_PROPERTIES_BYTES) {
    warnings.push({ field: 'properties', reason: 'properties_too_large', detail: `properties must be at most ${MAX_PROPERTIES_BYTES} characters of JSON: left out` });
    return {};
  }
  let properties = raw as Record<string, unknown>;
  if (!tag) return properties;
  const renames = rules.properties[tag];
  if (renames) {
    properties = { ...properties };
    for (const [standard, from] of Object.entries(renames)) {
      if (properties[standard] === undefined && properties[from] !== undefined) {
        properties[standard] = properties[from];
        delete properties[from];
      }
    }
  }
  const checked = checkProperties(tag, properties);
  warnings.push(...checked.warnings);
  return checked.properties;
}
