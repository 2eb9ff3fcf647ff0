import { describe, expect, it } from 'vitest';
import { contactFactsOf, withEventFacts } from '../../core/activity';
import { evaluateContact } from '../../core/evaluate';
import { causeOf, foldEvents, type FoldableEvent } from '../../core/event-fold';
import {
  DEFAULT_RULES,
  normalizeEventName,
  parseTagRules,
  resolveTag,
  STANDARD_TAGS,
  TagRulesError,
  type StandardTag,
} from '../../core/events';
import { parseEvent, type EventParseContext } from '../../core/event-parse';
import { FieldMappingError, parseFieldMapping, renameFields } from '../../core/event-fields';
import type { ContactDraft } from '../../core/intake/merge';
import { contactDraft } from '../helpers/drafts';
import { SCORE_POLICY_V1 } from '../../core/score-policy';

const NOW = new Date('2026-11-25T12:00:00Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();
/** The operator's files (`events import`): sequential contact ids are taken. */
const ctx: EventParseContext = { defaultSource: 'test', sequentialIds: true, now: NOW };

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
    [{ tagz: {} }, /Unrecognized key: "tagz"; the rules' keys are: description, tags, properties, fields, replaceDefaults/],
    [{ properties: { purchase: { order_id: 5 } } }, /properties\.purchase\.order_id/],
    [[1], /\(root\)/],
  ])('rejects bad rules %j', (raw, message) => {
    expect(() => parseTagRules(raw, 'rules.json')).toThrow(TagRulesError);
    expect(() => parseTagRules(raw, 'rules.json')).toThrow(message);
  });
});

const base = { event_id: 'e1', event: 'order_paid', phone: '+86 138 0013 8000', occurred_at: '2026-11-20T10:15:00+08:00', properties: { order_id: 'o1', product_id: 'p1', price: '129.50', quantity: 2 } };

describe('parseEvent', () => {
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
      warnings: [],
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
    ['a customer id that is an object', { ...base, phone: undefined, external_id: { id: 1 } }, 'invalid_customer_id'],
  ])('rejects %s', (_what, raw, reason) => {
    const r = parseEvent(raw, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.message.length).toBeGreaterThan(5);
      expect(r.message).not.toContain('13800138000'); // never echoes the number
    }
  });

  it.each([
    ['a product_view without sku', { ...base, event: 'item_detail_view', properties: { page: 2 } }, 'product_view', { page: 2 }, [['properties.sku', 'missing_property']]],
    ['a purchase without order_id', { ...base, properties: { product_id: 'p1', price: '10' } }, 'purchase', { product_id: 'p1', price: 10, quantity: 1 }, [['properties.order_id', 'missing_property']]],
    ['a negative price', { ...base, properties: { order_id: 'o', product_id: 'p', price: -1 } }, 'purchase', { order_id: 'o', product_id: 'p', quantity: 1 }, [['properties.price', 'invalid_property']]],
    ['an ad_click without campaign', { ...base, event: 'ad_click', properties: {} }, 'ad_click', {}, [['properties.campaign', 'missing_property']]],
    ['properties as an array', { ...base, event: 'login', properties: [1] }, 'login', {}, [['properties', 'invalid_properties']]],
    ['huge properties', { ...base, event: 'x', properties: { blob: 'x'.repeat(20_000) } }, null, {}, [['properties', 'properties_too_large']]],
  ] as const)('stores %s without the bad property, with a warning', (_what, raw, tag, properties, warned) => {
    const r = parseEvent(raw, ctx);
    if (!r.ok) throw new Error(`rejected: ${r.reason}`);
    expect([r.event.tag, r.event.properties]).toEqual([tag, properties]);
    expect(r.warnings.map((w) => [w.field, w.reason])).toEqual(warned);
  });

  it('names the bad property in the warning', () => {
    const r = parseEvent({ ...base, properties: { order_id: 'o', product_id: 'p', price: 'cheap' } }, ctx);
    expect(r.ok && r.warnings[0]!.detail).toMatch(/^purchase: price must be a number/);
  });
});

describe('parseEvent: contact_id, by reference (the API) or also by sequential id (files)', () => {
  const api: EventParseContext = { ...ctx, sequentialIds: false };
  const REF = 'ct_0123456789abcdef0123456789abcdef';
  const subject = (raw: unknown, c: EventParseContext) => {
    const r = parseEvent(raw, c);
    return r.ok ? r.event.subject : { reason: r.reason, message: r.message };
  };

  it.each([
    ['a reference', REF, { kind: 'ref', ref: REF }, { kind: 'ref', ref: REF }],
    ['a reference with spaces around it', ` ${REF} `, { kind: 'ref', ref: REF }, { kind: 'ref', ref: REF }],
    // Malformed references are looked up like any other (and found by none): no separate answer to probe.
    ['a malformed reference', 'ct_42', { kind: 'ref', ref: 'ct_42' }, { kind: 'ref', ref: 'ct_42' }],
    ['a word', 'bob', { kind: 'ref', ref: 'bob' }, { kind: 'ref', ref: 'bob' }],
    ['a sequential id', 42, { kind: 'contact', id: 42 }, { reason: 'sequential_contact_id' }],
    ['a sequential id as digits', '42', { kind: 'contact', id: 42 }, { reason: 'sequential_contact_id' }],
    ['a negative number', -3, { reason: 'invalid_contact_id' }, { reason: 'sequential_contact_id' }],
    ['an object', { id: 42 }, { reason: 'invalid_contact_id' }, { reason: 'invalid_contact_id' }],
  ] as const)('%s: in a file, in the API', (_what, contactId, inFile, inApi) => {
    const raw = { ...base, phone: undefined, contact_id: contactId };
    expect(subject(raw, ctx)).toMatchObject(inFile);
    expect(subject(raw, api)).toMatchObject(inApi);
  });

  it('the API says how contacts are named when given a sequential id', () => {
    expect(subject({ ...base, contact_id: 42 }, api)).toEqual({ reason: 'sequential_contact_id', message: expect.stringMatching(/reference \(ct_ and 32 hex digits, as `reachloop contact show` prints it and every API answer gives it\), not its sequential id/) });
  });
});

describe('parseEvent: the customer id and the source\'s field names', () => {
  it('names the contact by customer id (of the event\'s id_source, else the import\'s), with the phone to fall back on', () => {
    const r = parseEvent({ ...base, external_id: 'C-7' }, ctx);
    expect(r.ok && r.event.subject).toEqual({ kind: 'customer', externalId: 'C-7', idSource: null, e164: '+8613800138000' });
    const n = parseEvent({ ...base, phone: undefined, customer_id: 42 }, { ...ctx, idSource: 'crm' });
    expect(n.ok && n.event.subject).toEqual({ kind: 'customer', externalId: '42', idSource: 'crm', e164: null });
    const own = parseEvent({ ...base, customer_id: 'C-7', id_source: 'shop' }, { ...ctx, idSource: 'crm' });
    expect(own.ok && own.event.subject).toMatchObject({ idSource: 'shop' });
  });

  it('a bad phone beside a customer id is a warning, not a reject', () => {
    const r = parseEvent({ ...base, phone: 'call me', external_id: 'C-7' }, ctx);
    expect(r.ok && [r.event.subject, r.warnings.map((w) => w.reason)]).toEqual([{ kind: 'customer', externalId: 'C-7', idSource: null, e164: null }, ['invalid_phone']]);
  });

  it('reads a source\'s own field names through the rules\' fields (either way round)', () => {
    const rules = parseTagRules({ fields: { ts: 'occurred_at', props: 'properties', country_hint: 'country', external_id: 'cust' } });
    const r = parseEvent({ event_id: 'e1', event: 'item_detail_view', cust: 'C-9', phone: '013800138000', country_hint: 'CN', ts: '2026-11-20T10:15:00+08:00', props: { sku: 'S-1' } }, { ...ctx, rules });
    expect(r.ok && r.event).toMatchObject({ occurredAt: '2026-11-20T02:15:00.000Z', properties: { sku: 'S-1' }, subject: { kind: 'customer', externalId: 'C-9', e164: '+8613800138000' } });
  });

  it('a field mapping that maps onto no event field is named', () => {
    expect(() => parseTagRules({ fields: { ts: 'when' } })).toThrow(/fields: "ts": "when" names no event field; fields are: event_id/);
    expect(() => parseFieldMapping([1])).toThrow(FieldMappingError);
  });

  it('renames only what the event has; the mapping\'s name wins', () => {
    expect(renameFields({ ts: 1, occurred_at: 2, x: 3 }, { ts: 'occurred_at', props: 'properties' })).toEqual({ occurred_at: 1, x: 3 });
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
  const draft: ContactDraft = contactDraft();
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
