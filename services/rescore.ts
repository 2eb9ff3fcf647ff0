import type { PoolClient } from 'pg';
import { contactFactsOf } from '../core/activity';
import { compactScoreParts, evaluateContact } from '../core/evaluate';
import { actionForStatus, type NumberStatus } from '../core/number-status';
import type { ScorePolicy, ValidityStatus } from '../core/score-policy';
import { writeContactUpdates, type ContactUpdate, type RescoreContact } from '../db/rescore';

/** What changes for one contact before it is re-scored. Absent fields keep the stored value. */
export interface ContactChange {
  contact: RescoreContact;
  activity?: Record<string, unknown>;
  orderCount?: number;
  lastOrderAt?: string | null;
  numberStatus?: NumberStatus;
  recheck?: { at: string | null; after: string };
  /** Overrides of what the number status implies (a number dead by delivery failures is out of the SMS list whatever its status). */
  validity?: ValidityStatus;
  smsEligible?: boolean;
  /** tier_history cause when the tier moves: `event:<tag>`, `recheck`, ... */
  cause: string;
}

export interface RescoreOutcome {
  contactId: number;
  fromTier: string;
  toTier: string;
}

/**
 * Re-scores and re-tiers contacts already locked by the caller's transaction, writes them in one
 * statement and records tier changes with their cause. The number status decides validity, SMS
 * eligibility and the cheaper-channel flag (core/number-status.ts).
 */
export async function rescoreContacts(client: PoolClient, changes: readonly ContactChange[], policy: ScorePolicy, now: Date): Promise<RescoreOutcome[]> {
  const updates: ContactUpdate[] = changes.map((ch) => {
    const c = ch.contact;
    const status = ch.numberStatus ?? c.numberStatus;
    const action = actionForStatus(status);
    // A status the lookup never set (imported before any lookup) keeps its stored flags.
    const validity = ch.validity ?? (ch.numberStatus ? action.validity : c.validity);
    const activity = ch.activity ?? c.stored.activity;
    const lastOrderAt = ch.lastOrderAt !== undefined ? ch.lastOrderAt : c.draft.lastOrderAt;
    const draft = { ...c.draft, lastOrderAt: later(c.draft.lastOrderAt, lastOrderAt) };
    const ev = evaluateContact(draft, contactFactsOf({ ...c.stored, activity }, validity), policy, now);
    return {
      id: c.id,
      activity,
      numberStatus: status,
      validity,
      smsEligible: ch.smsEligible ?? (ch.numberStatus ? action.smsEligible : c.smsEligible),
      preferCheaperChannel: ch.numberStatus ? action.preferCheaperChannel : c.preferCheaperChannel,
      orderCount: ch.orderCount ?? c.orderCount,
      lastOrderAt,
      recheck: ch.recheck ?? null,
      riskPoints: Math.round(ev.risk.points),
      riskReasons: ev.risk.reasons,
      quarantined: ev.risk.quarantined,
      score: Math.round(ev.score.total),
      scoreParts: compactScoreParts(ev.score.parts),
      tier: ev.tier.tier,
      tierReasons: ev.tier.reasons,
      policyVersion: ev.score.policyVersion,
      fromTier: c.tier,
      cause: ch.cause,
    };
  });
  await writeContactUpdates(client, updates, now);
  return updates.map((u) => ({ contactId: u.id, fromTier: u.fromTier, toTier: u.tier }));
}

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a >= b ? a : b);
