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
  const score = scoreContact(inputs, policy, now);
  const risk = riskOf(inputs, policy);
  return {
    score,
    risk,
    tier: tierOf(score, risk, inputs, policy),
    riskKeys: risk.parts.filter((p) => p.points > 0).map((p) => p.input),
  };
}
