import type { PoolClient } from 'pg';
import type { StoredFacts } from '../core/activity';
import type { ContactDraft } from '../core/intake/merge';
import type { NumberStatus } from '../core/number-status';
import type { PhoneType } from '../core/phone';
import type { ValidityStatus } from '../core/score';
import { copyRows, type CopyValue } from './copy';

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
      draft: {
        e164: r.phone_e164,
        extension: r.phone_extension,
        lineType: r.line_type as PhoneType,
        country: r.country,
        region: r.region,
        currency: r.currency,
        language: r.language,
        timeZones: r.time_zones,
        name: r.name,
        emails: [],
        channelTags: r.channel_tags,
        sources: r.sources,
        deviceIds: r.device_ids,
        lastOrderAt: r.last_order_at ? r.last_order_at.toISOString() : null,
        orderValue: r.order_value === null ? null : Number(r.order_value),
        consents: [],
      },
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
  recheck: { at: string; after: string } | null;
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

const COLUMNS = [
  'id', 'activity', 'number_status', 'validity', 'sms_eligible', 'prefer_cheaper_channel', 'order_count', 'last_order_at',
  'rechecked_at', 'recheck_after', 'risk_points', 'risk_reasons', 'quarantined', 'score', 'score_parts', 'tier', 'tier_reasons', 'policy_version',
] as const;

/** Writes re-scored contacts in one statement (COPY into a temp table, UPDATE from it) and their tier changes. */
export async function writeContactUpdates(client: PoolClient, updates: readonly ContactUpdate[], at: Date): Promise<void> {
  if (updates.length === 0) return;
  await client.query(`CREATE TEMP TABLE IF NOT EXISTS tmp_rescore (
    id bigint PRIMARY KEY, activity jsonb, number_status text, validity text, sms_eligible boolean, prefer_cheaper_channel boolean,
    order_count integer, last_order_at timestamptz, rechecked_at timestamptz, recheck_after timestamptz, risk_points integer,
    risk_reasons text[], quarantined boolean, score integer, score_parts jsonb, tier char(1), tier_reasons text[], policy_version text
  ) ON COMMIT DROP`);
  await client.query('TRUNCATE tmp_rescore');
  await copyRows(
    client,
    'tmp_rescore',
    COLUMNS,
    updates.map((u): CopyValue[] => [
      u.id, { json: u.activity }, u.numberStatus, u.validity, u.smsEligible, u.preferCheaperChannel, u.orderCount, u.lastOrderAt,
      u.recheck?.at ?? null, u.recheck?.after ?? null, u.riskPoints, u.riskReasons, u.quarantined, u.score, { json: u.scoreParts }, u.tier,
      u.tierReasons, u.policyVersion,
    ]),
  );
  await client.query(`UPDATE contacts c SET
      activity = t.activity, number_status = t.number_status, validity = t.validity, sms_eligible = t.sms_eligible,
      prefer_cheaper_channel = t.prefer_cheaper_channel, order_count = t.order_count,
      last_order_at = GREATEST(c.last_order_at, t.last_order_at),
      rechecked_at = COALESCE(t.rechecked_at, c.rechecked_at), recheck_after = COALESCE(t.recheck_after, c.recheck_after),
      risk_points = t.risk_points, risk_reasons = t.risk_reasons, quarantined = t.quarantined, score = t.score,
      score_parts = t.score_parts, tier = t.tier, tier_reasons = t.tier_reasons, policy_version = t.policy_version, updated_at = now()
    FROM tmp_rescore t WHERE c.id = t.id`);
  await copyRows(
    client,
    'tier_history',
    ['contact_id', 'at', 'from_tier', 'to_tier', 'score', 'cause', 'reasons'],
    updates.filter((u) => u.tier !== u.fromTier).map((u): CopyValue[] => [u.id, at.toISOString(), u.fromTier, u.tier, u.score, u.cause, u.tierReasons]),
  );
}
