/**
 * Behaviour events (seed 004): the standard tags and their properties, the rules that map a
 * source's event names onto them, and the validation of one incoming event. The fold of a
 * contact's events into the facts the score uses is core/event-fold.ts.
 *
 * The phone number is the join key: an event names its contact by phone (normalised to E.164
 * here) or by contact id. Unknown source names are not errors: they map to no standard tag and
 * are kept raw (tag null) and reported, never dropped.
 *
 * Pure: no I/O, no clock (`now` is a parameter).
 */
import { z } from 'zod';
import { normalizePhone, type CountryCode } from './phone';

// ---------------------------------------------------------------------------------------------
// Standard tags and their properties

export const STANDARD_TAGS = [
  'login',
  'register',
  'purchase',
  'add_to_cart',
  'view_page',
  'product_view',
  'ad_click',
  'sms_open',
  'customer_service_call',
  'feedback_submit',
  // Emitted by reachloop's own channels loop (inbound replies, tracked links, unsubscribes).
  'sms_reply',
  'link_click',
  'unsubscribe',
] as const;
export type StandardTag = (typeof STANDARD_TAGS)[number];

export const isStandardTag = (s: string): s is StandardTag => (STANDARD_TAGS as readonly string[]).includes(s);

/** A number, or a string holding one (trackers often send "19.90"). */
const amount = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v),
  z.number({ error: 'must be a number' }).finite().nonnegative('must not be negative'),
);
const count = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z.int({ error: 'must be a whole number' }).min(1, 'must be at least 1'),
);
const ident = z.preprocess(
  (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v),
  z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
);
const text = (max: number) => z.string({ error: 'must be a string' }).max(max, `must be at most ${max} characters`);

/**
 * The properties of each standard tag. Objects are loose: extra properties are kept as sent.
 * Named properties are checked (and numbers given as strings coerced) so that the fold can rely
 * on them.
 */
export const TAG_PROPERTIES = {
  login: z.looseObject({ method: text(100).optional() }),
  register: z.looseObject({ channel: text(100).optional() }),
  purchase: z.looseObject({
    product_id: ident,
    price: amount,
    quantity: count.default(1),
    order_id: ident,
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').optional(),
    category: text(200).optional(),
  }),
  add_to_cart: z.looseObject({ product_id: ident.optional(), sku: ident.optional(), price: amount.optional(), quantity: count.optional(), category: text(200).optional() }),
  view_page: z.looseObject({ url: text(2000).optional(), page: text(500).optional() }),
  product_view: z.looseObject({ sku: ident, category: text(200).optional() }),
  ad_click: z.looseObject({ campaign: ident }),
  sms_open: z.looseObject({ promo: ident }),
  customer_service_call: z.looseObject({ duration_seconds: amount.optional(), outcome: text(200).optional() }),
  feedback_submit: z.looseObject({ rating: z.int().min(1).max(5).optional(), text: text(5000).optional() }),
  sms_reply: z.looseObject({ keyword: text(100).optional(), campaign: ident.optional() }),
  link_click: z.looseObject({ url: text(2000).optional(), campaign: ident.optional() }),
  unsubscribe: z.looseObject({ channel: z.enum(['sms', 'email']).optional() }),
} satisfies Record<StandardTag, z.ZodType>;

export type PurchaseProperties = z.infer<(typeof TAG_PROPERTIES)['purchase']>;

// ---------------------------------------------------------------------------------------------
// Mapping rules: source event names -> standard tags

/** Source names that mean a standard tag, besides the tag's own name. */
export const DEFAULT_TAG_RULES: Readonly<Record<string, StandardTag>> = {
  item_detail_view: 'product_view',
  product_detail_view: 'product_view',
  view_item: 'product_view',
  page_view: 'view_page',
  pageview: 'view_page',
  screen_view: 'view_page',
  order_paid: 'purchase',
  order_completed: 'purchase',
  checkout_completed: 'purchase',
  pay_success: 'purchase',
  sign_in: 'login',
  signin: 'login',
  log_in: 'login',
  sign_up: 'register',
  signup: 'register',
  registration: 'register',
  cart_add: 'add_to_cart',
  add_cart: 'add_to_cart',
  ad_clicked: 'ad_click',
  sms_opened: 'sms_open',
  cs_call: 'customer_service_call',
  feedback: 'feedback_submit',
  sms_replied: 'sms_reply',
  click: 'link_click',
  unsubscribed: 'unsubscribe',
  opt_out: 'unsubscribe',
};

export interface TagRules {
  /** Normalised source name -> standard tag (the defaults plus the file's, unless replaced). */
  tags: ReadonlyMap<string, StandardTag>;
  /** Per standard tag: standard property name -> the source's property name. */
  properties: Readonly<Partial<Record<StandardTag, Readonly<Record<string, string>>>>>;
}

/**
 * A source name as rules compare it: NFKC, trimmed, camelCase split, lower case, and runs of
 * spaces, dashes, dots, colons and slashes turned into one underscore.
 * `ItemDetailView`, `item-detail-view` and ` item.detail.view ` all become `item_detail_view`.
 */
export function normalizeEventName(name: string): string {
  return name
    .normalize('NFKC')
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[\s\-.:/]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

const standardTag = z.enum(STANDARD_TAGS, { error: `must be one of ${STANDARD_TAGS.join(', ')}` });

/**
 * The rules file (`--mapping rules.json`):
 *   { "tags": { "itemDetail": "product_view", "paySuccess": "purchase" },
 *     "properties": { "purchase": { "order_id": "orderNo", "price": "payAmount" } },
 *     "replaceDefaults": false }
 * `tags` maps source names (compared after normalizeEventName) to standard tags; `properties`
 * renames a source's property to the standard one, per tag; `replaceDefaults` drops the built-in
 * source names (the standard tags always map to themselves).
 */
export const tagRulesFileSchema = z.strictObject({
  description: z.string().optional(),
  tags: z.record(z.string().min(1), standardTag).default({}),
  properties: z.partialRecord(standardTag, z.record(z.string().min(1), z.string().min(1))).default({}),
  replaceDefaults: z.boolean().default(false),
});

export class TagRulesError extends Error {
  constructor(readonly issues: readonly string[], source?: string) {
    super(`invalid event mapping rules${source ? ` (${source})` : ''}: ${issues.join('; ')}`);
    this.name = 'TagRulesError';
  }
}

/** Validates a parsed rules document (undefined = the defaults). Throws TagRulesError listing every problem. */
export function parseTagRules(raw: unknown, source?: string): TagRules {
  const r = tagRulesFileSchema.safeParse(raw ?? {});
  if (!r.success) throw new TagRulesError(r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`), source);
  const tags = new Map<string, StandardTag>(STANDARD_TAGS.map((t) => [t, t]));
  if (!r.data.replaceDefaults) for (const [from, to] of Object.entries(DEFAULT_TAG_RULES)) tags.set(from, to);
  const clashes: string[] = [];
  for (const [from, to] of Object.entries(r.data.tags)) {
    const key = normalizeEventName(from);
    if (key === '') clashes.push(`tags.${from}: the name is empty once normalised`);
    else if (isStandardTag(key) && key !== to) clashes.push(`tags.${from}: a standard tag cannot be mapped to another (${key} -> ${to})`);
    else tags.set(key, to);
  }
  if (clashes.length) throw new TagRulesError(clashes, source);
  return { tags, properties: r.data.properties };
}

export const DEFAULT_RULES: TagRules = parseTagRules(undefined);

/** The standard tag of a source name, or null (unknown: kept raw and reported). */
export const resolveTag = (rawName: string, rules: TagRules = DEFAULT_RULES): StandardTag | null => rules.tags.get(normalizeEventName(rawName)) ?? null;

// ---------------------------------------------------------------------------------------------
// One incoming event

/**
 * An event as sent (API body item, or one JSON Lines record):
 *   { "event_id": "ord-981-paid", "event": "order_paid", "phone": "+8613800138000",
 *     "occurred_at": "2026-11-20T10:15:00+08:00", "properties": {...}, "source": "shop" }
 * `event` may also be spelled `tag` or `name`; `occurred_at` may be `timestamp` (ISO 8601 with
 * an offset, or Unix epoch milliseconds). `contact_id` may name the contact instead of `phone`;
 * `country` is the default country for a national-format phone.
 */
export interface NormalizedEvent {
  eventId: string;
  rawTag: string;
  /** null: the source name maps to no standard tag (kept raw, reported as unknown). */
  tag: StandardTag | null;
  occurredAt: string;
  properties: Record<string, unknown>;
  source: string;
  subject: { kind: 'phone'; e164: string } | { kind: 'contact'; id: number };
}

export const EVENT_REJECT_REASONS = [
  'not_an_object',
  'missing_event_id',
  'invalid_event_id',
  'missing_event_name',
  'missing_contact',
  'invalid_phone',
  'invalid_contact_id',
  'invalid_time',
  'future_time',
  'invalid_properties',
  'too_large',
  /** contact_id names no contact (found when the event is stored). */
  'unknown_contact_id',
  /** A JSON Lines record that is not JSON (import only). */
  'malformed_line',
  /** A line with bytes that are not UTF-8 (import only). */
  'invalid_encoding',
] as const;
export type EventRejectReason = (typeof EVENT_REJECT_REASONS)[number];

export type EventParseResult =
  | { ok: true; event: NormalizedEvent }
  | { ok: false; reason: EventRejectReason; message: string; eventId?: string };

export interface EventParseContext {
  rules?: TagRules;
  /** Country for national-format numbers when the event names none. */
  defaultCountry?: CountryCode | undefined;
  /** Source recorded when the event names none. */
  defaultSource: string;
  now: Date;
  /** Events further in the future than this are rejected (clock skew allowance). */
  maxFutureMs?: number;
}

export const MAX_PROPERTIES_BYTES = 16_384;
const DEFAULT_MAX_FUTURE_MS = 3_600_000;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
/** 2000-01-01 .. 2100-01-01: anything outside is a unit mistake (seconds for milliseconds). */
const EPOCH_MS_RANGE: readonly [number, number] = [946_684_800_000, 4_102_444_800_000];

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);

/** Validates and normalises one event. Never throws; a rejected event says why in one line. */
export function parseEvent(raw: unknown, ctx: EventParseContext): EventParseResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'not_an_object', message: 'an event must be a JSON object' };
  const o = raw as Record<string, unknown>;
  let eventId: string | undefined;
  const fail = (reason: EventRejectReason, message: string): EventParseResult => ({ ok: false, reason, message, ...(eventId ? { eventId } : {}) });

  const idRaw = o.event_id;
  if (idRaw === undefined || idRaw === null || idRaw === '') return fail('missing_event_id', 'event_id is required (it deduplicates retries and re-imports)');
  const idStr = str(idRaw)?.trim();
  if (!idStr || idStr.length > 200 || /[\u0000-\u001f]/.test(idStr)) return fail('invalid_event_id', 'event_id must be a string of 1-200 printable characters');
  eventId = idStr;

  const nameRaw = o.event ?? o.tag ?? o.name;
  const rawTag = typeof nameRaw === 'string' ? nameRaw.trim() : '';
  if (rawTag === '' || rawTag.length > 200) return fail('missing_event_name', 'event (the source event name, e.g. "order_paid") is required, at most 200 characters');

  // Subject: the phone is the join key; a contact id is accepted from systems that have it.
  let subject: NormalizedEvent['subject'];
  if (o.contact_id !== undefined && o.contact_id !== null && o.contact_id !== '') {
    const id = typeof o.contact_id === 'string' && /^\d+$/.test(o.contact_id) ? Number(o.contact_id) : o.contact_id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) return fail('invalid_contact_id', 'contact_id must be a positive whole number');
    subject = { kind: 'contact', id };
  } else {
    const phone = str(o.phone);
    if (phone === undefined || phone.trim() === '') return fail('missing_contact', 'the event names no contact: give phone (or contact_id)');
    const country = typeof o.country === 'string' && /^[A-Za-z]{2}$/.test(o.country) ? (o.country.toUpperCase() as CountryCode) : ctx.defaultCountry;
    const p = normalizePhone(phone, { defaultCountry: country });
    if (!p.ok) return fail('invalid_phone', `phone: ${p.message}`);
    subject = { kind: 'phone', e164: p.e164 };
  }

  const when = o.occurred_at ?? o.timestamp;
  let ms: number;
  if (typeof when === 'number') {
    if (!Number.isInteger(when) || when < EPOCH_MS_RANGE[0] || when > EPOCH_MS_RANGE[1])
      return fail('invalid_time', 'occurred_at as a number must be Unix epoch milliseconds between 2000 and 2100');
    ms = when;
  } else if (typeof when === 'string' && ISO_WITH_OFFSET.test(when.trim()) && !Number.isNaN(Date.parse(when.trim()))) {
    ms = Date.parse(when.trim());
  } else if (when === undefined || when === null || when === '') {
    return fail('invalid_time', 'occurred_at is required: ISO 8601 with an offset or Z, or epoch milliseconds');
  } else {
    return fail('invalid_time', 'occurred_at must be ISO 8601 with an offset or Z (e.g. 2026-11-20T10:15:00+08:00), or epoch milliseconds');
  }
  if (ms > ctx.now.getTime() + (ctx.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS)) return fail('future_time', 'occurred_at is in the future');

  const propsRaw = o.properties ?? {};
  if (propsRaw === null || typeof propsRaw !== 'object' || Array.isArray(propsRaw)) return fail('invalid_properties', 'properties must be a JSON object');
  if (JSON.stringify(propsRaw).length > MAX_PROPERTIES_BYTES) return fail('too_large', `properties must be at most ${MAX_PROPERTIES_BYTES} characters of JSON`);

  const rules = ctx.rules ?? DEFAULT_RULES;
  const tag = resolveTag(rawTag, rules);
  let properties = propsRaw as Record<string, unknown>;
  if (tag) {
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
    const checked = TAG_PROPERTIES[tag].safeParse(properties);
    if (!checked.success)
      return fail('invalid_properties', `${tag}: ${checked.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'properties'} ${i.message}`).join('; ')}`);
    properties = checked.data as Record<string, unknown>;
  }

  const sourceRaw = typeof o.source === 'string' && o.source.trim() !== '' ? o.source.trim().slice(0, 100) : ctx.defaultSource;
  return { ok: true, event: { eventId, rawTag, tag, occurredAt: new Date(ms).toISOString(), properties, source: sourceRaw, subject } };
}
