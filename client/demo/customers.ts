/**
 * Customers as a brand's CRM knows them, for the demo's sample audience and the benchmarks' CRM
 * file: each in a segment with the skew of a real customer base (most bought once, long ago; a
 * few buy often and much; some never bought), their orders (count, first and last, average value),
 * an e-mail for most buyers, and the behaviour events of the last year (logins, product views and
 * add-to-cart in the categories they like, purchases, clicks, replies). Deterministic for a seed.
 */

/** A seeded generator of numbers in [0, 1) (a linear congruential one: fast, deterministic, not for secrets). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

export const SEGMENTS = ['one_time_dormant', 'lapsed_repeat', 'occasional', 'never_ordered', 'loyal', 'vip'] as const;
export type Segment = (typeof SEGMENTS)[number];

/** Per cent of customers in each segment. */
export const SEGMENT_SHARES: Readonly<Record<Segment, number>> = { one_time_dormant: 47, lapsed_repeat: 15, occasional: 18, never_ordered: 13, loyal: 5, vip: 2 };

export const CATEGORIES = ['shoes', 'bags', 'outdoor', 'kitchen', 'beauty', 'toys', 'electronics', 'books', 'garden', 'sports'] as const;

export interface Customer {
  segment: Segment;
  registeredAt: Date;
  orderCount: number;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
  /** Average order value in the reference currency (USD). */
  averageOrderValue: number | null;
  /** Days between orders (for the events' order dates). */
  intervalDays: number;
  hasEmail: boolean;
  /** The categories it mostly looks at and buys. */
  favourites: string[];
}

const DAY = 86_400_000;
const between = (rnd: () => number, lo: number, hi: number) => lo + rnd() * (hi - lo);
const whole = (rnd: () => number, lo: number, hi: number) => Math.floor(between(rnd, lo, hi + 1));
/** A right-skewed amount around `median` (log-normal-ish), kept within [lo, hi]. */
const skewed = (rnd: () => number, median: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, median * Math.exp((rnd() + rnd() + rnd() - 1.5) * 1.2)));

export function pickSegment(rnd: () => number): Segment {
  let r = rnd() * 100;
  for (const s of SEGMENTS) if ((r -= SEGMENT_SHARES[s]) < 0) return s;
  return 'one_time_dormant';
}

/** [orders lo, hi], last order [days ago lo, hi], days between orders [lo, hi], average order median. */
const ORDERS: Readonly<Record<Segment, { count: [number, number]; lastDaysAgo: [number, number]; interval: [number, number]; median: number }>> = {
  one_time_dormant: { count: [1, 1], lastDaysAgo: [400, 1100], interval: [0, 0], median: 45 },
  lapsed_repeat: { count: [2, 4], lastDaysAgo: [200, 540], interval: [60, 200], median: 55 },
  occasional: { count: [1, 3], lastDaysAgo: [5, 150], interval: [40, 150], median: 60 },
  never_ordered: { count: [0, 0], lastDaysAgo: [0, 0], interval: [0, 0], median: 0 },
  loyal: { count: [4, 12], lastDaysAgo: [1, 45], interval: [20, 70], median: 85 },
  vip: { count: [10, 40], lastDaysAgo: [0, 20], interval: [7, 28], median: 180 },
};

export function customerOf(rnd: () => number, asOf: Date, segment: Segment = pickSegment(rnd)): Customer {
  const o = ORDERS[segment];
  const count = whole(rnd, o.count[0], o.count[1]);
  const intervalDays = between(rnd, o.interval[0], o.interval[1]);
  const last = count ? new Date(asOf.getTime() - between(rnd, o.lastDaysAgo[0], o.lastDaysAgo[1]) * DAY) : null;
  const first = last && new Date(last.getTime() - (count - 1) * intervalDays * DAY);
  const registeredAt = new Date((first ?? asOf).getTime() - between(rnd, first ? 0 : 10, first ? 400 : 900) * DAY);
  const favourites = [CATEGORIES[whole(rnd, 0, CATEGORIES.length - 1)]!, CATEGORIES[whole(rnd, 0, CATEGORIES.length - 1)]!];
  return {
    segment,
    registeredAt,
    orderCount: count,
    firstOrderAt: first,
    lastOrderAt: last,
    averageOrderValue: count ? Math.round(skewed(rnd, o.median, 5, 2_000) * 100) / 100 : null,
    intervalDays,
    hasEmail: rnd() < (segment === 'never_ordered' ? 0.6 : 0.9),
    favourites: [...new Set(favourites)],
  };
}

/** An event line as `reachloop events import` reads it. */
export interface EventLine {
  event_id: string;
  event: string;
  phone: string;
  occurred_at: string;
  properties: Record<string, unknown>;
}

/** [logins, product views, add-to-cart, clicks, replies] in the last 90 days, as [lo, hi] each. */
const BEHAVIOUR: Readonly<Record<Segment, { share: number; logins: [number, number]; views: [number, number]; carts: [number, number]; clicks: [number, number]; replies: [number, number]; recentDays: number }>> = {
  one_time_dormant: { share: 0.08, logins: [0, 1], views: [0, 1], carts: [0, 0], clicks: [0, 0], replies: [0, 0], recentDays: 90 },
  lapsed_repeat: { share: 0.15, logins: [0, 1], views: [0, 2], carts: [0, 0], clicks: [0, 0], replies: [0, 0], recentDays: 90 },
  occasional: { share: 0.7, logins: [0, 2], views: [0, 4], carts: [0, 1], clicks: [0, 1], replies: [0, 0], recentDays: 60 },
  never_ordered: { share: 0.45, logins: [0, 2], views: [0, 5], carts: [0, 1], clicks: [0, 1], replies: [0, 0], recentDays: 90 },
  loyal: { share: 0.95, logins: [1, 4], views: [2, 7], carts: [0, 2], clicks: [0, 2], replies: [0, 1], recentDays: 14 },
  vip: { share: 1, logins: [2, 5], views: [3, 8], carts: [1, 3], clicks: [1, 3], replies: [0, 2], recentDays: 7 },
};

/** Purchases kept in an event export: the orders of the last year, at most this many per customer. */
const PURCHASES_KEPT = 10;

/**
 * The customer's events of the last year: its orders since then as purchases (one line per
 * order, in `currency` at `perUsd` units per USD, in a favourite category mostly), and for the
 * active ones logins, product views, add-to-cart, clicks and replies in the last 90 days (the
 * latest within the segment's recent days).
 */
export function eventsOf(c: Customer, e164: string, id: string, asOf: Date, rnd: () => number, currency: { code: string; perUsd: number }): EventLine[] {
  const out: EventLine[] = [];
  const at = (d: Date) => d.toISOString();
  const category = () => (rnd() < 0.8 ? c.favourites[whole(rnd, 0, c.favourites.length - 1)]! : CATEGORIES[whole(rnd, 0, CATEGORIES.length - 1)]!);
  const yearAgo = asOf.getTime() - 365 * DAY;
  for (let k = 0; c.lastOrderAt && k < Math.min(c.orderCount, PURCHASES_KEPT); k++) {
    const when = c.lastOrderAt.getTime() - k * c.intervalDays * DAY * between(rnd, 0.9, 1.1);
    if (when < yearAgo) break;
    const price = Math.round(c.averageOrderValue! * between(rnd, 0.7, 1.3) * currency.perUsd * 100) / 100;
    out.push({ event_id: `${id}-o${k}`, event: 'order_paid', phone: e164, occurred_at: at(new Date(when)), properties: { order_id: `${id}-${k}`, product_id: `p${whole(rnd, 1, 500)}`, price, currency: currency.code, category: category() } });
  }
  const b = BEHAVIOUR[c.segment];
  if (rnd() >= b.share) return out;
  const recent = (latest: boolean) => new Date(asOf.getTime() - (latest ? between(rnd, 0.1, b.recentDays) : between(rnd, 0.1, 89)) * DAY);
  const add = (event: string, n: number, props: () => Record<string, unknown>) => {
    for (let k = 0; k < n; k++) out.push({ event_id: `${id}-${event}${k}`, event, phone: e164, occurred_at: at(recent(k === 0)), properties: props() });
  };
  add('login', whole(rnd, ...b.logins), () => ({ method: 'app' }));
  add('product_view', whole(rnd, ...b.views), () => ({ sku: `s${whole(rnd, 1, 900)}`, category: category() }));
  add('add_to_cart', whole(rnd, ...b.carts), () => ({ sku: `s${whole(rnd, 1, 900)}`, category: category() }));
  add('link_click', whole(rnd, ...b.clicks), () => ({ campaign: 'newsletter' }));
  add('sms_reply', whole(rnd, ...b.replies), () => ({ keyword: 'Y' }));
  return out;
}
