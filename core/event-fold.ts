/**
 * The fold of a contact's behaviour events (core/events.ts) into the activity and commercial facts
 * the score reads: logins, engagement, browsing, orders (with their values in the reference
 * currency when the caller converts them) and the product categories the contact looks at and buys.
 * The facts are stored in contacts.activity (core/activity.ts reads them back).
 *
 * Pure: no I/O, no clock (`now` is a parameter).
 */
import type { PurchaseProperties, StandardTag } from './events';

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
  /** The currency orderTotal and averageOrderValue are in: the fold's reference currency, or null (amounts summed as sent). */
  orderValueCurrency: string | null;
  /** Product events (views, add-to-cart, purchases) per top-level category within the window, the most frequent first. */
  categoryInterest: Record<string, number>;
  /** Top-level categories of the contact's purchases, all time, the most frequent first. */
  purchasedCategories: string[];
  unsubscribedAt: string | null;
}

/** Categories kept per contact (interest and purchases), the most frequent. */
export const CATEGORIES_KEPT = 20;

/** A product category as compared: its top level ('Shoes > Running' -> 'shoes'), NFKC, lower case, spaces collapsed; null if empty. */
export function categoryKey(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const top = raw.normalize('NFKC').split(/[>/|]/)[0]!.trim().toLowerCase().replace(/\s+/g, ' ');
  return top === '' ? null : top;
}

/** Converts an order line into the reference currency at its time; null = no rate for its currency. */
export interface OrderCurrency {
  code: string;
  toReference: (amount: number, currency: string | undefined, at: string) => number | null;
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
export function foldEvents(events: readonly FoldableEvent[], opts: { now: Date; windowDays: number; currency?: OrderCurrency }): EventFacts {
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
    orderValueCurrency: opts.currency?.code ?? null,
    categoryInterest: {},
    purchasedCategories: [],
    unsubscribedAt: null,
  };
  const orders = new Map<string, { at: string; value: number | null }>();
  const interest = new Map<string, number>();
  const bought = new Map<string, number>();
  for (const e of events) {
    const at = e.occurredAt;
    facts.lastEventAt = maxIso(facts.lastEventAt, at);
    const recent = Date.parse(at) >= since;
    if (recent) facts.recentCounts[e.tag] = (facts.recentCounts[e.tag] ?? 0) + 1;
    const category = e.tag === 'purchase' || e.tag === 'add_to_cart' || e.tag === 'product_view' ? categoryKey(e.properties.category) : null;
    if (category !== null) {
      if (recent) interest.set(category, (interest.get(category) ?? 0) + 1);
      if (e.tag === 'purchase') bought.set(category, (bought.get(category) ?? 0) + 1);
    }
    switch (TAG_EFFECT[e.tag]) {
      case 'login':
        facts.lastLoginAt = maxIso(facts.lastLoginAt, at);
        break;
      case 'order': {
        const p = e.properties as Partial<PurchaseProperties>;
        const orderId = typeof p.order_id === 'string' ? p.order_id : `event:${e.eventId}`;
        const raw = (typeof p.price === 'number' ? p.price : 0) * (typeof p.quantity === 'number' ? p.quantity : 1);
        // A line in a currency without a rate leaves its order's value unknown (the order still counts).
        const line = opts.currency ? opts.currency.toReference(raw, p.currency, at) : raw;
        const o = orders.get(orderId);
        if (o) {
          o.value = o.value === null || line === null ? null : o.value + line;
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
  facts.categoryInterest = Object.fromEntries(mostFrequent(interest));
  facts.purchasedCategories = mostFrequent(bought).map(([c]) => c);
  if (orders.size > 0) {
    const list = [...orders.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : (a.value ?? -1) - (b.value ?? -1)));
    const valued = list.filter((o) => o.value !== null);
    const total = valued.reduce((s, o) => s + o.value!, 0);
    facts.orderCount = list.length;
    facts.orderTotal = round2(total);
    facts.averageOrderValue = valued.length ? round2(total / valued.length) : null;
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

/** The CATEGORIES_KEPT most frequent entries, by count then name. */
const mostFrequent = (m: ReadonlyMap<string, number>): Array<[string, number]> =>
  [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, CATEGORIES_KEPT);

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
