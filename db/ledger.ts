import type { PoolClient } from 'pg';
import type { CapRule, CountedSend, NamedCapRule } from '../core/frequency';
import type { Pool } from './pool';
import { inTransaction } from './transaction';

/** Advisory lock keys of contacts' caps: this base plus the contact id. */
const CAP_LOCK_BASE = 1_000_000_000_000_000;

export type LedgerState = 'reserved' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'unknown' | 'released';

export interface LedgerRow {
  id: string;
  contactId: number;
  channel: 'sms' | 'email';
  state: LedgerState;
  attemptStartedAt: Date | null;
  providerId: string | null;
}

export interface SendRequest {
  contactId: number;
  channel: 'sms' | 'email';
  /** The caps of this contact (core/policy/effective.ts capRulesFor); none for transactional sends. */
  caps: readonly NamedCapRule[];
}

export interface Reservation {
  /** Ledger rows that exist for this campaign step: new reservations and earlier attempts. */
  rows: Map<number, LedgerRow>;
  /** Contacts refused by a cap, with the instant the cap frees and the rule that holds them. */
  capped: Map<number, { freeAt: number; rule: string }>;
}

const toLedger = (r: Record<string, any>): LedgerRow => ({
  id: String(r.id),
  contactId: Number(r.contact_id),
  channel: r.channel,
  state: r.state,
  attemptStartedAt: r.attempt_started_at,
  providerId: r.provider_id,
});

/** This step's ledger rows of these contacts, by contact. */
export async function ledgerRowsOf(pool: Pool, campaignId: number, step: string, contactIds: readonly number[]): Promise<Map<number, LedgerRow>> {
  return stepRows(pool, { campaignId, step }, contactIds);
}

/**
 * Contacts per reservation transaction. Each holds one advisory lock per contact until it
 * commits, and PostgreSQL's lock table is shared and bounded (max_locks_per_transaction x
 * max_connections, plus some slack: 20,000 to 25,000 locks here), so a batch of 30,000 in one
 * transaction failed with "out of shared memory". Bigger batches are reserved in chunks.
 */
export const RESERVE_CHUNK = 1_000;

type ReserveOptions = {
  campaignId: number;
  step: string;
  category: 'marketing' | 'transactional';
  at: Date;
  /** The cap rule (core/frequency.ts CAP_RULE): this module counts and locks, the rule decides. */
  capRule: CapRule;
};

/**
 * Checks the caps and reserves sends for a batch: per contact, atomically. A per-contact advisory
 * lock is taken first, in id order (so concurrent batches of other campaigns neither deadlock
 * nor both take the last slot, and intake's row locks are not involved); the counting
 * statement runs after the locks are held, so it sees every send another campaign committed
 * before releasing them. A contact that already has a ledger row for this step (an earlier
 * attempt) keeps it and is not counted again. A contact's requests stay in one transaction;
 * batches larger than RESERVE_CHUNK contacts take one transaction per chunk. `known`: this step's
 * rows of these contacts as the caller read them within its fenced send attempt (no other attempt
 * writes them meanwhile), so that a batch reads its ledger rows once; without it they are read here.
 */
export async function reserveSends(pool: Pool, opts: ReserveOptions, requests: readonly SendRequest[], known?: ReadonlyMap<number, LedgerRow>): Promise<Reservation> {
  const byContact = new Map<number, SendRequest[]>();
  for (const r of requests) {
    const list = byContact.get(r.contactId);
    if (list) list.push(r);
    else byContact.set(r.contactId, [r]);
  }
  if (byContact.size <= RESERVE_CHUNK) return reserveChunk(pool, opts, requests, known);
  const ids = [...byContact.keys()].sort((a, b) => a - b);
  const out: Reservation = { rows: new Map(), capped: new Map() };
  for (let i = 0; i < ids.length; i += RESERVE_CHUNK) {
    const part = await reserveChunk(pool, opts, ids.slice(i, i + RESERVE_CHUNK).flatMap((id) => byContact.get(id)!), known);
    for (const [k, v] of part.rows) out.rows.set(k, v);
    for (const [k, v] of part.capped) out.capped.set(k, v);
  }
  return out;
}

async function reserveChunk(pool: Pool, opts: ReserveOptions, requests: readonly SendRequest[], known?: ReadonlyMap<number, LedgerRow>): Promise<Reservation> {
  return inTransaction(pool, async (client) => {
    const ids = [...new Set(requests.map((r) => r.contactId))].sort((a, b) => a - b);
    await client.query(
      `SELECT pg_advisory_xact_lock(${CAP_LOCK_BASE}::bigint + s.id) FROM (SELECT id FROM unnest($1::bigint[]) AS id ORDER BY id) s`,
      [ids],
    );
    const rows = known ? new Map(ids.flatMap((id) => (known.has(id) ? [[id, known.get(id)!] as const] : []))) : await stepRows(client, opts, ids);
    const fresh = requests.filter((r) => !rows.has(r.contactId));
    const capped = new Map<number, { freeAt: number; rule: string }>();
    let allowed = fresh;
    if (opts.capRule.caps(opts.category) && fresh.length) {
      const hours = Math.max(...fresh.map((r) => opts.capRule.windowHours(r.caps)));
      const history = await recentMarketingSends(client, fresh.map((r) => r.contactId), new Date(opts.at.getTime() - hours * 3_600_000));
      allowed = [];
      for (const r of fresh) {
        const check = opts.capRule.check(r.caps, r.channel, history.get(r.contactId) ?? [], opts.at.getTime());
        if (check.ok) allowed.push(r);
        else capped.set(r.contactId, { freeAt: check.freeAt, rule: check.rule });
      }
    }
    if (allowed.length) {
      const inserted = await client.query(
        `INSERT INTO send_ledger (campaign_id, contact_id, step, channel, category, reserved_at)
         SELECT $1, x.contact_id, $2, x.channel, $3, $4 FROM unnest($5::bigint[], $6::text[]) AS x(contact_id, channel)
         ON CONFLICT (campaign_id, contact_id, step) DO NOTHING
         RETURNING *`,
        [opts.campaignId, opts.step, opts.category, opts.at, allowed.map((r) => r.contactId), allowed.map((r) => r.channel)],
      );
      for (const r of inserted.rows) rows.set(Number(r.contact_id), toLedger(r));
      // A row written since the caller read `known` (never within a fenced batch): it is kept as it is.
      const raced = allowed.filter((r) => !rows.has(r.contactId)).map((r) => r.contactId);
      if (raced.length) for (const [id, row] of await stepRows(client, opts, raced)) rows.set(id, row);
    }
    return { rows, capped };
  });
}

/** This step's ledger rows of these contacts, by contact. */
async function stepRows(client: PoolClient | Pool, opts: Pick<ReserveOptions, 'campaignId' | 'step'>, ids: readonly number[]): Promise<Map<number, LedgerRow>> {
  const { rows } = await client.query('SELECT * FROM send_ledger WHERE campaign_id = $1 AND step = $2 AND contact_id = ANY($3::bigint[])', [opts.campaignId, opts.step, ids]);
  return new Map(rows.map((r) => [Number(r.contact_id), toLedger(r)]));
}

/** The marketing sends of these contacts reserved after `since` (released ones do not count), by contact. */
async function recentMarketingSends(client: PoolClient, contactIds: readonly number[], since: Date): Promise<Map<number, CountedSend[]>> {
  const { rows } = await client.query(
    `SELECT contact_id, channel, reserved_at FROM send_ledger
     WHERE category = 'marketing' AND contact_id = ANY($1::bigint[]) AND state <> 'released' AND reserved_at > $2`,
    [contactIds, since],
  );
  const out = new Map<number, CountedSend[]>();
  for (const r of rows) {
    const key = Number(r.contact_id);
    const list = out.get(key) ?? [];
    list.push({ at: r.reserved_at.getTime(), channel: r.channel });
    out.set(key, list);
  }
  return out;
}

/**
 * Marks rows as being attempted now by this attempt (db/send-attempts.ts): an attempt whose
 * outcome is lost is then reconcilable. Only rows still 'reserved' (or already this attempt's) are
 * taken; the ids returned are the ones this attempt owns and may send.
 */
export async function markSending(pool: Pool, ids: readonly string[], at: Date, attemptId: string): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const { rows } = await pool.query<{ id: string }>(
    `UPDATE send_ledger SET state = 'sending', attempt_started_at = $2, attempt_id = $3
     WHERE id = ANY($1::bigint[]) AND (state = 'reserved' OR (state = 'sending' AND attempt_id = $3)) RETURNING id::text`,
    [ids, at, attemptId],
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * Takes over 'sending' rows whose attempt can no longer call the provider (finished, or its lease
 * ran out; or no attempt recorded, rows from before migration 0022), so that this attempt alone
 * reconciles them. Returns the ids taken; a row another live attempt owns is not among them.
 */
export async function adoptStaleSending(pool: Pool, ids: readonly string[], attemptId: string): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const { rows } = await pool.query<{ id: string }>(
    `UPDATE send_ledger l SET attempt_id = $2
     WHERE l.id = ANY($1::bigint[]) AND l.state = 'sending'
       AND (l.attempt_id IS NULL OR l.attempt_id = $2 OR EXISTS (
         SELECT 1 FROM send_attempts a WHERE a.id = l.attempt_id AND (a.finished_at IS NOT NULL OR a.lease_until <= clock_timestamp())))
     RETURNING l.id::text`,
    [ids, attemptId],
  );
  return new Set(rows.map((r) => r.id));
}

/** Rows this attempt marked 'sending' but never offered to the provider go back to 'reserved' for the next attempt. */
export async function returnUnsent(pool: Pool, ids: readonly string[], attemptId: string): Promise<void> {
  if (ids.length)
    await pool.query(`UPDATE send_ledger SET state = 'reserved', attempt_id = NULL, attempt_started_at = NULL WHERE id = ANY($1::bigint[]) AND state = 'sending' AND attempt_id = $2`, [
      ids,
      attemptId,
    ]);
}

export interface LedgerResult {
  id: string;
  state: 'sent' | 'failed' | 'unknown' | 'released';
  providerId?: string | null;
  providerStatus?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  segments?: number | null;
  encoding?: string | null;
}

/**
 * Status callbacks can reach the server before the sending activity records the API response
 * (server/twilio-webhooks.ts): a row that a callback already moved on (provider status set,
 * delivered / undelivered) keeps that status, state and error code. Rows are locked in id order,
 * as the callbacks lock them.
 */
export async function recordResults(pool: Pool, results: readonly LedgerResult[], at: Date): Promise<void> {
  if (!results.length) return;
  const col = <K extends keyof LedgerResult>(k: K) => results.map((r) => r[k] ?? null);
  await pool.query(
    `WITH locked AS (SELECT id FROM send_ledger WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE)
     UPDATE send_ledger l SET
       state = CASE WHEN l.provider_status IS NOT NULL AND l.state IN ('delivered', 'undelivered', 'failed') AND x.state IN ('sent', 'unknown') THEN l.state ELSE x.state END,
       provider_id = COALESCE(x.provider_id, l.provider_id), provider_status = COALESCE(l.provider_status, x.provider_status),
       error_code = COALESCE(x.error_code, l.error_code), error_message = x.error_message, segments = COALESCE(x.segments, l.segments), encoding = COALESCE(x.encoding, l.encoding),
       sent_at = CASE WHEN x.state = 'sent' THEN $8::timestamptz ELSE l.sent_at END
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $9::text[])
       AS x(id, state, provider_id, provider_status, error_code, error_message, segments, encoding)
     WHERE l.id = x.id AND l.id IN (SELECT id FROM locked)`,
    [col('id'), col('state'), col('providerId'), col('providerStatus'), col('errorCode'), col('errorMessage'), col('segments'), at, col('encoding')],
  );
}
