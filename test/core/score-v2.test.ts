import { describe, expect, it } from 'vitest';
import rawV1 from '../../core/policy/score-policy.v1.json';
import rawV2 from '../../core/policy/score-policy.v2.json';
import { groupPoints, scoreContact, type ScoreInputs } from '../../core/score';
import { orderCurrencyOf, rateOf, repurchaseIntervalOf, toReference } from '../../core/score-commercial';
import type { ScorePart } from '../../core/score-parts';
import { CURRENT_SCORE_POLICY, parseScorePolicy, SCORE_POLICIES, SCORE_POLICY_V1, SCORE_POLICY_V2, ScorePolicyError, versionNumber } from '../../core/score-policy';
import { riskOf } from '../../core/score-risk';
import { tierOf } from '../../core/tier';

const P = SCORE_POLICY_V2;
const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY).toISOString();

/** Scores 0 under v2 as under v1: unreachable + unknown line type, no other input. */
const ZERO: ScoreInputs = { validity: 'unreachable', lineType: 'unknown' };
const sumParts = (parts: ScorePart[]) => parts.reduce((a, p) => a + Math.round(p.points * 100), 0) / 100;

describe('policy v2: published beside v1, the current one', () => {
  it('validates, and v1 stays as published', () => {
    expect(P.version).toBe('score-policy.v2');
    expect(parseScorePolicy(structuredClone(rawV2))).toEqual(P);
    expect(parseScorePolicy(structuredClone(rawV1))).toEqual(SCORE_POLICY_V1);
    expect([...SCORE_POLICIES.keys()]).toEqual(['score-policy.v1', 'score-policy.v2']);
    expect(CURRENT_SCORE_POLICY).toBe(P);
    expect(versionNumber(P.version)).toBe(2);
  });
  it('the zero baseline scores 0 and lists every rule, the new ones included', () => {
    const s = scoreContact(ZERO, P, NOW);
    expect(s.total).toBe(0);
    expect(s.policyVersion).toBe('score-policy.v2');
    expect(s.parts.map((p) => p.rule.split('.').slice(0, 2).join('.'))).toEqual([
      'reachability.validity',
      'reachability.lineType',
      'reachability.consecutiveDeliveryFailures',
      'activity.recentLogin',
      'activity.smsReplies',
      'activity.clicks',
      'activity.socialInteractions',
      'activity.browsing',
      'activity.recencyDecay',
      'commercial.recency',
      'commercial.frequency',
      'commercial.lifetimeValue',
      'commercial.averageOrderValue',
      'commercial.repurchaseIntervalDays',
      'commercial.categoryMatch',
      'risk.complaints',
      'risk.rejectionRate',
      'risk.lineType',
      'risk.virtualRange',
      'risk.sameRangeRegistrations',
      'risk.sameDeviceRegistrations',
    ]);
  });
  it('v1 scores the new inputs as it always did: no recency, frequency, lifetime value or browsing rule', () => {
    const inputs: ScoreInputs = { ...ZERO, lastOrderAt: daysAgo(3), orderCount: 9, averageOrderValue: 100, orderCurrency: 'EUR', browseEvents: 5 };
    const s = scoreContact(inputs, SCORE_POLICY_V1, NOW);
    expect(s.total).toBe(12); // v1's averageOrderValue band for 80, the amount read as USD (v1 has no rate table)
    expect(s.parts.some((p) => /recency$|frequency|lifetimeValue|browsing/.test(p.rule))).toBe(false);
  });
});

describe('v2: each new input alone (everything else at the zero baseline)', () => {
  // [label, patch, rule whose part carries the points, expected points]
  const rows: [string, Partial<ScoreInputs>, string, number][] = [
    ['last order 10 days ago', { lastOrderAt: daysAgo(10) }, 'commercial.recency', 15],
    ['last order exactly 30 days ago', { lastOrderAt: daysAgo(30) }, 'commercial.recency', 15],
    ['last order 31 days ago', { lastOrderAt: daysAgo(31) }, 'commercial.recency', 10],
    ['last order 120 days ago', { lastOrderAt: daysAgo(120) }, 'commercial.recency', 6],
    ['last order 300 days ago', { lastOrderAt: daysAgo(300) }, 'commercial.recency', 3],
    ['last order 366 days ago', { lastOrderAt: daysAgo(366) }, 'commercial.recency', 0],
    ['last order in the future (clock skew) counts as now', { lastOrderAt: '2026-03-02T00:00:00Z' }, 'commercial.recency', 15],
    ['1 order', { orderCount: 1 }, 'commercial.frequency', 0],
    ['2 orders', { orderCount: 2 }, 'commercial.frequency', 4],
    ['5 orders', { orderCount: 5 }, 'commercial.frequency', 8],
    ['40 orders', { orderCount: 40 }, 'commercial.frequency', 12],
    ['lifetime 99.99 (given)', { totalOrderValue: 99.99 }, 'commercial.lifetimeValue', 0],
    ['lifetime 100 (given)', { totalOrderValue: 100 }, 'commercial.lifetimeValue', 3],
    ['lifetime 1500 (given)', { totalOrderValue: 1500 }, 'commercial.lifetimeValue', 12],
    ['browsing 3', { browseEvents: 3 }, 'activity.browsing', 3],
    ['browsing 50: cap', { browseEvents: 50 }, 'activity.browsing', 6],
    ['repurchase every 20 d (given)', { repurchaseIntervalDays: 20 }, 'commercial.repurchaseIntervalDays', 8],
    ['repurchase derived: 4 orders in 150 days = every 50', { orderCount: 4, firstOrderAt: daysAgo(400), lastOrderAt: daysAgo(250) }, 'commercial.repurchaseIntervalDays', 5],
    ['category match 1', { categoryMatch: 1 }, 'commercial.categoryMatch', 6],
    ['category match 0.25', { categoryMatch: 0.25 }, 'commercial.categoryMatch', 1.5],
  ];
  it.each(rows)('%s -> %d', (_label, patch, rule, want) => {
    const s = scoreContact({ ...ZERO, ...patch }, P, NOW);
    const hit = s.parts.filter((p) => p.rule === rule);
    expect(hit).toHaveLength(1);
    expect(hit[0]!.points).toBe(want);
    expect(hit[0]!.note.length).toBeGreaterThan(5);
    // The derived interval's orders also score frequency (4 orders: +8) and recency (250 days: +3), nothing else.
    const others = s.parts.filter((p) => p.rule !== rule).reduce((a, p) => a + p.points, 0);
    expect(others).toBe(rule === 'commercial.repurchaseIntervalDays' && patch.orderCount ? 11 : 0);
  });

  it.each<[string, Partial<ScoreInputs>, number, number]>([
    // [label, patch, average-order points, lifetime points]
    ['AOV 29.99, one order', { averageOrderValue: 29.99, orderCount: 1 }, 0, 0],
    ['AOV 30, one order', { averageOrderValue: 30, orderCount: 1 }, 3, 0],
    ['AOV 80 x 5 orders = 400', { averageOrderValue: 80, orderCount: 5 }, 6, 7],
    ['AOV 250 x 6 = 1500', { averageOrderValue: 250, orderCount: 6 }, 9, 12],
    ['AOV 50, no count: one order', { averageOrderValue: 50 }, 3, 0],
  ])('order value: %s', (_l, patch, aovPoints, ltvPoints) => {
    const s = scoreContact({ ...ZERO, ...patch }, P, NOW);
    expect(s.parts.find((p) => p.rule === 'commercial.averageOrderValue')!.points).toBe(aovPoints);
    expect(s.parts.find((p) => p.rule === 'commercial.lifetimeValue')!.points).toBe(ltvPoints);
  });
});

describe('v2: order values in other currencies, by the dated rate table', () => {
  it.each<[string, string | null, string | null, number | null, string | null]>([
    // [label, currency, order date, rate, table]
    ['the reference currency', 'USD', '2026-02-01T00:00:00Z', 1, null],
    ['no currency: the reference', null, '2026-02-01T00:00:00Z', 1, null],
    ['EUR in 2026: the 2026 table', 'EUR', '2026-02-01T00:00:00Z', 1.17, '2026-01-01'],
    ['GBP in March 2025: the January 2025 table', 'GBP', '2025-03-01T00:00:00Z', 1.25, '2025-01-01'],
    ['GBP on the day a table starts', 'GBP', '2025-07-01T00:00:00Z', 1.37, '2025-07-01'],
    ['GBP in 2023, older than every table: the earliest', 'GBP', '2023-05-01T00:00:00Z', 1.25, '2025-01-01'],
    ['CNY with no order date: the latest table', 'CNY', null, 0.142, '2026-01-01'],
    ['a currency without a rate', 'XAU', '2026-02-01T00:00:00Z', null, null],
  ])('%s', (_l, currency, at, rate, from) => {
    const r = rateOf(P, currency, at === null ? null : Date.parse(at));
    if (rate === null) expect(r).toBeNull();
    else expect(r).toEqual({ rate, from });
  });

  it('a policy without a rate table (v1) reads every amount as its reference currency', () => {
    expect(rateOf(SCORE_POLICY_V1, 'JPY', null)).toEqual({ rate: 1, from: null });
    expect(orderCurrencyOf(SCORE_POLICY_V1)).toBeUndefined();
    expect(orderCurrencyOf(P)!.toReference(1000, 'JPY', '2026-02-01T00:00:00Z')).toBe(6.4);
    expect(toReference(P, 100, undefined, '2026-02-01T00:00:00Z')).toBe(100);
  });

  it('converts before the bands and says how', () => {
    // 1,000 CNY at 0.142 = 142 USD: >= 80 (+6), lifetime 3 x 142 = 426 (+7).
    const s = scoreContact({ ...ZERO, averageOrderValue: 1000, orderCount: 3, orderCurrency: 'CNY', lastOrderAt: daysAgo(20) }, P, NOW);
    const aov = s.parts.find((p) => p.rule === 'commercial.averageOrderValue')!;
    expect(aov).toMatchObject({ value: 142, points: 6 });
    expect(aov.note).toBe('average order 142 USD (CNY at 0.142 of 2026-01-01) >= 80: +6');
    expect(s.parts.find((p) => p.rule === 'commercial.lifetimeValue')).toMatchObject({ value: 426, points: 7 });
  });

  it('a currency the policy has no rate for is not scored, and the parts say so', () => {
    const s = scoreContact({ ...ZERO, averageOrderValue: 500, orderCount: 2, orderCurrency: 'XAU' }, P, NOW);
    for (const rule of ['commercial.averageOrderValue', 'commercial.lifetimeValue']) {
      const part = s.parts.find((p) => p.rule === rule)!;
      expect(part.points).toBe(0);
      expect(part.note).toMatch(/XAU, which has no rate in the policy/);
    }
    expect(s.total).toBe(4); // the two orders still count (frequency)
  });

  it('refuses a currency that is not a code', () => {
    expect(() => scoreContact({ ...ZERO, averageOrderValue: 5, orderCurrency: 'euro' }, P, NOW)).toThrow(/orderCurrency: expected an ISO 4217 code/);
  });
});

describe('v2: the repurchase interval from the orders\' count and span', () => {
  it.each<[string, Partial<ScoreInputs>, number | null, RegExp | null]>([
    ['given wins over count and span', { repurchaseIntervalDays: 12, orderCount: 3, firstOrderAt: daysAgo(300), lastOrderAt: daysAgo(10) }, 12, null],
    ['3 orders over 100 days: every 50', { orderCount: 3, firstOrderAt: daysAgo(110), lastOrderAt: daysAgo(10) }, 50, /3 orders in 100 days/],
    ['one order: none', { orderCount: 1, firstOrderAt: daysAgo(110), lastOrderAt: daysAgo(10) }, null, null],
    ['no first order: none', { orderCount: 5, lastOrderAt: daysAgo(10) }, null, null],
    ['first = last: none', { orderCount: 2, firstOrderAt: daysAgo(10), lastOrderAt: daysAgo(10) }, null, null],
  ])('%s', (_l, patch, days, derived) => {
    const r = repurchaseIntervalOf({ ...ZERO, ...patch });
    expect(r?.days ?? null).toBe(days);
    if (derived) expect(r!.derived).toMatch(derived);
  });
});

describe('v2: explanation parts sum to the total', () => {
  const combos: ScoreInputs[] = [
    { validity: 'reachable', lineType: 'mobile', lastLoginAt: daysAgo(2), smsReplies: 1, clicks: 7, lastActivityAt: daysAgo(11.3), browseEvents: 4, lastOrderAt: daysAgo(12.5), firstOrderAt: daysAgo(400), orderCount: 7, averageOrderValue: 123.45, orderCurrency: 'EUR', categoryMatch: 0.37 },
    { validity: 'reachable', lineType: 'voip', smsReplies: 3, lastActivityAt: daysAgo(17.77), messagesSent: 7, messagesRejected: 3, orderCount: 2, averageOrderValue: 9999.99, orderCurrency: 'JPY' },
    { validity: 'unknown', lineType: 'fixed_or_mobile', lastOrderAt: '2025-02-20T08:15:00+08:00', orderCount: 1, totalOrderValue: 77.77, averageOrderValue: 77.77 },
  ];
  it.each(combos.map((c, i) => [i, c] as const))('combo %i', (_i, inputs) => {
    const s = scoreContact(inputs, P, NOW);
    expect(sumParts(s.parts)).toBe(s.total);
    for (const p of s.parts) expect(Math.round(p.points * 100) / 100).toBe(p.points);
    expect(groupPoints(s, 'reachability') + groupPoints(s, 'activity') + groupPoints(s, 'commercial') - riskOf(inputs, P).points).toBeCloseTo(s.total, 9);
  });
});

describe('v2 tiers', () => {
  const persona = (inputs: ScoreInputs) => {
    const s = scoreContact(inputs, P, NOW);
    return { score: s, tier: tierOf(s, riskOf(inputs, P), inputs, P) };
  };
  const reachable = { validity: 'reachable', lineType: 'mobile' } as const;
  it.each<[string, ScoreInputs, 'A' | 'B' | 'C' | 'D']>([
    [
      'frequent high-value buyer, active this week',
      { ...reachable, lastLoginAt: daysAgo(3), clicks: 2, lastActivityAt: daysAgo(3), browseEvents: 6, lastOrderAt: daysAgo(12), firstOrderAt: daysAgo(700), orderCount: 14, averageOrderValue: 95, categoryMatch: 0.6 },
      'A',
    ],
    ['the same buyer, no activity in 90 days', { ...reachable, lastOrderAt: daysAgo(12), firstOrderAt: daysAgo(700), orderCount: 14, averageOrderValue: 95 }, 'B'],
    ['two recent mid-value orders, no events', { ...reachable, lastOrderAt: daysAgo(40), firstOrderAt: daysAgo(100), orderCount: 2, averageOrderValue: 70 }, 'B'],
    ['one order 2 years ago', { ...reachable, lastOrderAt: daysAgo(730), orderCount: 1, averageOrderValue: 45 }, 'C'],
    ['never ordered, browses a lot', { ...reachable, lastLoginAt: daysAgo(1), browseEvents: 30, clicks: 3, lastActivityAt: daysAgo(1) }, 'C'],
    ['dead number with a great history', { validity: 'unreachable', lineType: 'mobile', lastOrderAt: daysAgo(5), orderCount: 30, averageOrderValue: 300 }, 'D'],
    ['batch-registered VoIP number', { validity: 'reachable', lineType: 'voip', virtualRange: true, sameDeviceRegistrations: 6, lastOrderAt: daysAgo(2), orderCount: 1, averageOrderValue: 300 }, 'D'],
  ])('%s -> %s', (_l, inputs, tier) => {
    const { tier: t } = persona(inputs);
    expect(t.tier).toBe(tier);
    expect(t.reasons.length).toBeGreaterThan(0);
  });
  it('names the commercial check when it decides', () => {
    const { tier } = persona({ ...reachable, lastLoginAt: daysAgo(1), browseEvents: 30, clicks: 5, smsReplies: 3, lastActivityAt: daysAgo(1), orderCount: 1, averageOrderValue: 30, lastOrderAt: daysAgo(600) });
    expect(tier.tier).toBe('C');
    expect(tier.reasons.join('\n')).toMatch(/not B: commercial points 3 < 10/);
  });
  it('the average order value check is in the reference currency', () => {
    const inputs: ScoreInputs = { ...reachable, lastLoginAt: daysAgo(1), clicks: 5, lastActivityAt: daysAgo(1), lastOrderAt: daysAgo(5), firstOrderAt: daysAgo(200), orderCount: 9, averageOrderValue: 3000, orderCurrency: 'JPY' };
    const { score, tier } = persona(inputs);
    expect(score.total).toBeGreaterThan(P.tiers.A.minScore);
    expect(tier.tier).toBe('B'); // 3,000 JPY = 19.2 USD < A's 30
    expect(tier.reasons.join('\n')).toMatch(/average order value 19.2 < 30/);
  });
});

describe('malformed v2 policies are rejected with a clear error', () => {
  type Mut = (p: Record<string, any>) => unknown;
  it.each<[string, Mut, RegExp]>([
    ['rate tables out of order', (p) => (p.currencies.rates.reverse(), p), /currencies\.rates\.\d: .*strictly ascending/],
    ['a rate table with a bad date', (p) => ((p.currencies.rates[0].from = '2025-13-01'), p), /currencies\.rates\.0\.from/],
    ['a negative rate', (p) => ((p.currencies.rates[0].perUnit.EUR = -1), p), /currencies\.rates\.0\.perUnit\.EUR/],
    ['a rate for the reference currency', (p) => ((p.currencies.rates[1].perUnit.USD = 1), p), /the reference currency USD has no rate/],
    ['recency bands out of order', (p) => (p.commercial.recency.reverse(), p), /commercial\.recency\.\d: .*strictly ascending/],
    ['a fractional frequency', (p) => ((p.commercial.frequency[0].atLeast = 1.5), p), /commercial\.frequency\.0\.atLeast/],
    ['A needs less commerce than B', (p) => ((p.tiers.A.minCommercialPoints = 1), p), /A\.minCommercialPoints must be >= B\.minCommercialPoints/],
    ['typo in a new section', (p) => ((p.commercial.lifetimeValues = []), p), /commercial: .*lifetimeValues/],
  ])('%s', (_l, mutate, message) => {
    let err: unknown;
    try {
      parseScorePolicy(mutate(structuredClone(rawV2) as Record<string, any>), 'v2.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScorePolicyError);
    expect((err as Error).message).toMatch(message);
  });
});
