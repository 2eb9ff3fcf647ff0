import { describe, expect, it } from 'vitest';
import { contactFactsOf, withEventFacts } from '../../core/activity';
import { evaluateContact } from '../../core/evaluate';
import { categoryKey, foldEvents, type FoldableEvent } from '../../core/event-fold';
import type { StandardTag } from '../../core/events';
import type { ContactDraft } from '../../core/intake/merge';
import { orderCurrencyOf } from '../../core/score-commercial';
import { categoryMatchOf, scoreInputsOf, type ContactFacts } from '../../core/score-inputs';
import { SCORE_POLICY_V2 } from '../../core/score-policy';

// What the customer file and the events say, assembled into the score's inputs (core/score-inputs.ts),
// and the events fold's new facts: categories and order values in the reference currency.

const NOW = new Date('2026-11-25T12:00:00Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();
let seq = 0;
const ev = (tag: StandardTag, daysAgo: number, properties: Record<string, unknown> = {}): FoldableEvent => ({ eventId: `e${++seq}`, tag, occurredAt: ago(daysAgo), properties });
const buy = (order: string, daysAgo: number, price: number, extra: Record<string, unknown> = {}) => ev('purchase', daysAgo, { order_id: order, product_id: 'p', price, quantity: 1, ...extra });
const fold = (events: FoldableEvent[], converted = true) =>
  foldEvents(events, { now: NOW, windowDays: 90, ...(converted ? { currency: orderCurrencyOf(SCORE_POLICY_V2) } : {}) });

describe('the fold: product categories', () => {
  it.each<[unknown, string | null]>([
    ['Shoes', 'shoes'],
    ['  Shoes > Running ', 'shoes'],
    ['Home/Kitchen', 'home'],
    ['ＢＡＧＳ', 'bags'],
    ['Outdoor   Gear | Tents', 'outdoor gear'],
    ['', null],
    ['> x', null],
    [42, null],
  ])('categoryKey(%j) = %j', (raw, want) => expect(categoryKey(raw)).toBe(want));

  it('counts product views, add-to-cart and purchases per category in the window; purchases all time', () => {
    const f = fold([
      ev('product_view', 2, { sku: 'a', category: 'Shoes' }),
      ev('product_view', 3, { sku: 'b', category: 'shoes > trail' }),
      ev('add_to_cart', 4, { sku: 'b', category: 'Shoes' }),
      ev('product_view', 5, { sku: 'c', category: 'Bags' }),
      ev('product_view', 200, { sku: 'd', category: 'Hats' }), // outside the window
      ev('view_page', 1, { category: 'Ignored' }), // pages have no product category
      buy('o1', 300, 40, { category: 'Hats' }),
      buy('o2', 10, 60, { category: 'Shoes' }),
    ]);
    expect(f.categoryInterest).toEqual({ shoes: 4, bags: 1 });
    expect(f.purchasedCategories).toEqual(['hats', 'shoes']);
  });

  it('keeps the 20 most frequent categories', () => {
    const events = Array.from({ length: 30 }, (_, i) => Array.from({ length: i + 1 }, () => ev('product_view', 1, { sku: 's', category: `c${String(i).padStart(2, '0')}` }))).flat();
    const f = fold(events);
    expect(Object.keys(f.categoryInterest)).toHaveLength(20);
    expect(Object.keys(f.categoryInterest)[0]).toBe('c29');
    expect(f.categoryInterest.c09).toBeUndefined();
  });
});

describe('the fold: order values in the reference currency', () => {
  it.each<[string, FoldableEvent[], boolean, Record<string, unknown>]>([
    ['no currency: as sent, the reference', [buy('o1', 10, 100)], true, { orderCount: 1, averageOrderValue: 100, orderValueCurrency: 'USD' }],
    ['EUR lines at their order date', [buy('o1', 10, 100, { currency: 'EUR' }), buy('o2', 20, 50)], true, { orderTotal: 167, averageOrderValue: 83.5 }],
    ['JPY in October 2025 by the July 2025 table', [buy('o1', 400, 10_000, { currency: 'JPY' })], true, { averageOrderValue: 69 }],
    ['a currency without a rate: the order counts, its value does not', [buy('o1', 10, 100, { currency: 'XAU' }), buy('o2', 20, 40)], true, { orderCount: 2, orderTotal: 40, averageOrderValue: 40 }],
    ['only such orders: no value at all', [buy('o1', 10, 100, { currency: 'XAU' })], true, { orderCount: 1, averageOrderValue: null }],
    ['without a converter (v1): summed as sent, currency unknown', [buy('o1', 10, 100, { currency: 'EUR' }), buy('o2', 20, 50)], false, { averageOrderValue: 75, orderValueCurrency: null }],
  ])('%s', (_l, events, converted, want) => {
    expect(fold(events, converted)).toMatchObject(want);
  });
});

describe('categoryMatchOf', () => {
  it.each<[Record<string, number> | undefined, string[] | undefined, number | null]>([
    [{ shoes: 3, bags: 1 }, ['shoes'], 0.75],
    [{ shoes: 3, bags: 1 }, ['shoes', 'bags'], 1],
    [{ shoes: 3 }, ['hats'], 0],
    [{ a: 1, b: 1, c: 1 }, ['a'], 0.3333],
    [{}, ['shoes'], null],
    [{ shoes: 1 }, [], null],
    [undefined, ['shoes'], null],
  ])('%j against %j = %j', (interest, preferred, want) => expect(categoryMatchOf(interest, preferred)).toBe(want));
});

describe('scoreInputsOf: the customer file and the events together', () => {
  const draft: ContactDraft = {
    e164: '+12125550100', extension: null, lineType: 'mobile', country: 'US', region: 'NY', currency: 'USD', language: 'en', timeZones: ['America/New_York'],
    name: null, emails: [], channelTags: [], channelTag: null, sources: ['t'], deviceIds: [], lastOrderAt: null, orderValue: null, orderCurrency: null,
    registeredAt: null, firstOrderAt: null, orderCount: null, shippingAddress: null, consents: [],
  };
  const facts: ContactFacts = contactFactsOf(undefined, 'reachable');

  it.each<[string, Partial<ContactDraft>, Partial<ContactFacts>, Record<string, unknown>]>([
    ['nothing known: no orders', {}, {}, { orderCount: 0, lastOrderAt: null, firstOrderAt: null, averageOrderValue: null, orderCurrency: null, categoryMatch: null }],
    ['a last order time alone is one order', { lastOrderAt: ago(30) }, {}, { orderCount: 1, lastOrderAt: ago(30) }],
    ['an order value alone is one order', { orderValue: 40 }, {}, { orderCount: 1, averageOrderValue: 40 }],
    ['the file counts more orders than the events saw', { orderCount: 12, lastOrderAt: ago(100), firstOrderAt: ago(900) }, { orderCount: 2, firstOrderAt: ago(300), lastOrderAt: ago(20), averageOrderValue: 80, orderValueCurrency: 'USD', repurchaseIntervalDays: 280 }, { orderCount: 12, firstOrderAt: ago(900), lastOrderAt: ago(20), averageOrderValue: 80, orderCurrency: 'USD', repurchaseIntervalDays: null }],
    ['the events saw every order: their median interval', { orderCount: 2, lastOrderAt: ago(20), firstOrderAt: ago(300) }, { orderCount: 3, firstOrderAt: ago(300), lastOrderAt: ago(20), averageOrderValue: 80, repurchaseIntervalDays: 140 }, { orderCount: 3, repurchaseIntervalDays: 140 }],
    ['no first order in the file: the events\' median', { orderCount: 9 }, { orderCount: 2, repurchaseIntervalDays: 30, averageOrderValue: 10 }, { orderCount: 9, repurchaseIntervalDays: 30 }],
    ['the file\'s value in the file\'s currency until there are purchase events', { orderValue: 300, orderCurrency: 'CNY' }, {}, { averageOrderValue: 300, orderCurrency: 'CNY' }],
    ['category match: recent interest against what the contact buys', {}, { categoryInterest: { shoes: 3, bags: 1 }, purchasedCategories: ['shoes'] }, { categoryMatch: 0.75 }],
    ['browsing', {}, { browseEvents: 7 }, { browseEvents: 7 }],
  ])('%s', (_l, d, f, want) => {
    expect(scoreInputsOf({ ...draft, ...d }, { ...facts, ...f })).toMatchObject(want);
  });

  it('contactFactsOf reads the fold\'s facts back from contacts.activity', () => {
    const activity = withEventFacts({ consecutiveFailures: 1 }, fold([
      ev('product_view', 2, { sku: 'a', category: 'Shoes' }),
      ev('view_page', 3),
      ev('add_to_cart', 4, { category: 'Bags' }),
      buy('o1', 40, 100, { category: 'Shoes' }),
      buy('o2', 10, 100, { currency: 'EUR' }),
    ]));
    const read = contactFactsOf({ activity: JSON.parse(JSON.stringify(activity)), complaints: 0, sameRangeRegistrations: 0, sameDeviceRegistrations: 0 }, 'reachable');
    expect(read).toMatchObject({
      consecutiveDeliveryFailures: 1,
      browseEvents: 3,
      orderCount: 2,
      firstOrderAt: ago(40),
      lastOrderAt: ago(10),
      averageOrderValue: 108.5,
      orderValueCurrency: 'USD',
      categoryInterest: { shoes: 2, bags: 1 },
      purchasedCategories: ['shoes'],
    });
    // A stored activity of an older shape (or a hand-edited one) reads as nothing known.
    expect(contactFactsOf({ activity: { categoryInterest: 'x', purchasedCategories: 3, recentCounts: null }, complaints: 0, sameRangeRegistrations: 0, sameDeviceRegistrations: 0 }, 'reachable')).toMatchObject({
      browseEvents: 0,
      categoryInterest: {},
      purchasedCategories: [],
    });
  });

  it('one customer end to end under v2: file orders and events move it from C to A, every part explained', () => {
    const fileOnly = { ...draft, lastOrderAt: ago(400), orderValue: 45, orderCount: 1 };
    const before = evaluateContact(fileOnly, facts, SCORE_POLICY_V2, NOW);
    expect(before.tier.tier).toBe('C');
    const activity = withEventFacts({}, fold([
      ev('login', 2),
      ev('link_click', 3),
      ev('product_view', 3, { sku: 'a', category: 'Shoes' }),
      ev('product_view', 4, { sku: 'b', category: 'Shoes' }),
      buy('o2', 100, 90, { category: 'Shoes' }),
      buy('o3', 60, 120, { category: 'Shoes' }),
      buy('o4', 8, 95, { category: 'Shoes' }),
    ]));
    const after = evaluateContact(fileOnly, contactFactsOf({ activity, complaints: 0, sameRangeRegistrations: 0, sameDeviceRegistrations: 0 }, 'reachable'), SCORE_POLICY_V2, NOW);
    expect(after.tier.tier).toBe('A');
    const part = (rule: string) => after.score.parts.find((p) => p.rule === rule)!;
    expect(part('commercial.recency')).toMatchObject({ value: ago(8), points: 15 });
    expect(part('commercial.frequency')).toMatchObject({ value: 3, points: 4 });
    expect(part('commercial.categoryMatch')).toMatchObject({ value: 1, points: 6 });
    expect(part('activity.browsing')).toMatchObject({ value: 2, points: 2 });
    expect(after.score.parts.reduce((a, p) => a + Math.round(p.points * 100), 0) / 100).toBe(after.score.total);
  });
});
