import { describe, expect, it } from 'vitest';
import { contactFactsOf, withEventFacts } from '../../core/activity';
import { evaluateContact } from '../../core/evaluate';
import { causeOf, foldEvents, type FoldableEvent } from '../../core/event-fold';
import {
  DEFAULT_RULES,
  normalizeEventName,
  parseEvent,
  parseTagRules,
  resolveTag,
  STANDARD_TAGS,
  TagRulesError,
  type EventParseContext,
  type StandardTag,
} from '../../core/events';
import type { ContactDraft } from '../../core/intake/merge';
import { SCORE_POLICY_V1 } from '../../core/score-policy';

const NOW = new Date('2026-11-25T12:00:00Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();
const ctx: EventParseContext = { defaultSource: 'test', now: NOW };

describe('source names -> standard tags', () => {
  it.each([
    ['item_detail_view', 'product_view'],
    ['ItemDetailView', 'product_view'],
    [' item-detail-view ', 'product_view'],
    ['page_view', 'view_page'],
    ['pageView', 'view_page'],
    ['order_paid', 'purchase'],
    ['ORDER.PAID', 'purchase'],
    ['sign_up', 'register'],
    ['purchase', 'purchase'],
    ['sms_reply', 'sms_reply'],
    ['link_click', 'link_click'],
    ['unsubscribe', 'unsubscribe'],
    ['wishlist_add', null],
    ['', null],
  ] as const)('%j -> %s', (name, tag) => {
    expect(resolveTag(name)).toBe(tag);
  });

  it('every standard tag maps to itself', () => {
    for (const t of STANDARD_TAGS) expect(resolveTag(t)).toBe(t);
  });

  it.each([
    ['Item Detail View', 'item_detail_view'],
    ['checkout--completed', 'checkout_completed'],
    ['ｐａｇｅ＿ｖｉｅｗ', 'page_view'], // full-width (NFKC)
    ['a/b:c.d', 'a_b_c_d'],
  ])('normalises %j to %j', (name, out) => expect(normalizeEventName(name)).toBe(out));

  it('a rules file adds names and property renames, and can replace the defaults', () => {
    const rules = parseTagRules({ tags: { itemDetail: 'product_view', paySuccess: 'purchase' }, properties: { purchase: { order_id: 'orderNo' } } });
    expect(resolveTag('itemDetail', rules)).toBe('product_view');
    expect(resolveTag('item_detail', rules)).toBe('product_view');
    expect(resolveTag('page_view', rules)).toBe('view_page'); // defaults kept
    const only = parseTagRules({ tags: { hit: 'view_page' }, replaceDefaults: true });
    expect(resolveTag('page_view', only)).toBeNull();
    expect(resolveTag('hit', only)).toBe('view_page');
    expect(resolveTag('login', only)).toBe('login'); // standard tags always map to themselves
  });

  it.each([
    [{ tags: { x: 'not_a_tag' } }, /tags\.x: must be one of/],
    [{ tags: { purchase: 'login' } }, /a standard tag cannot be mapped to another/],
    [{ tagz: {} }, /Unrecognized key/],
    [{ properties: { purchase: { order_id: 5 } } }, /properties\.purchase\.order_id/],
    [[1], /\(root\)/],
  ])('rejects bad rules %j', (raw, message) => {
    expect(() => parseTagRules(raw, 'rules.json')).toThrow(TagRulesError);
    expect(() => parseTagRules(raw, 'rules.json')).toThrow(message);
  });
});

describe('parseEvent', () => {
  const base = { event_id: 'e1', event: 'order_paid', phone: '+86 138 0013 8000', occurred_at: '2026-11-20T10:15:00+08:00', properties: { order_id: 'o1', product_id: 'p1', price: '129.50', quantity: 2 } };

  it('normalises a purchase: phone to E.164, time to UTC, price coerced, source defaulted', () => {
    const r = parseEvent(base, ctx);
    expect(r).toEqual({
      ok: true,
      event: {
        eventId: 'e1',
        rawTag: 'order_paid',
        tag: 'purchase',
        occurredAt: '2026-11-20T02:15:00.000Z',
        properties: { order_id: 'o1', product_id: 'p1', price: 129.5, quantity: 2 },
        source: 'test',
        subject: { kind: 'phone', e164: '+8613800138000' },
      },
    });
  });

  it('keeps an unknown source name raw with its properties as sent (tag null)', () => {
    const r = parseEvent({ ...base, event: 'wishlist_add', properties: { anything: [1, 2] } }, ctx);
    expect(r.ok && r.event).toMatchObject({ tag: null, rawTag: 'wishlist_add', properties: { anything: [1, 2] } });
  });

  it('accepts aliases, epoch milliseconds, a contact id, a national number with the event country, and property renames', () => {
    const rules = parseTagRules({ tags: { itemDetail: 'product_view' }, properties: { product_view: { sku: 'itemSku' } } });
    const r = parseEvent({ event_id: 7, tag: 'itemDetail', timestamp: Date.parse('2026-11-01T00:00:00Z'), contact_id: '42', properties: { itemSku: 'S-1' } }, { ...ctx, rules });
    expect(r.ok && r.event).toMatchObject({ eventId: '7', tag: 'product_view', occurredAt: '2026-11-01T00:00:00.000Z', subject: { kind: 'contact', id: 42 }, properties: { sku: 'S-1' } });
    const n = parseEvent({ ...base, phone: '013800138000', country: 'cn' }, ctx);
    expect(n.ok && n.event.subject).toEqual({ kind: 'phone', e164: '+8613800138000' });
    const d = parseEvent({ ...base, phone: '013800138000' }, { ...ctx, defaultCountry: 'CN' });
    expect(d.ok && d.event.subject).toEqual({ kind: 'phone', e164: '+8613800138000' });
  });

  it.each([
    ['an array', [1], 'not_an_object'],
    ['no event_id', { ...base, event_id: undefined }, 'missing_event_id'],
    ['an object event_id', { ...base, event_id: { a: 1 } }, 'invalid_event_id'],
    ['a control character in event_id', { ...base, event_id: 'a\nb' }, 'invalid_event_id'],
    ['no event name', { ...base, event: '  ' }, 'missing_event_name'],
    ['no phone and no contact id', { ...base, phone: undefined }, 'missing_contact'],
    ['a phone that is not one', { ...base, phone: 'call me' }, 'invalid_phone'],
    ['a national number with no country', { ...base, phone: '013800138000' }, 'invalid_phone'],
    ['a negative contact id', { ...base, contact_id: -3 }, 'invalid_contact_id'],
    ['no time', { ...base, occurred_at: undefined }, 'invalid_time'],
    ['a time without offset', { ...base, occurred_at: '2026-11-20 10:15:00' }, 'invalid_time'],
    ['epoch seconds', { ...base, occurred_at: 1_763_000_000 }, 'invalid_time'],
    ['a time two hours ahead', { ...base, occurred_at: new Date(NOW.getTime() + 2 * 3_600_000).toISOString() }, 'future_time'],
    ['properties as an array', { ...base, properties: [1] }, 'invalid_properties'],
    ['a purchase without order_id', { ...base, properties: { product_id: 'p1', price: 10 } }, 'invalid_properties'],
    ['a negative price', { ...base, properties: { order_id: 'o', product_id: 'p', price: -1 } }, 'invalid_properties'],
    ['a product_view without sku', { ...base, event: 'item_detail_view', properties: {} }, 'invalid_properties'],
    ['an ad_click without campaign', { ...base, event: 'ad_click', properties: {} }, 'invalid_properties'],
    ['an sms_open without promo', { ...base, event: 'sms_open', properties: {} }, 'invalid_properties'],
    ['huge properties', { ...base, event: 'x', properties: { blob: 'x'.repeat(20_000) } }, 'too_large'],
  ])('rejects %s', (_what, raw, reason) => {
    const r = parseEvent(raw, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.message.length).toBeGreaterThan(5);
      expect(r.message).not.toContain('13800138000'); // never echoes the number
    }
  });

  it('names the bad property in the message', () => {
    const r = parseEvent({ ...base, properties: { order_id: 'o', product_id: 'p', price: 'cheap' } }, ctx);
    expect(!r.ok && r.message).toMatch(/^purchase: price must be a number/);
  });
});

const ev = (tag: StandardTag, daysAgo: number, properties: Record<string, unknown> = {}, id = `${tag}-${daysAgo}-${JSON.stringify(properties)}`): FoldableEvent => ({
  eventId: id,
  tag,
  occurredAt: ago(daysAgo),
  properties,
});
const buy = (order: string, daysAgo: number, price: number, quantity = 1, product = 'p') => ev('purchase', daysAgo, { order_id: order, product_id: product, price, quantity });

describe('foldEvents', () => {
  const fold = (events: FoldableEvent[]) => foldEvents(events, { now: NOW, windowDays: 90 });

  it('no events: nothing known', () => {
    expect(fold([])).toMatchObject({ lastLoginAt: null, lastActivityAt: null, smsReplies: 0, clicks: 0, socialInteractions: 0, orderCount: 0, averageOrderValue: null, repurchaseIntervalDays: null });
  });

  it.each<[string, FoldableEvent[], Record<string, unknown>]>([
    ['the latest login or register is the last login', [ev('login', 20), ev('register', 3), ev('login', 40)], { lastLoginAt: ago(3) }],
    ['replies, clicks (link, ad, open) and interactions count inside the window', [ev('sms_reply', 1), ev('sms_reply', 100), ev('link_click', 5), ev('ad_click', 6, { campaign: 'c' }), ev('sms_open', 7, { promo: 'x' }), ev('feedback_submit', 8), ev('customer_service_call', 95)], { smsReplies: 1, clicks: 3, socialInteractions: 1 }],
    ['last activity is the latest engagement, even outside the window; browsing is not engagement', [ev('sms_reply', 100), ev('view_page', 1), ev('product_view', 2, { sku: 's' })], { lastActivityAt: ago(100), lastEventAt: ago(1) }],
    ['browsing is counted per tag for segments', [ev('view_page', 1), ev('view_page', 2), ev('add_to_cart', 3), ev('view_page', 200)], { recentCounts: { view_page: 2, add_to_cart: 1 } }],
    ['one order of two lines (same order_id) is one order of their sum', [buy('o1', 10, 20, 2, 'a'), buy('o1', 10, 60, 1, 'b')], { orderCount: 1, orderTotal: 100, averageOrderValue: 100, repurchaseIntervalDays: null }],
    ['three orders: average value, median days between them', [buy('o1', 100, 50), buy('o2', 70, 150), buy('o3', 10, 100)], { orderCount: 3, averageOrderValue: 100, repurchaseIntervalDays: 45, firstOrderAt: ago(100), lastOrderAt: ago(10) }],
    ['orders count all time, not just the window', [buy('o1', 400, 10), buy('o2', 300, 30)], { orderCount: 2, averageOrderValue: 20, repurchaseIntervalDays: 100 }],
    ['an unsubscribe is remembered', [ev('unsubscribe', 2, { channel: 'sms' })], { unsubscribedAt: ago(2) }],
  ])('%s', (_what, events, expected) => {
    expect(fold(events)).toMatchObject(expected);
  });

  it('does not depend on the order of the events', () => {
    const events = [buy('o1', 100, 50), ev('sms_reply', 1), buy('o2', 70, 150), ev('login', 4), buy('o3', 10, 100), buy('o3', 10, 5, 1, 'x')];
    expect(fold([...events].reverse())).toEqual(fold(events));
  });
});

describe('events move the score and the tier, explainably', () => {
  const draft: ContactDraft = {
    e164: '+8613800138000', extension: null, lineType: 'mobile', country: 'CN', region: 'APAC', currency: 'CNY', language: 'zh', timeZones: ['Asia/Shanghai'],
    name: null, emails: [], channelTags: [], sources: ['t'], deviceIds: [], lastOrderAt: null, orderValue: null, consents: [],
  };
  const stored = { activity: {}, complaints: 0, sameRangeRegistrations: 0, sameDeviceRegistrations: 0 };

  it('a reachable contact with no events is C; logins, replies and orders make it A', () => {
    const before = evaluateContact(draft, contactFactsOf(stored, 'reachable'), SCORE_POLICY_V1, NOW);
    expect(before.tier.tier).toBe('C');
    const facts = foldEvents([ev('login', 1), ev('sms_reply', 2), ev('sms_reply', 3), buy('o1', 40, 300), buy('o2', 20, 250)], { now: NOW, windowDays: 90 });
    const activity = withEventFacts({ messagesSent: 3 }, facts);
    expect(activity.messagesSent).toBe(3); // keys the fold does not own are kept
    const after = evaluateContact(draft, contactFactsOf({ ...stored, activity }, 'reachable'), SCORE_POLICY_V1, NOW);
    expect(after.tier.tier).toBe('A');
    const part = (input: string) => after.score.parts.find((p) => p.input === input)!;
    expect(part('averageOrderValue')).toMatchObject({ value: 275, points: 20 });
    expect(part('repurchaseIntervalDays')).toMatchObject({ value: 20, points: 12 });
    expect(part('lastLoginAt').points).toBe(15);
    expect(part('smsReplies')).toMatchObject({ value: 2, points: 8 });
  });

  it('the imported order value is used until the contact has purchase events', () => {
    const facts = contactFactsOf(stored, 'reachable');
    const ev1 = evaluateContact({ ...draft, orderValue: 90 }, facts, SCORE_POLICY_V1, NOW);
    expect(ev1.score.parts.find((p) => p.input === 'averageOrderValue')!.value).toBe(90);
    const withEvents = contactFactsOf({ ...stored, activity: { averageOrderValue: 10 } }, 'reachable');
    expect(evaluateContact({ ...draft, orderValue: 90 }, withEvents, SCORE_POLICY_V1, NOW).score.parts.find((p) => p.input === 'averageOrderValue')!.value).toBe(10);
  });
});

describe('causeOf', () => {
  it.each<[StandardTag[], string]>([
    [['view_page', 'purchase', 'login'], 'event:purchase'],
    [['login', 'sms_reply'], 'event:sms_reply'],
    [['view_page'], 'event:view_page'],
    [[], 'event'],
  ])('%j -> %s', (tags, cause) => expect(causeOf(tags)).toBe(cause));

  it('every standard tag has a place in the priority', () => {
    for (const t of STANDARD_TAGS) expect(causeOf([t])).toBe(`event:${t}`);
  });
});

it('the default rules object is the parsed empty rules file', () => {
  expect(DEFAULT_RULES.tags.get('item_detail_view')).toBe('product_view');
});
