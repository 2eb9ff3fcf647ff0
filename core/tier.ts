/**
 * Contact tiers (seed 000), thresholds from the score policy; the complaint threshold of tier D
 * from the contact policy (complaints.blockList: whom we may contact):
 *   A high value  reachable + active + high order value (and, since v2, commercial points) -> SMS, weekly
 *   B potential   reachable + some activity + medium order value (v2: commercial points) -> e-mail + light reminder, every two weeks
 *   C maintenance reachable but inactive or low order value -> broadcast / holiday wake-up, monthly
 *   D risk        complaints, not reachable, or quarantined -> no contact, verification pool
 * Pure: no I/O.
 */
import { CONTACT_POLICY, type ComplaintPolicy } from './policy/contact-policy';
import type { ScorePolicy } from './score-policy';
import { orderValuesOf } from './score-commercial';
import type { RiskResult } from './score-risk';
import { groupPoints, type ScoreInputs, type ScoreResult } from './score';

export type Tier = 'A' | 'B' | 'C' | 'D';
type TierPolicy = ScorePolicy['tiers'];

export interface TierResult {
  tier: Tier;
  channel: TierPolicy['A']['channel'];
  mode: TierPolicy['A']['mode'];
  cadence: TierPolicy['A']['cadence'];
  /** Why this tier: every check that decided it, and why higher tiers were missed. */
  reasons: string[];
}

interface Check {
  ok: boolean;
  text: string;
}

const ge = (label: string, value: number, min: number): Check => ({
  ok: value >= min,
  text: `${label} ${value} ${value >= min ? '>=' : '<'} ${min}`,
});

function tierResult(t: TierPolicy, tier: Tier, reasons: string[]): TierResult {
  const p = t[tier];
  return { tier, channel: p.channel, mode: p.mode, cadence: p.cadence, reasons };
}

export function tierOf(
  score: ScoreResult,
  risk: RiskResult,
  inputs: ScoreInputs,
  policy: ScorePolicy,
  complaints: ComplaintPolicy = CONTACT_POLICY.complaints,
): TierResult {
  if (score.policyVersion !== policy.version) {
    throw new Error(`score was computed with ${score.policyVersion}, tiering with ${policy.version}: use one policy`);
  }
  const t = policy.tiers;

  // D: any one of these is enough. All that apply are reported.
  const d: string[] = [];
  if (!t.reachableStatuses.includes(inputs.validity)) {
    d.push(`validity ${inputs.validity} is not reachable (${t.reachableStatuses.join(', ')}): verification pool`);
  }
  const block = complaints.blockList;
  const n = inputs.complaints ?? 0;
  if (n >= block.atComplaints) d.push(`complaints ${n} >= ${block.atComplaints}: block list (${block.id})`);
  if (risk.quarantined)
    d.push(`${risk.points >= risk.threshold ? `risk ${risk.points} >= quarantine threshold ${risk.threshold}: ` : ''}quarantined (${risk.reasons.join('; ')})`);
  if (d.length > 0) return tierResult(t, 'D', d);

  const activity = groupPoints(score, 'activity');
  const commercial = groupPoints(score, 'commercial');
  // In the reference currency; a currency without a rate counts as no order value.
  const aov = orderValuesOf(inputs, policy).average ?? 0;
  const commercialCheck = (min: number | undefined): Check[] => (min === undefined ? [] : [ge('commercial points', commercial, min)]);
  const reachable = `validity ${inputs.validity} is reachable`;

  const a: Check[] = [
    ge('score', score.total, t.A.minScore),
    ge('activity points', activity, t.A.minActivityPoints),
    ge('average order value', aov, t.A.minAverageOrderValue),
    ...commercialCheck(t.A.minCommercialPoints),
    {
      ok: t.A.lineTypes.includes(inputs.lineType),
      text: `line type ${inputs.lineType} ${t.A.lineTypes.includes(inputs.lineType) ? 'is' : 'is not'} SMS-capable (${t.A.lineTypes.join(', ')})`,
    },
  ];
  if (a.every((c) => c.ok)) return tierResult(t, 'A', [reachable, ...a.map((c) => c.text)]);
  const notA = `not A: ${a.filter((c) => !c.ok).map((c) => c.text).join(', ')}`;

  const b: Check[] = [
    ge('score', score.total, t.B.minScore),
    ge('activity points', activity, t.B.minActivityPoints),
    ge('average order value', aov, t.B.minAverageOrderValue),
    ...commercialCheck(t.B.minCommercialPoints),
  ];
  if (b.every((c) => c.ok)) return tierResult(t, 'B', [reachable, ...b.map((c) => c.text), notA]);
  const notB = `not B: ${b.filter((c) => !c.ok).map((c) => c.text).join(', ')}`;

  return tierResult(t, 'C', [reachable, notA, notB]);
}
