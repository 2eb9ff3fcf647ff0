/**
 * The risk half of the score: complaints, rejections, risky line types, virtual ranges and
 * registration bursts. Its points are subtracted from the score, and at the policy's threshold
 * the contact is quarantined (tier D).
 *
 * Pure: no I/O, no clock.
 */
import type { ScoreInputs } from './score';
import { checkEnums, countOf, fmt, perCountPart, round2, signed, sumPoints, type ScorePart } from './score-parts';
import type { ScorePolicy } from './score-policy';

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
