import { deviceFarmOf, type FarmVerdict } from './device-farm';
import type { ContactDraft } from './intake/merge';
import { scoreInputsOf, type ContactFacts } from './score-inputs';
import type { ScorePolicy } from './score-policy';
import { riskOf, type RiskResult } from './score-risk';
import { scoreContact, type ScoreResult } from './score';
import { tierOf, type TierResult } from './tier';

export interface Evaluation {
  score: ScoreResult;
  risk: RiskResult;
  tier: TierResult;
  /** Stable keys of the risk rules that gave points, and 'deviceFarm' for a farm account (for counts by reason). */
  riskKeys: string[];
  /** A device-farm account is quarantined whatever its risk points (core/device-farm.ts). */
  deviceFarm: FarmVerdict;
}

/** Score, risk and tier of one contact: what intake, events and delivery outcomes all recompute. */
export function evaluateContact(draft: ContactDraft, facts: ContactFacts, policy: ScorePolicy, now: Date): Evaluation {
  const inputs = scoreInputsOf(draft, facts);
  const deviceFarm = deviceFarmOf({ sameDeviceRegistrations: facts.sameDeviceRegistrations, sameRangeRegistrations: facts.sameRangeRegistrations });
  const risk = withDeviceFarm(riskOf(inputs, policy), deviceFarm);
  const score = scoreContact(inputs, policy, now, risk);
  return {
    score,
    risk,
    tier: tierOf(score, risk, inputs, policy),
    riskKeys: riskKeysOf(risk, deviceFarm),
    deviceFarm,
  };
}

/** The risk result with a farm's quarantine: the points stay the score's, the contact policy's rule is named in the reasons. */
function withDeviceFarm(risk: RiskResult, farm: FarmVerdict): RiskResult {
  if (!farm.farm) return risk;
  return { ...risk, quarantined: true, reasons: [...risk.reasons, ...farm.reasons.map((r, i) => `${r} (contact policy ${farm.rules[i]})`)] };
}

function riskKeysOf(risk: RiskResult, farm: FarmVerdict): string[] {
  const keys: string[] = [];
  for (const p of risk.parts) if (p.points > 0) keys.push(p.input);
  if (farm.farm) keys.push('deviceFarm');
  return keys;
}

/**
 * The score's explanation as stored in contacts.score_parts: the parts that gave points, as
 * [group, input, value, points, rule]. The rule path names the policy line; the policy version
 * is stored beside it.
 */
export function compactScoreParts(parts: ScoreResult['parts']): unknown[] {
  const out: unknown[] = [];
  for (const p of parts) if (p.points !== 0) out.push([p.group, p.input, p.value, p.points, p.rule]);
  return out;
}
