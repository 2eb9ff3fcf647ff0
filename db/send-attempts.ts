/**
 * Leases of send attempts (migration 0022): the queries. The rules of their use are in
 * activities/send-attempt.ts. Every time here is PostgreSQL's clock_timestamp(), shared by all
 * workers; callers only ever see durations.
 */
import { inTransaction } from './transaction';
import type { Pool } from './pool';

/** Lock keys of attempt scopes: this base plus hashtext(scope), apart from the caps' keys (db/ledger.ts). */
const SCOPE_LOCK_BASE = 2_000_000_000_000_000;

/** Which earlier attempts the new one must wait for: of its scope, or owning 'sending' rows of its contacts. */
export interface AttemptScope {
  scope: string;
  /** Ledger rows the attempt will touch: (campaign, step, contacts); null campaign = recovery rows (campaign_id IS NULL). */
  ledger: { campaignId: number | null; step: string; contactIds: readonly number[] };
}

/** Registers an attempt with a lease of leaseMs from now; returns its id. Scopes are serialised by id order. */
export async function insertAttempt(pool: Pool, scope: string, owner: string, leaseMs: number): Promise<string> {
  return inTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(${SCOPE_LOCK_BASE}::bigint + hashtext($1))`, [scope]);
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO send_attempts (scope, owner, lease_until) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond') RETURNING id::text`,
      [scope, owner, leaseMs],
    );
    return rows[0]!.id;
  });
}

/**
 * The longest time still left on the lease of an earlier attempt that is alive (not finished, lease
 * not run out) and either has the same scope or owns a 'sending' ledger row among these contacts;
 * 0 when there is none. "Earlier" is a lower id, so two attempts never wait for each other.
 */
export async function earlierLiveAttemptMs(pool: Pool, attemptId: string, s: AttemptScope): Promise<number> {
  const { rows } = await pool.query<{ ms: number | null }>(
    `SELECT ceil(extract(epoch FROM max(a.lease_until) - clock_timestamp()) * 1000)::float8 AS ms
     FROM send_attempts a
     WHERE a.id < $1 AND a.finished_at IS NULL AND a.lease_until > clock_timestamp()
       AND (a.scope = $2 OR a.id IN (
         SELECT l.attempt_id FROM send_ledger l
         WHERE l.campaign_id IS NOT DISTINCT FROM $3::bigint AND l.step = $4 AND l.contact_id = ANY($5::bigint[]) AND l.state = 'sending' AND l.attempt_id IS NOT NULL))`,
    [attemptId, s.scope, s.ledger.campaignId, s.ledger.step, s.ledger.contactIds],
  );
  return Math.max(0, rows[0]?.ms ?? 0);
}

/**
 * Extends the lease by leaseMs from now, only while it has not run out and the attempt has not
 * finished: a lease that ran out may already be another attempt's, so it is lost for good.
 */
export async function renewLease(pool: Pool, attemptId: string, leaseMs: number): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE send_attempts SET lease_until = clock_timestamp() + $2 * interval '1 millisecond'
     WHERE id = $1 AND finished_at IS NULL AND lease_until > clock_timestamp()`,
    [attemptId, leaseMs],
  );
  return rowCount === 1;
}

/** The attempt has recorded its results and makes no further provider call. */
export async function finishAttempt(pool: Pool, attemptId: string): Promise<void> {
  await pool.query(`UPDATE send_attempts SET finished_at = clock_timestamp() WHERE id = $1 AND finished_at IS NULL`, [attemptId]);
}
