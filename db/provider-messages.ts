/**
 * Provider messages beyond the send ledger's own provider ids (migration 0025): messages adopted as
 * a second send of a ledger row (ledger_provider_messages) and status callbacks of messages no
 * ledger row knows (orphan_provider_messages). Writes take the client of the caller's transaction
 * and go in provider id order, after the ledger rows (the order applyStatusCallbacks locks in).
 */
import type { PoolClient } from 'pg';
import type { MessageStatus } from '../core/delivery-outcome';
import type { Pool } from './pool';

/** When the provider last told us anything of a ledger row (SQL over send_ledger `l`). */
export const LAST_PROVIDER_WORD = 'GREATEST(l.provider_status_at, l.sent_at, l.attempt_started_at, l.reserved_at)';
/** When a ledger row's (l) message first went out. */
export const FIRST_SENT = 'COALESCE(l.sent_at, l.attempt_started_at, l.reserved_at)';

/** A message adopted by a ledger row: a duplicate send. */
export interface AdoptedMessage {
  providerId: string;
  ledgerId: string;
  status: MessageStatus | null;
  errorCode: string | null;
}

/** Advisory lock class of provider ids the ledger rows do not hold (two-key form, apart from the caps' keys). */
const UNKNOWN_ID_LOCK_CLASS = 25;

/**
 * Serialises the transactions that handle the same provider id the ledger rows do not hold: an
 * adopted message or an orphan seen for the first time by two batches at once would otherwise be
 * inserted by both, the second overwriting the first's status and count. Taken in hash order
 * after the ledger rows' locks, so batches never wait on each other in a cycle.
 */
export async function lockUnknownProviderIds(client: PoolClient, providerIds: readonly string[]): Promise<void> {
  if (providerIds.length === 0) return;
  await client.query(
    `SELECT pg_advisory_xact_lock(${UNKNOWN_ID_LOCK_CLASS}, s.h) FROM (SELECT DISTINCT hashtext(x) AS h FROM unnest($1::text[]) AS x ORDER BY h) s`,
    [providerIds],
  );
}

/** Locks the adopted messages with these provider ids. */
export async function lockAdoptedMessages(client: PoolClient, providerIds: readonly string[]): Promise<AdoptedMessage[]> {
  if (providerIds.length === 0) return [];
  const { rows } = await client.query(
    'SELECT provider_id, ledger_id, status, error_code FROM ledger_provider_messages WHERE provider_id = ANY($1::text[]) ORDER BY provider_id FOR UPDATE',
    [providerIds],
  );
  return rows.map((r) => ({ providerId: r.provider_id, ledgerId: String(r.ledger_id), status: r.status, errorCode: r.error_code }));
}

/** Inserts or updates adopted messages (their status as planned by the caller). */
export async function upsertAdoptedMessages(client: PoolClient, rows: readonly AdoptedMessage[], at: Date): Promise<void> {
  if (rows.length === 0) return;
  const sorted = [...rows].sort((a, b) => (a.providerId < b.providerId ? -1 : 1));
  await client.query(
    `INSERT INTO ledger_provider_messages (provider_id, ledger_id, status, error_code, first_seen_at, updated_at)
     SELECT x.provider_id, x.ledger_id, x.status, x.error_code, $5, $5 FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS x(provider_id, ledger_id, status, error_code)
     ON CONFLICT (provider_id) DO UPDATE SET status = EXCLUDED.status, error_code = EXCLUDED.error_code, updated_at = $5`,
    [sorted.map((r) => r.providerId), sorted.map((r) => r.ledgerId), sorted.map((r) => r.status ?? 'accepted'), sorted.map((r) => r.errorCode), at],
  );
}

/** A message no ledger row knows, as its callbacks described it. */
export interface OrphanMessage {
  providerId: string;
  /** The ledger id the callback URL named (a row that does not exist), if any. */
  namedLedger: string | null;
  status: MessageStatus;
  errorCode: string | null;
  /** Callbacks received for it, this batch's included. */
  callbacks: number;
}

export async function lockOrphans(client: PoolClient, providerIds: readonly string[]): Promise<OrphanMessage[]> {
  if (providerIds.length === 0) return [];
  const { rows } = await client.query(
    'SELECT provider_id, named_ledger, status, error_code, callbacks FROM orphan_provider_messages WHERE provider_id = ANY($1::text[]) ORDER BY provider_id FOR UPDATE',
    [providerIds],
  );
  return rows.map((r) => ({ providerId: r.provider_id, namedLedger: r.named_ledger, status: r.status, errorCode: r.error_code, callbacks: r.callbacks }));
}

export async function upsertOrphans(client: PoolClient, rows: readonly OrphanMessage[], at: Date): Promise<void> {
  if (rows.length === 0) return;
  const sorted = [...rows].sort((a, b) => (a.providerId < b.providerId ? -1 : 1));
  await client.query(
    `INSERT INTO orphan_provider_messages (provider_id, named_ledger, status, error_code, callbacks, first_seen_at, updated_at)
     SELECT x.provider_id, x.named_ledger, x.status, x.error_code, x.callbacks, $6, $6
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) AS x(provider_id, named_ledger, status, error_code, callbacks)
     ON CONFLICT (provider_id) DO UPDATE SET named_ledger = COALESCE(orphan_provider_messages.named_ledger, EXCLUDED.named_ledger),
       status = EXCLUDED.status, error_code = EXCLUDED.error_code, callbacks = EXCLUDED.callbacks, updated_at = $6`,
    [sorted.map((r) => r.providerId), sorted.map((r) => r.namedLedger), sorted.map((r) => r.status), sorted.map((r) => r.errorCode), sorted.map((r) => r.callbacks), at],
  );
}

export interface OrphanRow extends OrphanMessage {
  firstSeenAt: string;
  updatedAt: string;
}

/** Orphans the ledger still does not know (a later API response may have named one), newest first. */
export async function listOrphans(pool: Pool, limit: number): Promise<{ total: number; orphans: OrphanRow[] }> {
  const unknown = `FROM orphan_provider_messages o
     WHERE NOT EXISTS (SELECT 1 FROM send_ledger l WHERE l.provider_id = o.provider_id)
       AND NOT EXISTS (SELECT 1 FROM ledger_provider_messages a WHERE a.provider_id = o.provider_id)`;
  const [count, page] = await Promise.all([
    pool.query<{ n: number }>(`SELECT count(*)::int AS n ${unknown}`),
    pool.query(`SELECT o.* ${unknown} ORDER BY o.first_seen_at DESC, o.provider_id LIMIT $1`, [limit]),
  ]);
  return {
    total: count.rows[0]!.n,
    orphans: page.rows.map((r) => ({
      providerId: r.provider_id,
      namedLedger: r.named_ledger,
      status: r.status,
      errorCode: r.error_code,
      callbacks: r.callbacks,
      firstSeenAt: r.first_seen_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    })),
  };
}

/**
 * Of these provider message ids (e.g. every message the provider holds), those the ledger does not
 * know: neither a row's provider id nor an adopted message. Orphans count as unknown.
 */
export async function unknownProviderIds(pool: Pool, providerIds: readonly string[]): Promise<string[]> {
  if (providerIds.length === 0) return [];
  const { rows } = await pool.query<{ id: string }>(
    `SELECT x.id FROM unnest($1::text[]) AS x(id)
     WHERE NOT EXISTS (SELECT 1 FROM send_ledger l WHERE l.provider_id = x.id)
       AND NOT EXISTS (SELECT 1 FROM ledger_provider_messages a WHERE a.provider_id = x.id)
     ORDER BY x.id`,
    [[...new Set(providerIds)]],
  );
  return rows.map((r) => r.id);
}

export interface ProviderMessageCounts {
  /** Ledger rows with a provider id. */
  messages: number;
  /** Adopted second messages (duplicate sends). */
  duplicates: number;
  /** Ledger rows that had more than one message. */
  duplicatedRows: number;
  /** Rows in 'sent' whose last word from the provider is older than `stuckBefore` (when given). */
  stuckInSent: number;
  /** Of those, the rows first sent before `givenUpBefore` (when given): the sweep asks about them no more. */
  givenUp: number;
}

/** Message counts of one campaign, or of the whole ledger. */
export async function providerMessageCounts(pool: Pool, opts: { campaignId?: number; stuckBefore?: Date; givenUpBefore?: Date } = {}): Promise<ProviderMessageCounts> {
  const { rows } = await pool.query<ProviderMessageCounts>(
    `SELECT
       (SELECT count(*) FROM send_ledger l WHERE ($1::bigint IS NULL OR l.campaign_id = $1) AND l.provider_id IS NOT NULL)::int AS messages,
       (SELECT count(*) FROM ledger_provider_messages a JOIN send_ledger l ON l.id = a.ledger_id WHERE $1::bigint IS NULL OR l.campaign_id = $1)::int AS duplicates,
       (SELECT count(DISTINCT a.ledger_id) FROM ledger_provider_messages a JOIN send_ledger l ON l.id = a.ledger_id WHERE $1::bigint IS NULL OR l.campaign_id = $1)::int AS "duplicatedRows",
       (SELECT count(*) FROM send_ledger l WHERE ($1::bigint IS NULL OR l.campaign_id = $1) AND l.state = 'sent' AND $2::timestamptz IS NOT NULL
          AND ${LAST_PROVIDER_WORD} < $2)::int AS "stuckInSent",
       (SELECT count(*) FROM send_ledger l WHERE ($1::bigint IS NULL OR l.campaign_id = $1) AND l.state = 'sent' AND $2::timestamptz IS NOT NULL AND $3::timestamptz IS NOT NULL
          AND ${LAST_PROVIDER_WORD} < $2 AND ${FIRST_SENT} <= $3)::int AS "givenUp"`,
    [opts.campaignId ?? null, opts.stuckBefore ?? null, opts.givenUpBefore ?? null],
  );
  return rows[0]!;
}
