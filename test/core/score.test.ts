import { describe, expect, it } from 'vitest';
import rawPolicy from '../../core/policy/score-policy.v1.json';
import { LINE_TYPES, parseScorePolicy, SCORE_POLICY_V1, ScorePolicyError, VALIDITY_STATUSES, type ScorePolicy } from '../../core/score-policy';
import { riskOf } from '../../core/score-risk';
import type { ScorePart } from '../../core/score-parts';
import { groupPoints, scoreContact, type ScoreInputs, type ScoreResult } from '../../core/score';
import { tierOf } from '../../core/tier';
import { CONTACT_POLICY } from '../../core/policy/contact-policy';

const P = SCORE_POLICY_V1;
const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);

/** Scores 0 under v1: unreachable (0) + unknown line type (0), no other input. */
const ZERO: ScoreInputs = { validity: 'unreachable', lineType: 'unknown' };

const sumParts = (parts: ScorePart[]) => parts.reduce((a, p) => a + Math.round(p.points * 100), 0) / 100;

describe('policy v1', () => {
  it('validates and carries its version', () => {
    expect(P.version).toBe('score-policy.v1');
    expect(parseScorePolicy(structuredClone(rawPolicy))).toEqual(P);
  });
  it('the zero baseline scores 0 with every rule listed', () => {
    const s = scoreContact(ZERO, P, NOW);
    expect(s.total).toBe(0);
    expect(s.policyVersion).toBe('score-policy.v1');
    expect(s.parts.map((p) => p.rule.split('.').slice(0, 2).join('.'))).toEqual([
      'reachability.validity',
      'reachability.lineType',
      'reachability.consecutiveDeliveryFailures',
      'activity.recentLogin',
      'activity.smsReplies',
      'activity.clicks',
      'activity.socialInteractions',
      'activity.recencyDecay',
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
    expect(s.parts.every((p) => p.points === 0 && !Object.is(p.points, -0))).toBe(true);
  });
});

describe('each rule alone (everything else at the zero baseline)', () => {
  // [label, patch, rule prefix whose parts carry the points, expected points (score sign)]
  const rows: [string, Partial<ScoreInputs>, string, number][] = [
    ['validity reachable', { validity: 'reachable' }, 'reachability.validity', 40],
    ['validity suspected_disconnected', { validity: 'suspected_disconnected' }, 'reachability.validity', 10],
    ['validity unknown', { validity: 'unknown' }, 'reachability.validity', 15],
    ['line mobile', { lineType: 'mobile' }, 'reachability.lineType', 10],
    ['line fixed_or_mobile', { lineType: 'fixed_or_mobile' }, 'reachability.lineType', 6],
    ['line fixed', { lineType: 'fixed' }, 'reachability.lineType', 0],
    ['line voip: risk', { lineType: 'voip' }, 'risk.lineType', -15],
    ['line toll_free: risk', { lineType: 'toll_free' }, 'risk.lineType', -30],
    ['line premium_rate: risk', { lineType: 'premium_rate' }, 'risk.lineType', -40],
    ['line shared_cost: risk', { lineType: 'shared_cost' }, 'risk.lineType', -10],
    ['2 consecutive failures', { consecutiveDeliveryFailures: 2 }, 'reachability.consecutiveDeliveryFailures', -10],
    ['10 consecutive failures: floor', { consecutiveDeliveryFailures: 10 }, 'reachability.consecutiveDeliveryFailures', -20],
    ['login 3 days ago', { lastLoginAt: daysAgo(3) }, 'activity.recentLogin', 15],
    ['login exactly 7 days ago', { lastLoginAt: daysAgo(7) }, 'activity.recentLogin', 15],
    ['login 7 days + 1 s ago', { lastLoginAt: new Date(daysAgo(7).getTime() - 1000) }, 'activity.recentLogin', 8],
    ['login 30 days ago', { lastLoginAt: daysAgo(30) }, 'activity.recentLogin', 8],
    ['login 60 days ago (ISO string)', { lastLoginAt: '2025-12-31T12:00:00+00:00' }, 'activity.recentLogin', 3],
    ['login 91 days ago', { lastLoginAt: daysAgo(91) }, 'activity.recentLogin', 0],
    ['login in the future (clock skew) counts as now', { lastLoginAt: '2026-03-02T00:00:00Z' }, 'activity.recentLogin', 15],
    ['2 SMS replies', { smsReplies: 2 }, 'activity.smsReplies', 8],
    ['5 SMS replies: cap', { smsReplies: 5 }, 'activity.smsReplies', 12],
    ['3 clicks', { clicks: 3 }, 'activity.clicks', 6],
    ['10 clicks: cap', { clicks: 10 }, 'activity.clicks', 10],
    ['4 social', { socialInteractions: 4 }, 'activity.socialInteractions', 4],
    ['9 social: cap', { socialInteractions: 9 }, 'activity.socialInteractions', 6],
    ['last activity alone: nothing to decay', { lastActivityAt: daysAgo(300) }, 'activity.recencyDecay', 0],
    ['AOV 0', { averageOrderValue: 0 }, 'commercial.averageOrderValue', 0],
    ['AOV 29.99', { averageOrderValue: 29.99 }, 'commercial.averageOrderValue', 0],
    ['AOV 30', { averageOrderValue: 30 }, 'commercial.averageOrderValue', 5],
    ['AOV 80', { averageOrderValue: 80 }, 'commercial.averageOrderValue', 12],
    ['AOV 5000', { averageOrderValue: 5000 }, 'commercial.averageOrderValue', 20],
    ['repurchase every 30 d', { repurchaseIntervalDays: 30 }, 'commercial.repurchaseIntervalDays', 12],
    ['repurchase every 31 d', { repurchaseIntervalDays: 31 }, 'commercial.repurchaseIntervalDays', 8],
    ['repurchase every 180 d', { repurchaseIntervalDays: 180 }, 'commercial.repurchaseIntervalDays', 4],
    ['repurchase every 181 d', { repurchaseIntervalDays: 181 }, 'commercial.repurchaseIntervalDays', 0],
    ['category match 0.5', { categoryMatch: 0.5 }, 'commercial.categoryMatch', 4],
    ['category match 1', { categoryMatch: 1 }, 'commercial.categoryMatch', 8],
    ['1 complaint', { complaints: 1 }, 'risk.complaints', -25],
    ['5 complaints: cap', { complaints: 5 }, 'risk.complaints', -100],
    ['rejections below min sends', { messagesSent: 4, messagesRejected: 4 }, 'risk.rejectionRate', 0],
    ['rejection rate 50% over 10', { messagesSent: 10, messagesRejected: 5 }, 'risk.rejectionRate', -20],
    ['rejection rate 1/3 (rounded)', { messagesSent: 6, messagesRejected: 2 }, 'risk.rejectionRate', -13.33],
    ['virtual range', { virtualRange: true }, 'risk.virtualRange', -25],
    ['4 registrations same range', { sameRangeRegistrations: 4 }, 'risk.sameRangeRegistrations', 0],
    ['5 registrations same range', { sameRangeRegistrations: 5 }, 'risk.sameRangeRegistrations', -20],
    ['3 registrations same device', { sameDeviceRegistrations: 3 }, 'risk.sameDeviceRegistrations', -25],
  ];
  it.each(rows)('%s -> %d', (_label, patch, rule, want) => {
    const s = scoreContact({ ...ZERO, ...patch }, P, NOW);
    expect(s.total).toBe(want);
    const hit = s.parts.filter((p) => p.rule.startsWith(rule));
    expect(hit).toHaveLength(1);
    expect(hit[0]!.points).toBe(want);
    expect(s.parts.filter((p) => !p.rule.startsWith(rule)).every((p) => p.points === 0)).toBe(true);
    expect(hit[0]!.note.length).toBeGreaterThan(5);
  });

  it.each<[number, number]>([
    [0, 0],
    [30, -6], // engagement 12, half-life 30 d: half kept
    [60, -9], // a quarter kept
  ])('recency decay: 3 replies, last activity %d days ago -> %d', (age, decay) => {
    const s = scoreContact({ ...ZERO, smsReplies: 3, lastActivityAt: daysAgo(age) }, P, NOW);
    expect(s.parts.find((p) => p.rule === 'activity.recencyDecay')!.points).toBe(decay);
    expect(s.total).toBe(12 + decay);
  });
  it('no last-activity time: engagement is not decayed, and the part says so', () => {
    const s = scoreContact({ ...ZERO, clicks: 2 }, P, NOW);
    expect(s.parts.find((p) => p.rule === 'activity.recencyDecay')!.note).toMatch(/not decayed/);
  });
});

describe('explanation parts sum to the total', () => {
  const combos: ScoreInputs[] = [
    { validity: 'reachable', lineType: 'mobile', lastLoginAt: daysAgo(2), smsReplies: 1, clicks: 7, socialInteractions: 3, lastActivityAt: daysAgo(11.3), averageOrderValue: 123.45, repurchaseIntervalDays: 47, categoryMatch: 0.37 },
    { validity: 'reachable', lineType: 'voip', smsReplies: 3, lastActivityAt: daysAgo(17.77), messagesSent: 7, messagesRejected: 3, categoryMatch: 0.333 },
    { validity: 'suspected_disconnected', lineType: 'fixed', consecutiveDeliveryFailures: 3, complaints: 1, virtualRange: true, sameRangeRegistrations: 9, sameDeviceRegistrations: 4 },
    { validity: 'unknown', lineType: 'fixed_or_mobile', lastLoginAt: '2026-02-20T08:15:00+08:00', clicks: 1, lastActivityAt: '2026-02-01T00:00:00-05:00', averageOrderValue: 79.99 },
  ];
  it.each(combos.map((c, i) => [i, c] as const))('combo %i', (_i, inputs) => {
    const s = scoreContact(inputs, P, NOW);
    expect(sumParts(s.parts)).toBe(s.total);
    expect(s.parts.reduce((a, p) => a + p.points, 0)).toBeCloseTo(s.total, 9);
    for (const p of s.parts) {
      expect(Math.round(p.points * 100) / 100).toBe(p.points); // rounded to 0.01
      expect(typeof p.rule).toBe('string');
      expect(Object.keys(inputs).concat('validity', 'lineType', 'consecutiveDeliveryFailures', 'lastLoginAt', 'smsReplies', 'clicks', 'socialInteractions', 'lastActivityAt', 'averageOrderValue', 'repurchaseIntervalDays', 'categoryMatch', 'complaints', 'messagesRejected', 'virtualRange', 'sameRangeRegistrations', 'sameDeviceRegistrations')).toContain(p.input);
    }
    const risk = riskOf(inputs, P);
    expect(groupPoints(s, 'risk') + risk.points).toBe(0);
    expect(
      groupPoints(s, 'reachability') + groupPoints(s, 'activity') + groupPoints(s, 'commercial') - risk.points,
    ).toBeCloseTo(s.total, 9);
  });
  it('is a function of its inputs and `now` only', () => {
    const inputs = combos[0]!;
    expect(scoreContact(inputs, P, NOW)).toEqual(scoreContact(inputs, P, NOW.toISOString()));
    expect(scoreContact(inputs, P, new Date(NOW.getTime() + 40 * DAY)).total).toBeLessThan(scoreContact(inputs, P, NOW).total);
  });
});

describe('riskOf and the quarantine threshold', () => {
  it.each<[string, Partial<ScoreInputs>, number, boolean]>([
    ['clean mobile', { lineType: 'mobile' }, 0, false],
    ['voip + virtual range = 40', { lineType: 'voip', virtualRange: true }, 40, false],
    ['1 complaint + same-range burst = 45', { complaints: 1, sameRangeRegistrations: 5 }, 45, false],
    ['2 complaints = 50, exactly the threshold', { complaints: 2 }, 50, true],
    ['voip + virtual + same-range burst = 60', { lineType: 'voip', virtualRange: true, sameRangeRegistrations: 5 }, 60, true],
    ['rejection 100% over 5 sends + shared cost = 50', { lineType: 'shared_cost', messagesSent: 5, messagesRejected: 5 }, 50, true],
    ['rejection 9/10 + shared cost = 46', { lineType: 'shared_cost', messagesSent: 10, messagesRejected: 9 }, 46, false],
  ])('%s', (_l, patch, points, quarantined) => {
    const r = riskOf({ ...ZERO, ...patch }, P);
    expect(r.points).toBe(points);
    expect(r.quarantined).toBe(quarantined);
    expect(r.threshold).toBe(50);
    expect(r.reasons).toHaveLength(r.parts.filter((p) => p.points > 0).length);
  });
  it('the threshold is configurable', () => {
    const strict = parseScorePolicy({ ...structuredClone(rawPolicy), risk: { ...structuredClone(rawPolicy.risk), quarantineThreshold: 40 } });
    expect(riskOf({ ...ZERO, lineType: 'voip', virtualRange: true }, strict).quarantined).toBe(true);
    expect(riskOf({ ...ZERO, lineType: 'voip', virtualRange: true }, P).quarantined).toBe(false);
  });
  it('reasons name the inputs', () => {
    const r = riskOf({ ...ZERO, lineType: 'voip', complaints: 1 }, P);
    expect(r.reasons.join(' | ')).toMatch(/1 complaint.*\| line type voip: \+15/);
  });
});

describe('tierOf', () => {
  /** A synthetic score with a given total and activity weight, to hit the boundaries exactly. */
  const fake = (total: number, activity: number): ScoreResult => ({
    total,
    policyVersion: P.version,
    parts: [
      { group: 'activity', input: 'smsReplies', value: 0, points: activity, rule: 'activity.smsReplies', note: '' },
      { group: 'reachability', input: 'validity', value: 'reachable', points: Math.round((total - activity) * 100) / 100, rule: 'x', note: '' },
    ],
  });
  const clean = riskOf({ validity: 'reachable', lineType: 'mobile' }, P);
  const A_IN: ScoreInputs = { validity: 'reachable', lineType: 'mobile', averageOrderValue: 80 };

  it.each<[string, ScoreResult, Partial<ScoreInputs>, 'A' | 'B' | 'C' | 'D']>([
    ['A at every minimum', fake(75, 15), {}, 'A'],
    ['score 74.99 -> B', fake(74.99, 15), {}, 'B'],
    ['activity 14.99 -> B', fake(90, 14.99), {}, 'B'],
    ['AOV 79.99 -> B', fake(90, 20), { averageOrderValue: 79.99 }, 'B'],
    ['fixed line (no SMS) -> B', fake(90, 20), { lineType: 'fixed' }, 'B'],
    ['fixed_or_mobile can be A', fake(90, 20), { lineType: 'fixed_or_mobile' }, 'A'],
    ['B at every minimum', fake(50, 1), { averageOrderValue: 30 }, 'B'],
    ['score 49.99 -> C', fake(49.99, 1), { averageOrderValue: 30 }, 'C'],
    ['activity 0.99 -> C', fake(60, 0.99), { averageOrderValue: 30 }, 'C'],
    ['inactive -> C', fake(60, 0), { averageOrderValue: 500 }, 'C'],
    ['AOV 29.99 -> C', fake(60, 5), { averageOrderValue: 29.99 }, 'C'],
    ['no orders -> C', fake(60, 5), { averageOrderValue: null }, 'C'],
    ['unreachable -> D', fake(90, 20), { validity: 'unreachable' }, 'D'],
    ['suspected disconnected -> D (verification pool)', fake(90, 20), { validity: 'suspected_disconnected' }, 'D'],
    ['unknown validity -> D (verify first)', fake(90, 20), { validity: 'unknown' }, 'D'],
    // The complaint threshold is the contact policy's (complaints.blockList.atComplaints = 2); one
    // complaint alone is not D (its risk points still lower the score, and its channel is suppressed).
    ['one complaint: not D by itself', fake(90, 20), { complaints: 1 }, 'A'],
    ['two complaints -> D (block list)', fake(90, 20), { complaints: 2 }, 'D'],
  ])('%s', (_l, score, patch, tier) => {
    const t = tierOf(score, clean, { ...A_IN, ...patch }, P);
    expect(t.tier).toBe(tier);
    expect(t.reasons.length).toBeGreaterThan(0);
  });

  it('quarantined risk -> D, with the risk reasons', () => {
    const inputs: ScoreInputs = { ...A_IN, lineType: 'voip', virtualRange: true, sameDeviceRegistrations: 3 };
    const t = tierOf(fake(90, 20), riskOf(inputs, P), inputs, P);
    expect(t.tier).toBe('D');
    expect(t.reasons.join(' ')).toMatch(/risk 65 >= quarantine threshold 50: quarantined/);
  });
  it('the complaint threshold comes from the contact policy and names its rule', () => {
    const inputs: ScoreInputs = { ...A_IN, complaints: 1 };
    const strict = { ...CONTACT_POLICY.complaints, blockList: { ...CONTACT_POLICY.complaints.blockList, atComplaints: 1 } };
    expect(tierOf(fake(90, 20), clean, inputs, P, strict).reasons).toEqual(['complaints 1 >= 1: block list (complaint-block-list)']);
    expect(tierOf(fake(90, 20), clean, inputs, P).tier).toBe('A');
  });
  it('D lists every reason that applies', () => {
    const inputs: ScoreInputs = { validity: 'unreachable', lineType: 'mobile', complaints: 2 };
    const t = tierOf(fake(0, 0), riskOf(inputs, P), inputs, P);
    expect(t.reasons).toHaveLength(3);
  });
  it.each([
    ['A', 'sms', 'targeted', 'weekly', 7],
    ['B', 'email', 'light_reminder', 'biweekly', 14],
    ['C', 'email', 'broadcast', 'monthly', 30],
    ['D', 'none', 'no_contact', 'none', null],
  ] as const)('tier %s -> %s, %s, %s', (tier, channel, mode, label, everyDays) => {
    const score = { A: fake(90, 20), B: fake(60, 5), C: fake(40, 0), D: fake(0, 0) }[tier];
    const inputs = tier === 'D' ? { ...A_IN, validity: 'unreachable' as const } : A_IN;
    const t = tierOf(score, clean, inputs, P);
    expect(t).toMatchObject({ tier, channel, mode, cadence: { label, everyDays } });
  });
  it('explains why higher tiers were missed', () => {
    const t = tierOf(fake(60, 0), clean, A_IN, P);
    expect(t.reasons).toEqual([
      'validity reachable is reachable',
      'not A: score 60 < 75, activity points 0 < 15',
      'not B: activity points 0 < 1',
    ]);
  });
  it('refuses a score made with another policy version', () => {
    expect(() => tierOf({ ...fake(90, 20), policyVersion: 'score-policy.v0' }, clean, A_IN, P)).toThrow(/one policy/);
  });

  describe('end to end personas', () => {
    const persona = (inputs: ScoreInputs) => {
      const s = scoreContact(inputs, P, NOW);
      return tierOf(s, riskOf(inputs, P), inputs, P);
    };
    it.each<[string, ScoreInputs, 'A' | 'B' | 'C' | 'D']>([
      ['loyal active buyer', { validity: 'reachable', lineType: 'mobile', lastLoginAt: daysAgo(2), smsReplies: 2, clicks: 3, lastActivityAt: daysAgo(3), averageOrderValue: 120, repurchaseIntervalDays: 45, categoryMatch: 0.8 }, 'A'],
      ['occasional mid-value buyer', { validity: 'reachable', lineType: 'mobile', lastLoginAt: daysAgo(20), clicks: 1, lastActivityAt: daysAgo(20), averageOrderValue: 50, repurchaseIntervalDays: 120, categoryMatch: 0.5 }, 'B'],
      ['silent number (seed 001: downgrade to a cheap channel)', { validity: 'reachable', lineType: 'mobile', averageOrderValue: 150 }, 'C'],
      ['batch-registered VoIP number', { validity: 'reachable', lineType: 'voip', virtualRange: true, sameDeviceRegistrations: 6, lastLoginAt: daysAgo(1), averageOrderValue: 300 }, 'D'],
      ['stopped number', { validity: 'unreachable', lineType: 'mobile', averageOrderValue: 300, consecutiveDeliveryFailures: 3 }, 'D'],
    ])('%s -> %s', (_l, inputs, tier) => {
      expect(persona(inputs).tier).toBe(tier);
    });
  });
});

describe('malformed policies are rejected with a clear error', () => {
  type Mut = (p: Record<string, any>) => unknown;
  const rows: [string, Mut, RegExp][] = [
    ['weight is a string', (p) => ((p.reachability.validity.reachable = '40'), p), /reachability\.validity\.reachable: .*number/],
    ['missing quarantine threshold', (p) => (delete p.risk.quarantineThreshold, p), /risk\.quarantineThreshold/],
    ['typo key', (p) => ((p.activity.smsReply = { pointsEach: 1, max: 1 }), p), /activity: .*smsReply/],
    ['negative risk weight', (p) => ((p.risk.virtualRange = -5), p), /risk\.virtualRange/],
    ['a line type missing from a table', (p) => (delete p.reachability.lineType.voip, p), /reachability\.lineType\.voip/],
    ['unknown line type in a table', (p) => ((p.risk.lineType.satellite = 3), p), /risk\.lineType/],
    ['order-value bands out of order', (p) => (p.commercial.averageOrderValue.reverse(), p), /commercial\.averageOrderValue\.\d: .*strictly ascending/],
    ['login bands out of order', (p) => ((p.activity.recentLogin[1].withinDays = 7), p), /activity\.recentLogin\.1: .*strictly ascending/],
    ['A easier than B', (p) => ((p.tiers.A.minScore = 40), p), /tiers\.A\.minScore: A\.minScore must be >= B\.minScore/],
    ['unreachable counted as reachable', (p) => (p.tiers.reachableStatuses.push('unreachable'), p), /tiers\.reachableStatuses/],
    ['tier D given a channel', (p) => ((p.tiers.D.channel = 'sms'), p), /tiers\.D: tier D is no contact/],
    ['bad cadence', (p) => ((p.tiers.A.cadence.everyDays = 0), p), /tiers\.A\.cadence\.everyDays/],
    ['bad version', (p) => ((p.version = 'v1'), p), /version: version must look like/],
    ['NaN weight', (p) => ((p.activity.clicks.pointsEach = Number.NaN), p), /activity\.clicks\.pointsEach/],
    ['failure penalty positive', (p) => ((p.reachability.consecutiveDeliveryFailures.pointsEach = 5), p), /consecutiveDeliveryFailures\.pointsEach/],
    ['null', () => null, /\(root\)/],
    ['array', () => [], /\(root\)/],
  ];
  it.each(rows)('%s', (_l, mutate, message) => {
    const doc = mutate(structuredClone(rawPolicy) as Record<string, any>);
    let err: unknown;
    try {
      parseScorePolicy(doc, 'test.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScorePolicyError);
    expect((err as ScorePolicyError).message).toMatch(/^Invalid score policy \(test\.json\):/);
    expect((err as ScorePolicyError).message).toMatch(message);
  });
  it('lists every problem, not just the first', () => {
    const doc = structuredClone(rawPolicy) as Record<string, any>;
    doc.risk.virtualRange = -1;
    doc.tiers.B.minScore = 'x';
    expect(() => parseScorePolicy(doc)).toThrow(ScorePolicyError);
    try {
      parseScorePolicy(doc);
    } catch (e) {
      expect((e as ScorePolicyError).issues.length).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('bad inputs get a clear error', () => {
  it.each<[string, Partial<ScoreInputs> | Record<string, unknown>, RegExp]>([
    ['negative count', { clicks: -1 }, /clicks: expected a non-negative integer/],
    ['fractional count', { smsReplies: 1.5 }, /smsReplies/],
    ['instant without offset', { lastLoginAt: '2026-02-01T10:00:00' }, /lastLoginAt: expected an ISO 8601 instant with offset/],
    ['invalid Date', { lastActivityAt: new Date('nope') }, /lastActivityAt: invalid Date/],
    ['category match above 1', { categoryMatch: 1.5 }, /categoryMatch/],
    ['negative order value', { averageOrderValue: -3 }, /averageOrderValue/],
    ['more rejections than sends', { messagesSent: 5, messagesRejected: 6 }, /cannot exceed/],
    ['unknown validity', { validity: 'dead' }, /validity: expected one of/],
    ['unknown line type', { lineType: 'satellite' }, /lineType: expected one of/],
  ])('%s', (_l, patch, message) => {
    expect(() => scoreContact({ ...ZERO, ...patch } as ScoreInputs, P, NOW)).toThrow(message);
  });
  it('now must be an instant too', () => {
    expect(() => scoreContact(ZERO, P, '2026-03-01')).toThrow(/now:/);
  });
  it('enumerations are exported for callers', () => {
    expect(VALIDITY_STATUSES).toContain('suspected_disconnected');
    expect(LINE_TYPES).toContain('voip');
    const policy: ScorePolicy = P;
    expect(policy.tiers.reachableStatuses).toEqual(['reachable']);
  });
});
