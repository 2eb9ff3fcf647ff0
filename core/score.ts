/**
 * Explainable contact score (seed 000):
 *   score = base reachability + activity weight + commercial value - risk
 * Every weight and threshold comes from a versioned policy file (core/policy/score-policy.v*.json),
 * validated by `scorePolicySchema`. Every point is reported as a part: which input, which value,
 * which policy rule, how many points. The parts sum to the total.
 *
 * Pure: no I/O, no clock. `now` is a parameter.
 */
import { z } from 'zod';
import policyV1 from './policy/score-policy.v1.json' with { type: 'json' };

// ---------------------------------------------------------------------------------------------
// Inputs

export const VALIDITY_STATUSES = ['reachable', 'suspected_disconnected', 'unreachable', 'unknown'] as const;
export type ValidityStatus = (typeof VALIDITY_STATUSES)[number];

/** Line types, from libphonenumber's number types plus a lookup provider's mobile/fixed/voip. */
export const LINE_TYPES = [
  'mobile',
  'fixed_or_mobile',
  'fixed',
  'voip',
  'toll_free',
  'premium_rate',
  'shared_cost',
  'other',
  'unknown',
] as const;
export type LineType = (typeof LINE_TYPES)[number];

/** An instant: a Date, or an ISO 8601 string WITH an offset or Z (no host-time-zone guessing). */
export type Instant = Date | string;

/**
 * What the score looks at. Counts are pre-aggregated by the caller over the policy's windows
 * (activity.windowDays, risk.registrationWindowHours). Absent optional fields count as 0 / none.
 */
export interface ScoreInputs {
  validity: ValidityStatus;
  lineType: LineType;
  /** Consecutive delivery failures that count against the contact (see delivery-outcome.ts). */
  consecutiveDeliveryFailures?: number;
  lastLoginAt?: Instant | null;
  smsReplies?: number;
  clicks?: number;
  socialInteractions?: number;
  /** Most recent engagement (reply, click, social interaction); drives the recency decay. */
  lastActivityAt?: Instant | null;
  /** Average order value in policy.referenceCurrency; null/absent = no orders. */
  averageOrderValue?: number | null;
  /** Typical days between orders; null/absent = fewer than two orders. */
  repurchaseIntervalDays?: number | null;
  /** 0..1: how well the contact's purchase categories match the site's categories. */
  categoryMatch?: number | null;
  complaints?: number;
  messagesSent?: number;
  /** Of messagesSent, how many the recipient side rejected (blocked/refused). */
  messagesRejected?: number;
  /** Number lies in a known virtual-operator / batch-registration range. */
  virtualRange?: boolean;
  /** Registrations from the same number range within risk.registrationWindowHours. */
  sameRangeRegistrations?: number;
  /** Registrations from the same device fingerprint within risk.registrationWindowHours. */
  sameDeviceRegistrations?: number;
}

// ---------------------------------------------------------------------------------------------
// Policy

const points = z.number();
const nonNeg = z.number().nonnegative();
const perCount = z.strictObject({ pointsEach: nonNeg, max: nonNeg });
const threshold = z.strictObject({ atLeast: z.int().positive(), points: nonNeg });
const channel = z.enum(['sms', 'email', 'none']);
const mode = z.enum(['targeted', 'light_reminder', 'broadcast', 'no_contact']);
const cadence = z.strictObject({
  label: z.enum(['weekly', 'biweekly', 'monthly', 'none']),
  everyDays: z.int().positive().nullable(),
});

function ascending<T>(key: (t: T) => number, what: string) {
  return (arr: T[], ctx: z.RefinementCtx) => {
    for (let i = 1; i < arr.length; i++) {
      if (!(key(arr[i]!) > key(arr[i - 1]!))) {
        ctx.addIssue({ code: 'custom', path: [i], message: `${what} must be strictly ascending` });
      }
    }
  };
}

export const scorePolicySchema = z
  .strictObject({
    version: z.string().regex(/^score-policy\.v\d+$/, 'version must look like "score-policy.v1"'),
    description: z.string().optional(),
    referenceCurrency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code'),
    reachability: z.strictObject({
      validity: z.record(z.enum(VALIDITY_STATUSES), points),
      lineType: z.record(z.enum(LINE_TYPES), points),
      consecutiveDeliveryFailures: z.strictObject({ pointsEach: z.number().nonpositive(), floor: z.number().nonpositive() }),
    }),
    activity: z.strictObject({
      windowDays: z.int().positive(),
      recentLogin: z
        .array(z.strictObject({ withinDays: z.number().positive(), points: nonNeg }))
        .superRefine(ascending((b) => b.withinDays, 'recentLogin withinDays')),
      smsReplies: perCount,
      clicks: perCount,
      socialInteractions: perCount,
      recencyDecay: z.strictObject({ halfLifeDays: z.number().positive() }),
    }),
    commercial: z.strictObject({
      averageOrderValue: z
        .array(z.strictObject({ atLeast: nonNeg, points: nonNeg }))
        .superRefine(ascending((b) => b.atLeast, 'averageOrderValue atLeast')),
      repurchaseIntervalDays: z
        .array(z.strictObject({ atMost: z.number().positive(), points: nonNeg }))
        .superRefine(ascending((b) => b.atMost, 'repurchaseIntervalDays atMost')),
      categoryMatch: z.strictObject({ maxPoints: nonNeg }),
    }),
    risk: z.strictObject({
      complaints: perCount,
      rejectionRate: z.strictObject({ minAttempts: z.int().positive(), pointsAtFullRate: nonNeg }),
      lineType: z.record(z.enum(LINE_TYPES), nonNeg),
      virtualRange: nonNeg,
      registrationWindowHours: z.number().positive(),
      sameRangeRegistrations: threshold,
      sameDeviceRegistrations: threshold,
      quarantineThreshold: z.number().positive(),
    }),
    tiers: z.strictObject({
      reachableStatuses: z.array(z.enum(VALIDITY_STATUSES)).min(1),
      A: z.strictObject({
        minScore: points,
        minActivityPoints: nonNeg,
        minAverageOrderValue: nonNeg,
        lineTypes: z.array(z.enum(LINE_TYPES)).min(1),
        channel,
        mode,
        cadence,
      }),
      B: z.strictObject({ minScore: points, minActivityPoints: nonNeg, minAverageOrderValue: nonNeg, channel, mode, cadence }),
      C: z.strictObject({ channel, mode, cadence }),
      D: z.strictObject({ channel, mode, cadence }),
    }),
  })
  .superRefine((p, ctx) => {
    const { A, B, D, reachableStatuses } = p.tiers;
    if (A.minScore < B.minScore) ctx.addIssue({ code: 'custom', path: ['tiers', 'A', 'minScore'], message: 'A.minScore must be >= B.minScore' });
    if (A.minActivityPoints < B.minActivityPoints)
      ctx.addIssue({ code: 'custom', path: ['tiers', 'A', 'minActivityPoints'], message: 'A.minActivityPoints must be >= B.minActivityPoints' });
    if (A.minAverageOrderValue < B.minAverageOrderValue)
      ctx.addIssue({ code: 'custom', path: ['tiers', 'A', 'minAverageOrderValue'], message: 'A.minAverageOrderValue must be >= B.minAverageOrderValue' });
    if (reachableStatuses.includes('unreachable'))
      ctx.addIssue({ code: 'custom', path: ['tiers', 'reachableStatuses'], message: '"unreachable" can never be a reachable status' });
    if (D.channel !== 'none' || D.mode !== 'no_contact')
      ctx.addIssue({ code: 'custom', path: ['tiers', 'D'], message: 'tier D is no contact: channel "none", mode "no_contact"' });
  });

export type ScorePolicy = z.infer<typeof scorePolicySchema>;

export class ScorePolicyError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[], source?: string) {
    super(`Invalid score policy${source ? ` (${source})` : ''}:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ScorePolicyError';
    this.issues = issues;
  }
}

/** Validate a parsed policy document. Throws ScorePolicyError listing every problem by path. */
export function parseScorePolicy(raw: unknown, source?: string): ScorePolicy {
  const r = scorePolicySchema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new ScorePolicyError(issues, source);
}

/** The shipped policy, validated at module load: a broken file fails loudly at startup. */
export const SCORE_POLICY_V1: ScorePolicy = parseScorePolicy(policyV1, 'core/policy/score-policy.v1.json');

// ---------------------------------------------------------------------------------------------
// Explanation

export type ScoreGroup = 'reachability' | 'activity' | 'commercial' | 'risk';

export interface ScorePart {
  group: ScoreGroup;
  /** The input field this part is about. */
  input: keyof ScoreInputs;
  /** The input value as used (instants as ISO strings). */
  value: string | number | boolean | null;
  /** Points this part adds (negative for penalties and risk), rounded to 0.01. */
  points: number;
  /** The policy rule applied, as its path in the policy file. */
  rule: string;
  /** One line a human can read. */
  note: string;
}

export interface ScoreResult {
  total: number;
  parts: ScorePart[];
  policyVersion: string;
}

export interface RiskResult {
  /** Sum of risk points (>= 0). */
  points: number;
  /** Human-readable reasons for every non-zero risk part. */
  reasons: string[];
  quarantined: boolean;
  threshold: number;
  /** Every risk rule considered, points >= 0. */
  parts: ScorePart[];
}

// ---------------------------------------------------------------------------------------------
// Helpers

const DAY_MS = 86_400_000;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

const round2 = (x: number): number => Math.round(x * 100) / 100 + 0; // +0 turns -0 into 0
const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/0$/, ''));
const signed = (x: number): string => (x >= 0 ? `+${fmt(x)}` : fmt(x));

function toMillis(name: string, v: Instant): number {
  if (v instanceof Date) {
    const t = v.getTime();
    if (Number.isNaN(t)) throw new RangeError(`${name}: invalid Date`);
    return t;
  }
  if (typeof v !== 'string' || !ISO_WITH_OFFSET.test(v)) {
    throw new RangeError(`${name}: expected an ISO 8601 instant with offset or Z, got ${JSON.stringify(v)}`);
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new RangeError(`${name}: invalid instant ${JSON.stringify(v)}`);
  return t;
}

const ageDays = (nowMs: number, name: string, v: Instant): number => Math.max(0, (nowMs - toMillis(name, v)) / DAY_MS);
const isoOf = (name: string, v: Instant): string => new Date(toMillis(name, v)).toISOString();

function countOf(inputs: ScoreInputs, name: keyof ScoreInputs): number {
  const v = inputs[name] ?? 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new RangeError(`${name}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function amountOf(inputs: ScoreInputs, name: keyof ScoreInputs, max = Infinity): number | null {
  const v = inputs[name];
  if (v == null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) {
    throw new RangeError(`${name}: expected a number in [0, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function checkEnums(inputs: ScoreInputs): void {
  if (!(VALIDITY_STATUSES as readonly string[]).includes(inputs.validity)) {
    throw new RangeError(`validity: expected one of ${VALIDITY_STATUSES.join(', ')}, got ${JSON.stringify(inputs.validity)}`);
  }
  if (!(LINE_TYPES as readonly string[]).includes(inputs.lineType)) {
    throw new RangeError(`lineType: expected one of ${LINE_TYPES.join(', ')}, got ${JSON.stringify(inputs.lineType)}`);
  }
}

function perCountPart(
  group: ScoreGroup,
  input: keyof ScoreInputs,
  rule: string,
  n: number,
  r: { pointsEach: number; max: number },
  noun: string,
): ScorePart {
  const p = round2(Math.min(n * r.pointsEach, r.max));
  const capped = n * r.pointsEach > r.max ? ` (capped at ${fmt(r.max)})` : '';
  return { group, input, value: n, points: p, rule, note: `${n} ${noun} x ${fmt(r.pointsEach)} = ${signed(p)}${capped}` };
}

// ---------------------------------------------------------------------------------------------
// Risk

/** Risk points, the reasons, and whether the contact is quarantined (points >= threshold). */
export function riskOf(inputs: ScoreInputs, policy: ScorePolicy): RiskResult {
  checkEnums(inputs);
  const r = policy.risk;
  const parts: ScorePart[] = [];

  parts.push(perCountPart('risk', 'complaints', 'risk.complaints', countOf(inputs, 'complaints'), r.complaints, 'complaint(s)'));

  const sent = countOf(inputs, 'messagesSent');
  const rejected = countOf(inputs, 'messagesRejected');
  if (rejected > sent) throw new RangeError(`messagesRejected (${rejected}) cannot exceed messagesSent (${sent})`);
  if (sent >= r.rejectionRate.minAttempts) {
    const rate = rejected / sent;
    const p = round2(rate * r.rejectionRate.pointsAtFullRate);
    parts.push({
      group: 'risk',
      input: 'messagesRejected',
      value: round2(rate),
      points: p,
      rule: 'risk.rejectionRate',
      note: `rejection rate ${rejected}/${sent} = ${fmt(round2(rate * 100))}% x ${fmt(r.rejectionRate.pointsAtFullRate)} = ${signed(p)}`,
    });
  } else {
    parts.push({
      group: 'risk',
      input: 'messagesRejected',
      value: sent === 0 ? null : round2(rejected / sent),
      points: 0,
      rule: 'risk.rejectionRate',
      note: `rejection rate not scored: ${sent} sends < minimum ${r.rejectionRate.minAttempts}`,
    });
  }

  const lt = r.lineType[inputs.lineType];
  parts.push({ group: 'risk', input: 'lineType', value: inputs.lineType, points: lt, rule: `risk.lineType.${inputs.lineType}`, note: `line type ${inputs.lineType}: ${signed(lt)}` });

  const virtual = inputs.virtualRange === true;
  parts.push({
    group: 'risk',
    input: 'virtualRange',
    value: virtual,
    points: virtual ? r.virtualRange : 0,
    rule: 'risk.virtualRange',
    note: virtual ? `number in a virtual/batch range: ${signed(r.virtualRange)}` : 'not in a known virtual range',
  });

  for (const key of ['sameRangeRegistrations', 'sameDeviceRegistrations'] as const) {
    const n = countOf(inputs, key);
    const t = r[key];
    const hit = n >= t.atLeast;
    const what = key === 'sameRangeRegistrations' ? 'same number range' : 'same device';
    parts.push({
      group: 'risk',
      input: key,
      value: n,
      points: hit ? t.points : 0,
      rule: `risk.${key}`,
      note: `${n} registrations from the ${what} in ${fmt(r.registrationWindowHours)} h ${hit ? `>= ${t.atLeast}: ${signed(t.points)}` : `< ${t.atLeast}`}`,
    });
  }

  const total = sumPoints(parts);
  return {
    points: total,
    reasons: parts.filter((p) => p.points !== 0).map((p) => p.note),
    quarantined: total >= r.quarantineThreshold,
    threshold: r.quarantineThreshold,
    parts,
  };
}

/** Exact sum of parts (of one group, if given) already rounded to 0.01 (in integer hundredths, no float drift). */
function sumPoints(parts: readonly ScorePart[], group?: ScoreGroup): number {
  let hundredths = 0;
  for (const p of parts) if (group === undefined || p.group === group) hundredths += Math.round(p.points * 100);
  return round2(hundredths / 100);
}

/** Sum of one group's parts (e.g. the activity weight used by the tier rules). */
export function groupPoints(score: ScoreResult, group: ScoreGroup): number {
  return sumPoints(score.parts, group);
}

// ---------------------------------------------------------------------------------------------
// Score

/** `risk` is riskOf(inputs, policy), when the caller has it already (it is not computed twice). */
export function scoreContact(inputs: ScoreInputs, policy: ScorePolicy, now: Instant, risk: RiskResult = riskOf(inputs, policy)): ScoreResult {
  checkEnums(inputs);
  const nowMs = toMillis('now', now);
  const parts: ScorePart[] = [];

  // Base reachability
  const rp = policy.reachability;
  const vp = rp.validity[inputs.validity];
  parts.push({ group: 'reachability', input: 'validity', value: inputs.validity, points: vp, rule: `reachability.validity.${inputs.validity}`, note: `validity ${inputs.validity}: ${signed(vp)}` });
  const lp = rp.lineType[inputs.lineType];
  parts.push({ group: 'reachability', input: 'lineType', value: inputs.lineType, points: lp, rule: `reachability.lineType.${inputs.lineType}`, note: `line type ${inputs.lineType}: ${signed(lp)}` });
  const fails = countOf(inputs, 'consecutiveDeliveryFailures');
  const fp = round2(Math.max(fails * rp.consecutiveDeliveryFailures.pointsEach, rp.consecutiveDeliveryFailures.floor));
  parts.push({
    group: 'reachability',
    input: 'consecutiveDeliveryFailures',
    value: fails,
    points: fp,
    rule: 'reachability.consecutiveDeliveryFailures',
    note: `${fails} consecutive delivery failure(s) x ${fmt(rp.consecutiveDeliveryFailures.pointsEach)} = ${signed(fp)}${fails * rp.consecutiveDeliveryFailures.pointsEach < rp.consecutiveDeliveryFailures.floor ? ` (floor ${fmt(rp.consecutiveDeliveryFailures.floor)})` : ''}`,
  });

  // Activity weight
  const ap = policy.activity;
  if (inputs.lastLoginAt == null) {
    parts.push({ group: 'activity', input: 'lastLoginAt', value: null, points: 0, rule: 'activity.recentLogin', note: 'no login known' });
  } else {
    const age = ageDays(nowMs, 'lastLoginAt', inputs.lastLoginAt);
    const band = ap.recentLogin.find((b) => age <= b.withinDays);
    parts.push({
      group: 'activity',
      input: 'lastLoginAt',
      value: isoOf('lastLoginAt', inputs.lastLoginAt),
      points: band?.points ?? 0,
      rule: 'activity.recentLogin',
      note: band
        ? `last login ${fmt(round2(age))} days ago <= ${fmt(band.withinDays)}: ${signed(band.points)}`
        : `last login ${fmt(round2(age))} days ago: older than every band, +0`,
    });
  }
  const engagement = [
    perCountPart('activity', 'smsReplies', 'activity.smsReplies', countOf(inputs, 'smsReplies'), ap.smsReplies, 'SMS reply(ies)'),
    perCountPart('activity', 'clicks', 'activity.clicks', countOf(inputs, 'clicks'), ap.clicks, 'click(s)'),
    perCountPart('activity', 'socialInteractions', 'activity.socialInteractions', countOf(inputs, 'socialInteractions'), ap.socialInteractions, 'social interaction(s)'),
  ];
  parts.push(...engagement);
  const engaged = sumPoints(engagement);
  if (inputs.lastActivityAt == null) {
    parts.push({
      group: 'activity',
      input: 'lastActivityAt',
      value: null,
      points: 0,
      rule: 'activity.recencyDecay',
      note: engaged > 0 ? 'no last-activity time given: engagement not decayed' : 'no engagement to decay',
    });
  } else {
    const age = ageDays(nowMs, 'lastActivityAt', inputs.lastActivityAt);
    const factor = Math.pow(0.5, age / ap.recencyDecay.halfLifeDays);
    const p = round2(-engaged * (1 - factor));
    parts.push({
      group: 'activity',
      input: 'lastActivityAt',
      value: isoOf('lastActivityAt', inputs.lastActivityAt),
      points: p,
      rule: 'activity.recencyDecay',
      note: `last activity ${fmt(round2(age))} days ago, half-life ${fmt(ap.recencyDecay.halfLifeDays)} d: engagement ${fmt(engaged)} x ${factor.toFixed(3)} kept, ${signed(p)}`,
    });
  }

  // Commercial value
  const cp = policy.commercial;
  const aov = amountOf(inputs, 'averageOrderValue');
  if (aov == null) {
    parts.push({ group: 'commercial', input: 'averageOrderValue', value: null, points: 0, rule: 'commercial.averageOrderValue', note: 'no orders' });
  } else {
    const band = cp.averageOrderValue.findLast((b) => aov >= b.atLeast);
    parts.push({
      group: 'commercial',
      input: 'averageOrderValue',
      value: aov,
      points: band?.points ?? 0,
      rule: 'commercial.averageOrderValue',
      note: band
        ? `average order ${fmt(aov)} ${policy.referenceCurrency} >= ${fmt(band.atLeast)}: ${signed(band.points)}`
        : `average order ${fmt(aov)} ${policy.referenceCurrency} below every band: +0`,
    });
  }
  const interval = amountOf(inputs, 'repurchaseIntervalDays');
  if (interval == null) {
    parts.push({ group: 'commercial', input: 'repurchaseIntervalDays', value: null, points: 0, rule: 'commercial.repurchaseIntervalDays', note: 'fewer than two orders: no repurchase interval' });
  } else {
    const band = cp.repurchaseIntervalDays.find((b) => interval <= b.atMost);
    parts.push({
      group: 'commercial',
      input: 'repurchaseIntervalDays',
      value: interval,
      points: band?.points ?? 0,
      rule: 'commercial.repurchaseIntervalDays',
      note: band ? `repurchases every ${fmt(interval)} days <= ${fmt(band.atMost)}: ${signed(band.points)}` : `repurchases every ${fmt(interval)} days: slower than every band, +0`,
    });
  }
  const match = amountOf(inputs, 'categoryMatch', 1);
  const mp = round2((match ?? 0) * cp.categoryMatch.maxPoints);
  parts.push({
    group: 'commercial',
    input: 'categoryMatch',
    value: match,
    points: mp,
    rule: 'commercial.categoryMatch',
    note: match == null ? 'category match unknown: +0' : `category match ${fmt(round2(match))} x ${fmt(cp.categoryMatch.maxPoints)} = ${signed(mp)}`,
  });

  // Risk (subtracted)
  for (const p of risk.parts) {
    parts.push({ ...p, points: round2(-p.points), note: p.points === 0 ? p.note : `risk ${signed(-p.points)}: ${p.note}` });
  }

  return { total: sumPoints(parts), parts, policyVersion: policy.version };
}
