import { scoreInputsOf, type ContactDraft, type ContactFacts } from './intake/merge';
import { riskOf, scoreContact, type RiskResult, type ScorePolicy, type ScoreResult } from './score';
import { tierOf, type TierResult } from './tier';

export interface Evaluation {
  score: ScoreResult;
  risk: RiskResult;
  tier: TierResult;
  /** Stable keys of the risk rules that gave points (for counts by reason). */
  riskKeys: string[];
}

/** Score, risk and tier of one contact: what intake, events and delivery outcomes all recompute. */
export function evaluateContact(draft: ContactDraft, facts: ContactFacts, policy: ScorePolicy, now: Date): Evaluation {
  const inputs = scoreInputsOf(draft, facts);
  const risk = riskOf(inputs, policy);
  const score = scoreContact(inputs, policy, now, risk);
  return {
    score,
    risk,
    tier: tierOf(score, risk, inputs, policy),
    riskKeys: riskKeysOf(risk),
  };
}

function riskKeysOf(risk: RiskResult): string[] {
  const keys: string[] = [];
  for (const p of risk.parts) if (p.points > 0) keys.push(p.input);
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
