/**
 * Explainable contact score (seed 000):
 *   score = base reachability + activity weight + commercial value - risk
 * Every weight and threshold comes from the versioned score policy (core/score-policy.ts). Every
 * point is reported as a part (core/score-parts.ts): which input, which value, which policy rule,
 * how many points. The parts sum to the total.
 *
 * Pure: no I/O, no clock. `now` is a parameter.
 */
import { commercialParts } from './score-commercial';
import { ageDays, checkEnums, countOf, fmt, isoOf, perCountPart, round2, signed, sumPoints, toMillis, type Instant, type ScoreGroup, type ScorePart } from './score-parts';
import type { LineType, ScorePolicy, ValidityStatus } from './score-policy';
import { riskOf, type RiskResult } from './score-risk';

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
  /** Product views, add-to-cart and page views within activity.windowDays. */
  browseEvents?: number;
  /** The last order (the customer file's or the latest purchase event's): recency. */
  lastOrderAt?: Instant | null;
  /** The first order: with lastOrderAt and orderCount >= 2 it gives the repurchase interval when none is given. */
  firstOrderAt?: Instant | null;
  /** Orders placed, all time: frequency. */
  orderCount?: number;
  /** Average order value in orderCurrency; null/absent = no orders. */
  averageOrderValue?: number | null;
  /** Lifetime order value in orderCurrency; null/absent = averageOrderValue x orderCount. */
  totalOrderValue?: number | null;
  /** ISO 4217 code of the order values; null/absent = policy.referenceCurrency. */
  orderCurrency?: string | null;
  /** Typical days between orders; null/absent = from first to last order over orderCount - 1, if known. */
  repurchaseIntervalDays?: number | null;
  /** 0..1: the share of the contact's recent product interest in the categories it is matched against. */
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

export interface ScoreResult {
  total: number;
  parts: ScorePart[];
  policyVersion: string;
}

/** Sum of one group's parts (e.g. the activity weight used by the tier rules). */
export function groupPoints(score: ScoreResult, group: ScoreGroup): number {
  return sumPoints(score.parts, group);
}

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
  // Browsing counts within the window only (not decayed: the window is its recency).
  if (ap.browsing) parts.push(perCountPart('activity', 'browseEvents', 'activity.browsing', countOf(inputs, 'browseEvents'), ap.browsing, `browsing event(s) in ${ap.windowDays} d`));
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

  parts.push(...commercialParts(inputs, policy, nowMs));

  // Risk (subtracted)
  for (const p of risk.parts) {
    parts.push({ ...p, points: round2(-p.points), note: p.points === 0 ? p.note : `risk ${signed(-p.points)}: ${p.note}` });
  }

  return { total: sumPoints(parts), parts, policyVersion: policy.version };
}
