/**
 * What the sweep asks the provider about (reachloop ledger sweep): SMS ledger rows left in 'sent'
 * and adopted second messages not final yet, whose last word from the provider is older than the
 * cutoff and that the sweep did not ask about since. Read page by page in key order.
 */
import type { MessageStatus } from '../core/delivery-outcome';
import type { Pool } from './pool';
import { FIRST_SENT, LAST_PROVIDER_WORD } from './provider-messages';

export interface SweepTarget {
  /** The ledger row (its own message, or the row an adopted message belongs to). */
  ledgerId: string;
  providerId: string;
  status: MessageStatus | null;
}

/** Statuses after which nothing more comes (core/delivery-outcome.ts terminal, outbound). */
const FINAL = ['delivered', 'undelivered', 'failed', 'canceled', 'read', 'partially_delivered'];

/**
 * Rows in 'sent' with a provider id, id > afterId, quiet since before `cutoff`, not swept since, and
 * first sent after `sentAfter` (null: whenever).
 */
export async function sentRowsToSweep(pool: Pool, o: { afterId: string; cutoff: Date; sentAfter: Date | null; limit: number }): Promise<SweepTarget[]> {
  const { rows } = await pool.query(
    `SELECT l.id, l.provider_id, l.provider_status FROM send_ledger l
     WHERE l.id > $1 AND l.state = 'sent' AND l.channel = 'sms' AND l.provider_id IS NOT NULL
       AND ${LAST_PROVIDER_WORD} <= $2 AND (l.swept_at IS NULL OR l.swept_at < $2)
       AND ($4::timestamptz IS NULL OR ${FIRST_SENT} > $4)
     ORDER BY l.id LIMIT $3`,
    [o.afterId, o.cutoff, o.limit, o.sentAfter],
  );
  return rows.map((r) => ({ ledgerId: String(r.id), providerId: r.provider_id, status: r.provider_status }));
}

/** Adopted messages not final yet, provider id > afterId, quiet since before `cutoff`, not swept since, and first seen after `sentAfter` (null: whenever). */
export async function adoptedToSweep(pool: Pool, o: { afterId: string; cutoff: Date; sentAfter: Date | null; limit: number }): Promise<SweepTarget[]> {
  const { rows } = await pool.query(
    `SELECT a.provider_id, a.ledger_id, a.status FROM ledger_provider_messages a
     WHERE a.provider_id > $1 AND a.status <> ALL($4::text[]) AND a.updated_at <= $2 AND (a.swept_at IS NULL OR a.swept_at < $2)
       AND ($5::timestamptz IS NULL OR a.first_seen_at > $5)
     ORDER BY a.provider_id LIMIT $3`,
    [o.afterId, o.cutoff, o.limit, FINAL, o.sentAfter],
  );
  return rows.map((r) => ({ ledgerId: String(r.ledger_id), providerId: r.provider_id, status: r.status }));
}

/** Records that the provider was asked about these messages (main ids of rows, or adopted ones). */
export async function markSwept(pool: Pool, providerIds: readonly string[], at: Date): Promise<void> {
  if (providerIds.length === 0) return;
  await pool.query('UPDATE send_ledger SET swept_at = $2 WHERE provider_id = ANY($1::text[])', [providerIds, at]);
  await pool.query('UPDATE ledger_provider_messages SET swept_at = $2 WHERE provider_id = ANY($1::text[])', [providerIds, at]);
}
