/**
 * Behaviour events (seed 004): the standard tags, the rules that map a source's event names (and
 * field names) onto them, and the fold of a contact's events into the activity and commercial
 * facts the score uses. One incoming event is validated by core/event-parse.ts, its properties by
 * core/event-properties.ts.
 *
 * Unknown source names are not errors: they map to no standard tag and are kept raw (tag null)
 * and reported, never dropped.
 *
 * Pure: no I/O, no clock (`now` is a parameter).
 */
import { z } from 'zod';
import { FieldMappingError, parseFieldMapping, type EventField } from './event-fields';

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

export { TAG_PROPERTIES, type PurchaseProperties } from './event-properties';
import type { PurchaseProperties } from './event-properties';

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
  /** The source's field name -> the event field it holds (`ts` -> `occurred_at`): core/event-fields.ts. */
  fields: Readonly<Record<string, EventField>>;
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
 * renames a source's property to the standard one, per tag; `fields` names the source's fields
 * of the event itself ({"ts": "occurred_at", "customer_id": "external_id"}, either way round);
 * `replaceDefaults` drops the built-in source names (the standard tags always map to themselves).
 */
export const tagRulesFileSchema = z.strictObject({
  description: z.string().optional(),
  tags: z.record(z.string().min(1), standardTag).default({}),
  properties: z.partialRecord(standardTag, z.record(z.string().min(1), z.string().min(1))).default({}),
  fields: z.record(z.string().min(1), z.string().min(1)).default({}),
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
  if (!r.success)
    throw new TagRulesError(
      r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}${i.code === 'unrecognized_keys' ? `; the rules' keys are: ${Object.keys(tagRulesFileSchema.shape).join(', ')}` : ''}`),
      source,
    );
  const tags = new Map<string, StandardTag>(STANDARD_TAGS.map((t) => [t, t]));
  if (!r.data.replaceDefaults) for (const [from, to] of Object.entries(DEFAULT_TAG_RULES)) tags.set(from, to);
  const clashes: string[] = [];
  for (const [from, to] of Object.entries(r.data.tags)) {
    const key = normalizeEventName(from);
    if (key === '') clashes.push(`tags.${from}: the name is empty once normalised`);
    else if (isStandardTag(key) && key !== to) clashes.push(`tags.${from}: a standard tag cannot be mapped to another (${key} -> ${to})`);
    else tags.set(key, to);
  }
  let fields: Record<string, EventField> = {};
  try {
    fields = parseFieldMapping(r.data.fields);
  } catch (err) {
    if (!(err instanceof FieldMappingError)) throw err;
    clashes.push(`fields: ${err.message}`);
  }
  if (clashes.length) throw new TagRulesError(clashes, source);
  return { tags, properties: r.data.properties, fields };
}

export const DEFAULT_RULES: TagRules = parseTagRules(undefined);

/** The standard tag of a source name, or null (unknown: kept raw and reported). */
export const resolveTag = (rawName: string, rules: TagRules = DEFAULT_RULES): StandardTag | null => rules.tags.get(normalizeEventName(rawName)) ?? null;

// ---------------------------------------------------------------------------------------------
// The fold: a contact's events -> the facts the score reads

export interface FoldableEvent {
  eventId: string;
  tag: StandardTag;
  occurredAt: string;
  properties: Record<string, unknown>;
}

/**
 * What a contact's events say, as stored in contacts.activity (the keys below are owned by the
 * events fold; other keys, such as delivery counters, are left as they are).
 */
export interface EventFacts {
  lastLoginAt: string | null;
  /** Latest engagement: reply, click, open, feedback or service call (drives the score's decay). */
  lastActivityAt: string | null;
  lastEventAt: string | null;
  /** Counts within the policy's activity window. */
  smsReplies: number;
  clicks: number;
  socialInteractions: number;
  /** Events per standard tag within the window (for segments). */
  recentCounts: Partial<Record<StandardTag, number>>;
  /** Orders: purchases grouped by order_id, all time. */
  orderCount: number;
  orderTotal: number;
  averageOrderValue: number | null;
  firstOrderAt: string | null;
  lastOrderAt: string | null;
  /** Median days between consecutive orders; null with fewer than two. */
  repurchaseIntervalDays: number | null;
  unsubscribedAt: string | null;
}

/** Which tags feed which score input (a tag may feed none: browsing is counted, not scored). */
export const TAG_EFFECT: Readonly<Record<StandardTag, 'login' | 'order' | 'reply' | 'click' | 'social' | 'browse' | 'unsubscribe'>> = {
  login: 'login',
  register: 'login',
  purchase: 'order',
  add_to_cart: 'browse',
  view_page: 'browse',
  product_view: 'browse',
  ad_click: 'click',
  sms_open: 'click',
  link_click: 'click',
  sms_reply: 'reply',
  customer_service_call: 'social',
  feedback_submit: 'social',
  unsubscribe: 'unsubscribe',
};

const DAY_MS = 86_400_000;
const round2 = (x: number) => Math.round(x * 100) / 100;
const maxIso = (a: string | null, b: string) => (a === null || b > a ? b : a);

/**
 * Folds all of a contact's standard-tag events into its facts. Order of the events does not
 * matter, and the result depends only on the events and `now` (so re-folding after a retry or a
 * duplicate changes nothing). The caller passes every purchase, every event inside the window,
 * and at least the latest login.
 */
export function foldEvents(events: readonly FoldableEvent[], opts: { now: Date; windowDays: number }): EventFacts {
  const since = opts.now.getTime() - opts.windowDays * DAY_MS;
  const facts: EventFacts = {
    lastLoginAt: null,
    lastActivityAt: null,
    lastEventAt: null,
    smsReplies: 0,
    clicks: 0,
    socialInteractions: 0,
    recentCounts: {},
    orderCount: 0,
    orderTotal: 0,
    averageOrderValue: null,
    firstOrderAt: null,
    lastOrderAt: null,
    repurchaseIntervalDays: null,
    unsubscribedAt: null,
  };
  const orders = new Map<string, { at: string; value: number }>();
  for (const e of events) {
    const at = e.occurredAt;
    facts.lastEventAt = maxIso(facts.lastEventAt, at);
    const recent = Date.parse(at) >= since;
    if (recent) facts.recentCounts[e.tag] = (facts.recentCounts[e.tag] ?? 0) + 1;
    switch (TAG_EFFECT[e.tag]) {
      case 'login':
        facts.lastLoginAt = maxIso(facts.lastLoginAt, at);
        break;
      case 'order': {
        const p = e.properties as Partial<PurchaseProperties>;
        const orderId = typeof p.order_id === 'string' ? p.order_id : `event:${e.eventId}`;
        const line = (typeof p.price === 'number' ? p.price : 0) * (typeof p.quantity === 'number' ? p.quantity : 1);
        const o = orders.get(orderId);
        if (o) {
          o.value += line;
          if (at < o.at) o.at = at;
        } else orders.set(orderId, { at, value: line });
        break;
      }
      case 'reply':
      case 'click':
      case 'social': {
        facts.lastActivityAt = maxIso(facts.lastActivityAt, at);
        if (!recent) break;
        const effect = TAG_EFFECT[e.tag];
        if (effect === 'reply') facts.smsReplies++;
        else if (effect === 'click') facts.clicks++;
        else facts.socialInteractions++;
        break;
      }
      case 'unsubscribe':
        facts.unsubscribedAt = maxIso(facts.unsubscribedAt, at);
        break;
      case 'browse':
        break;
    }
  }
  if (orders.size > 0) {
    const list = [...orders.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.value - b.value));
    const total = list.reduce((s, o) => s + o.value, 0);
    facts.orderCount = list.length;
    facts.orderTotal = round2(total);
    facts.averageOrderValue = round2(total / list.length);
    facts.firstOrderAt = list[0]!.at;
    facts.lastOrderAt = list[list.length - 1]!.at;
    if (list.length >= 2) {
      const gaps = list.slice(1).map((o, i) => (Date.parse(o.at) - Date.parse(list[i]!.at)) / DAY_MS).sort((a, b) => a - b);
      const mid = gaps.length >> 1;
      facts.repurchaseIntervalDays = round2(gaps.length % 2 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2);
    }
  }
  return facts;
}

/**
 * The cause written to tier_history when new events move a contact: `event:<tag>` with the tag
 * that matters most to the score among the new ones (orders first, then replies, clicks, logins).
 */
export const CAUSE_PRIORITY: readonly StandardTag[] = [
  'purchase',
  'sms_reply',
  'link_click',
  'ad_click',
  'sms_open',
  'login',
  'register',
  'feedback_submit',
  'customer_service_call',
  'add_to_cart',
  'product_view',
  'view_page',
  'unsubscribe',
];

export function causeOf(newTags: Iterable<StandardTag>): string {
  const set = new Set(newTags);
  const tag = CAUSE_PRIORITY.find((t) => set.has(t));
  return tag ? `event:${tag}` : 'event';
}
