/** The campaign's recipient queue (campaign_recipients): planned, claimed by batches, finished, advanced along a journey. */
import type { PoolClient } from 'pg';
import type { CampaignDefinition } from '../core/campaign/definition';
import type { Pool } from './pool';

/**
 * Selects the audience into campaign_recipients (idempotent: a second call adds nothing).
 * Contacts are filtered here by tier, tag, country, ids, an event segment (e.g. a purchase in
 * the last 90 days, or none: win-back), the time of their last order, the series cooldown (no
 * message from any run of the same scheduled template in N days) and limit; everything that can change
 * while the campaign runs (opt-outs, caps, windows, tier) is decided again at send time.
 */
export async function planRecipients(pool: Pool, campaignId: number, def: CampaignDefinition, startAt: Date, step = 'main'): Promise<number> {
  const a = def.audience;
  const series = (await pool.query<{ templateId: string | null }>('SELECT template_id AS "templateId" FROM campaigns WHERE id = $1', [campaignId])).rows[0] ?? { templateId: null };
  await pool.query(
    `INSERT INTO campaign_recipients (campaign_id, contact_id, tier, time_zone, next_at, step, holdout, state, last_reason)
     SELECT $1, p.id, p.tier, p.zone, $2, $15, p.holdout, CASE WHEN p.holdout THEN 'skipped' ELSE 'pending' END, CASE WHEN p.holdout THEN 'holdout' END
     FROM (
     SELECT c.id, c.tier, COALESCE(c.time_zones[1], 'Etc/Unknown') AS zone,
            -- The holdout: the first 32 bits of md5(campaign:contact) as a fraction below the share.
            $16::float8 > 0 AND ('x' || substr(md5($1::bigint::text || ':' || c.id::text), 1, 8))::bit(32)::bigint / 4294967296.0 < $16::float8 AS holdout
     FROM contacts c
     WHERE ($3::char(1)[] IS NULL OR c.tier = ANY($3))
       AND ($4::text[] IS NULL OR c.channel_tags && $4)
       AND ($5::text[] IS NULL OR c.country = ANY($5))
       AND ($6::bigint[] IS NULL OR c.id = ANY($6))
       AND ($8::text IS NULL OR $10::boolean <> EXISTS (
             SELECT 1 FROM events e WHERE e.contact_id = c.id AND e.tag = $8 AND e.occurred_at > $2::timestamptz - make_interval(days => $9::int)))
       AND ($11::int IS NULL OR c.last_order_at <= $2::timestamptz - make_interval(days => $11::int))
       AND ($12::int IS NULL OR c.last_order_at > $2::timestamptz - make_interval(days => $12::int))
       AND ($13::int IS NULL OR NOT EXISTS (
             SELECT 1 FROM send_ledger l JOIN campaigns k ON k.id = l.campaign_id
             WHERE l.contact_id = c.id AND l.campaign_id <> $1 AND l.category = 'marketing' AND l.state NOT IN ('released', 'failed')
               AND (k.id = $14 OR k.template_id = $14) AND l.reserved_at > $2::timestamptz - make_interval(days => $13::int)))
     ORDER BY c.id
     LIMIT $7) p
     ON CONFLICT DO NOTHING`,
    [campaignId, startAt, a.tiers ?? null, a.tags ?? null, a.countries ?? null, a.contactIds ?? null, a.limit ?? null,
     a.segment?.event ?? null, Math.ceil(a.segment?.withinDays ?? 0), a.segment?.absent ?? false,
     a.lastOrder?.olderThanDays ?? null, a.lastOrder?.withinDays ?? null, a.seriesCooldownDays ?? null, series.templateId ?? campaignId, step, def.holdout?.share ?? 0],
  );
  // The holdout's decision, once (a retried plan finds it): SKIP, never messaged, in the report.
  await pool.query(
    `INSERT INTO campaign_decisions (campaign_id, contact_id, at, decision, reason, rule, step)
     SELECT r.campaign_id, r.contact_id, $2, 'SKIP', 'holdout', 'holdout', r.step FROM campaign_recipients r
     WHERE r.campaign_id = $1 AND r.holdout
       AND NOT EXISTS (SELECT 1 FROM campaign_decisions d WHERE d.campaign_id = $1 AND d.contact_id = r.contact_id AND d.reason = 'holdout')`,
    [campaignId, startAt],
  );
  // Fresh statistics before the first claim: with the stale ones (an empty table) the planner
  // sorts every planned row for each batch instead of reading the first ones off the due index.
  await pool.query('ANALYZE campaign_recipients');
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM campaign_recipients WHERE campaign_id = $1 AND NOT holdout', [campaignId]);
  return rows[0]!.n;
}

/**
 * The next step of a journey for the contacts the previous step was just sent to: one row each,
 * due at `dueAt`, remembering the send (`since`) for the engagement and exit checks. Idempotent
 * (a retried batch adds nothing); returns how many rows were added.
 */
export async function advanceJourney(pool: Pool, campaignId: number, from: string, to: string, contactIds: readonly number[], since: Date, dueAt: Date): Promise<number> {
  if (!contactIds.length) return 0;
  const res = await pool.query(
    `INSERT INTO campaign_recipients (campaign_id, contact_id, tier, time_zone, next_at, step, step_since)
     SELECT campaign_id, contact_id, tier, time_zone, $5, $3, $4 FROM campaign_recipients
     WHERE campaign_id = $1 AND step = $2 AND contact_id = ANY($6::bigint[])
     ON CONFLICT DO NOTHING`,
    [campaignId, from, to, since, dueAt, contactIds],
  );
  return res.rowCount ?? 0;
}

export interface ClaimedRecipient {
  contactId: number;
  /** The journey step of the row ('main' for a single-step campaign); one step per batch. */
  step: string;
  /** The previous step's send to this contact (null for a first step). */
  stepSince: Date | null;
  tier: string;
  timeZone: string;
  previousState: 'pending' | 'deferred' | 'claimed';
}

/**
 * The batch `claimKey` works on: rows it claimed before (a retried activity resumes them), or
 * else up to `limit` due rows claimed now, all of the step of the earliest due row (a batch
 * works on one step). SKIP LOCKED lets parallel lanes take disjoint batches.
 */
export async function claimRecipients(pool: Pool, campaignId: number, claimKey: string, now: Date, limit: number): Promise<ClaimedRecipient[]> {
  const mine = await pool.query(
    `SELECT contact_id, tier, time_zone, step, step_since, 'claimed' AS prev FROM campaign_recipients WHERE campaign_id = $1 AND claim_key = $2 AND state = 'claimed' ORDER BY contact_id`,
    [campaignId, claimKey],
  );
  const rows = mine.rows.length
    ? mine.rows
    : (
        await pool.query(
          `WITH due AS (
             SELECT contact_id, step, state FROM campaign_recipients
             WHERE campaign_id = $1 AND state IN ('pending', 'deferred') AND next_at <= $3
               AND step = (SELECT step FROM campaign_recipients WHERE campaign_id = $1 AND state IN ('pending', 'deferred') AND next_at <= $3 ORDER BY next_at LIMIT 1)
             ORDER BY next_at LIMIT $4 FOR UPDATE SKIP LOCKED)
           UPDATE campaign_recipients r SET state = 'claimed', claim_key = $2
           FROM due WHERE r.campaign_id = $1 AND r.contact_id = due.contact_id AND r.step = due.step
           RETURNING r.contact_id, r.tier, r.time_zone, r.step, r.step_since, due.state AS prev`,
          [campaignId, claimKey, now, limit],
        )
      ).rows;
  return rows.map((r) => ({ contactId: Number(r.contact_id), step: r.step, stepSince: r.step_since, tier: r.tier, timeZone: r.time_zone, previousState: r.prev }));
}

/** Claims left by a run that ended (cancelled, crashed, continued-as-new) go back to the queue. */
export async function releaseClaims(pool: Pool, campaignId: number, exceptPrefix: string): Promise<number> {
  const res = await pool.query(
    `UPDATE campaign_recipients SET state = 'pending', claim_key = NULL WHERE campaign_id = $1 AND state = 'claimed' AND claim_key NOT LIKE $2 || '%'`,
    [campaignId, exceptPrefix],
  );
  return res.rowCount ?? 0;
}

/** nextDueAt counts remaining recipients up to this many: the workflow only asks "any left?". */
export const REMAINING_COUNT_CAP = 10_000;

/**
 * Earliest next_at and count of the recipients not final yet (pending, deferred, claimed), the
 * count capped at REMAINING_COUNT_CAP: every batch asks, and counting a million pending rows
 * each time made the query grow with the campaign (quadratic over the run). Due rows are read
 * through the due index and claimed rows (which always carry a claim key) through the claim
 * index, rather than scanning the whole campaign for every batch.
 */
export async function nextDueAt(pool: Pool, campaignId: number): Promise<{ next: Date | null; remaining: number }> {
  const { rows } = await pool.query<{ next: Date | null; remaining: number }>(
    `SELECT LEAST(
       (SELECT min(next_at) FROM campaign_recipients WHERE campaign_id = $1 AND state IN ('pending', 'deferred')),
       (SELECT min(next_at) FROM campaign_recipients WHERE campaign_id = $1 AND claim_key IS NOT NULL AND state = 'claimed')) AS next,
     LEAST($2::int,
       (SELECT count(*) FROM (SELECT 1 FROM campaign_recipients WHERE campaign_id = $1 AND state IN ('pending', 'deferred') LIMIT $2) p)::int
       + (SELECT count(*) FROM (SELECT 1 FROM campaign_recipients WHERE campaign_id = $1 AND claim_key IS NOT NULL AND state = 'claimed' LIMIT $2) c)::int) AS remaining`,
    [campaignId, REMAINING_COUNT_CAP],
  );
  return rows[0]!;
}

export interface RecipientOutcome {
  contactId: number;
  state: 'sent' | 'skipped' | 'deferred' | 'failed' | 'unknown';
  nextAt: Date | null;
  channel: string | null;
  reason: string;
}

export async function finishRecipients(client: PoolClient | Pool, campaignId: number, outcomes: readonly RecipientOutcome[], step = 'main'): Promise<void> {
  if (!outcomes.length) return;
  await client.query(
    `UPDATE campaign_recipients r SET state = o.state, next_at = COALESCE(o.next_at, r.next_at), channel = COALESCE(o.channel, r.channel),
       last_reason = o.reason, claim_key = NULL, decisions = r.decisions + 1
     FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::text[], $6::text[]) AS o(contact_id, state, next_at, channel, reason)
     WHERE r.campaign_id = $1 AND r.contact_id = o.contact_id AND r.step = $7`,
    [campaignId, outcomes.map((o) => o.contactId), outcomes.map((o) => o.state), outcomes.map((o) => o.nextAt), outcomes.map((o) => o.channel), outcomes.map((o) => o.reason), step],
  );
}

/** Remaining recipients of a cancelled campaign are skipped with the reason. */
export async function cancelRemaining(pool: Pool, campaignId: number, reason: string): Promise<number> {
  const res = await pool.query(
    `UPDATE campaign_recipients SET state = 'skipped', last_reason = 'cancelled', claim_key = NULL WHERE campaign_id = $1 AND state IN ('pending', 'deferred', 'claimed')`,
    [campaignId],
  );
  await pool.query(`UPDATE campaigns SET cancel_reason = COALESCE(cancel_reason, $2) WHERE id = $1`, [campaignId, reason]);
  return res.rowCount ?? 0;
}
