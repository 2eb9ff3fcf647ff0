import type { PoolClient } from 'pg';
import type { StoredFacts } from '../core/activity';
import type { ContactDraft } from '../core/intake/merge';
import type { NumberStatus } from '../core/number-status';
import type { ValidityStatus } from '../core/score-policy';
import { draftFromRow } from './contacts';

/**
 * A contact as re-scoring needs it (events, rechecks, outcomes). The draft carries what the score
 * reads (line type, imported order value); e-mails and consents are not loaded and never written.
 */
export interface RescoreContact {
  id: number;
  draft: ContactDraft;
  validity: ValidityStatus;
  numberStatus: NumberStatus;
  smsEligible: boolean;
  preferCheaperChannel: boolean;
  stored: StoredFacts;
  tier: string;
  orderCount: number;
}

/** Locks the contacts FOR UPDATE in id order (concurrent batches never deadlock) and reads them. */
export async function lockContactsById(client: PoolClient, ids: readonly number[]): Promise<Map<number, RescoreContact>> {
  const out = new Map<number, RescoreContact>();
  if (ids.length === 0) return out;
  const { rows } = await client.query('SELECT * FROM contacts WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [ids]);
  for (const r of rows) {
    out.set(Number(r.id), {
      id: Number(r.id),
      validity: r.validity,
      numberStatus: r.number_status,
      smsEligible: r.sms_eligible,
      preferCheaperChannel: r.prefer_cheaper_channel,
      tier: r.tier,
      orderCount: r.order_count,
      stored: {
        activity: r.activity,
        complaints: r.complaints,
        sameRangeRegistrations: r.same_range_registrations,
        sameDeviceRegistrations: r.same_device_registrations,
      },
      draft: draftFromRow(r, [], []),
    });
  }
  return out;
}

/** The new state of one re-scored contact. */
export interface ContactUpdate {
  id: number;
  activity: Record<string, unknown>;
  numberStatus: NumberStatus;
  validity: ValidityStatus;
  smsEligible: boolean;
  preferCheaperChannel: boolean;
  orderCount: number;
  /** Kept as the later of this and the stored value. */
  lastOrderAt: string | null;
  /** Set by a recheck; null leaves the stored times. */
  recheck: { at: string | null; after: string } | null;
  riskPoints: number;
  riskReasons: string[];
  quarantined: boolean;
  score: number;
  scoreParts: unknown[];
  tier: string;
  tierReasons: string[];
  policyVersion: string;
  /** Written to tier_history when the tier changed. */
  fromTier: string;
  cause: string;
}

/**
 * Writes re-scored contacts in one statement (UPDATE from arrays) and their tier changes. One
 * statement whatever the batch size: no temporary table, whose creation per transaction costs
 * catalog writes that dominate small batches (delivery callbacks arrive by the thousand a second).
 * Text-array columns travel as JSON (a text[][] would have to be rectangular).
 */
export async function writeContactUpdates(client: PoolClient, updates: readonly ContactUpdate[], at: Date): Promise<void> {
  if (updates.length === 0) return;
  const col = <T>(f: (u: ContactUpdate) => T) => updates.map(f);
  await client.query(
    `UPDATE contacts c SET
      activity = t.activity, number_status = t.number_status, validity = t.validity, sms_eligible = t.sms_eligible,
      prefer_cheaper_channel = t.prefer_cheaper_channel, order_count = t.order_count,
      last_order_at = GREATEST(c.last_order_at, t.last_order_at),
      rechecked_at = COALESCE(t.rechecked_at, c.rechecked_at), recheck_after = COALESCE(t.recheck_after, c.recheck_after),
      risk_points = t.risk_points, risk_reasons = ARRAY(SELECT jsonb_array_elements_text(t.risk_reasons)), quarantined = t.quarantined, score = t.score,
      score_parts = t.score_parts, tier = t.tier, tier_reasons = ARRAY(SELECT jsonb_array_elements_text(t.tier_reasons)), policy_version = t.policy_version, updated_at = now()
    FROM unnest($1::bigint[], $2::jsonb[], $3::text[], $4::text[], $5::boolean[], $6::boolean[], $7::int[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[],
                $11::int[], $12::jsonb[], $13::boolean[], $14::int[], $15::json[], $16::text[], $17::jsonb[], $18::text[])
      AS t(id, activity, number_status, validity, sms_eligible, prefer_cheaper_channel, order_count, last_order_at, rechecked_at, recheck_after,
           risk_points, risk_reasons, quarantined, score, score_parts, tier, tier_reasons, policy_version)
    WHERE c.id = t.id`,
    [
      col((u) => u.id),
      col((u) => JSON.stringify(u.activity)),
      col((u) => u.numberStatus),
      col((u) => u.validity),
      col((u) => u.smsEligible),
      col((u) => u.preferCheaperChannel),
      col((u) => u.orderCount),
      col((u) => u.lastOrderAt),
      col((u) => u.recheck?.at ?? null),
      col((u) => u.recheck?.after ?? null),
      col((u) => u.riskPoints),
      col((u) => JSON.stringify(u.riskReasons)),
      col((u) => u.quarantined),
      col((u) => u.score),
      col((u) => JSON.stringify(u.scoreParts)),
      col((u) => u.tier),
      col((u) => JSON.stringify(u.tierReasons)),
      col((u) => u.policyVersion),
    ],
  );
  const moved = updates.filter((u) => u.tier !== u.fromTier);
  if (moved.length === 0) return;
  await client.query(
    `INSERT INTO tier_history (contact_id, at, from_tier, to_tier, score, cause, reasons)
     SELECT t.id, $7, t.from_tier, t.to_tier, t.score, t.cause, ARRAY(SELECT jsonb_array_elements_text(t.reasons))
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[], $6::jsonb[]) AS t(id, from_tier, to_tier, score, cause, reasons)`,
    [moved.map((u) => u.id), moved.map((u) => u.fromTier), moved.map((u) => u.tier), moved.map((u) => u.score), moved.map((u) => u.cause), moved.map((u) => JSON.stringify(u.tierReasons)), at],
  );
}
