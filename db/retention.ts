/**
 * The retention purge's statements, one per kind of row of the contact policy's `retention`
 * section (core/privacy/retention.ts): each deletes (or, for rejected lines, empties the raw text
 * of) at most `limit` rows older than the cutoff, and says how many it touched. A dry run counts
 * what the same statement would touch, without the limit.
 */
import type { RetentionKind } from '../core/policy/contact-policy';
import type { Pool } from './pool';
import { inTransaction } from './transaction';

interface PurgeSql {
  /** The rows due: a FROM ... WHERE ... selecting `ctid` of the target table as t, $1 = cutoff. */
  due: string;
  /** What is done to them: 'delete', or an UPDATE's SET list. */
  action: 'delete' | string;
  table: string;
}

const rejectsRaw = (table: string, imports: string): PurgeSql => ({
  table,
  due: `FROM ${table} t JOIN ${imports} i ON i.id = t.import_id WHERE i.created_at < $1 AND t.raw_enc IS NOT NULL`,
  action: 'raw_enc = NULL',
});
const warnings = (table: string, imports: string): PurgeSql => ({ table, due: `FROM ${table} t JOIN ${imports} i ON i.id = t.import_id WHERE i.created_at < $1`, action: 'delete' });

export const PURGES: Readonly<Record<RetentionKind, PurgeSql>> = {
  importRejectsRaw: rejectsRaw('import_rejects', 'imports'),
  eventImportRejectsRaw: rejectsRaw('event_import_rejects', 'event_imports'),
  importWarnings: warnings('import_warnings', 'imports'),
  eventImportWarnings: warnings('event_import_warnings', 'event_imports'),
  events: { table: 'events', due: 'FROM events t WHERE t.contact_id IS NOT NULL AND t.occurred_at < $1', action: 'delete' },
  unmatchedEvents: { table: 'events', due: 'FROM events t WHERE t.contact_id IS NULL AND t.received_at < $1', action: 'delete' },
  sendAttempts: { table: 'send_attempts', due: 'FROM send_attempts t WHERE t.finished_at < $1', action: 'delete' },
  twilioWebhooks: { table: 'twilio_webhooks', due: 'FROM twilio_webhooks t WHERE t.received_at < $1', action: 'delete' },
  lookupCache: { table: 'number_lookup_cache', due: 'FROM number_lookup_cache t WHERE t.looked_up_at < $1', action: 'delete' },
  accessAudit: { table: 'access_audit', due: 'FROM access_audit t WHERE t.at < $1', action: 'delete' },
};

/** One batch of one kind: at most `limit` rows older than `before` purged, in one transaction; returns how many. */
export async function purgeBatch(pool: Pool, kind: RetentionKind, before: Date, limit: number): Promise<number> {
  const p = PURGES[kind];
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ ctid: string; id?: string }>(`SELECT t.ctid${kind === 'sendAttempts' ? ', t.id' : ''} ${p.due} LIMIT $2 FOR UPDATE OF t SKIP LOCKED`, [before, limit]);
    if (rows.length === 0) return 0;
    // The ledger keeps its rows; only their reference to a finished attempt goes.
    if (kind === 'sendAttempts') await client.query('UPDATE send_ledger SET attempt_id = NULL WHERE attempt_id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
    const ctids = rows.map((r) => r.ctid);
    const sql = p.action === 'delete' ? `DELETE FROM ${p.table} WHERE ctid = ANY($1::tid[])` : `UPDATE ${p.table} SET ${p.action} WHERE ctid = ANY($1::tid[])`;
    const { rowCount } = await client.query(sql, [ctids]);
    return rowCount ?? 0;
  });
}

/** How many rows of this kind are older than `before` (what a purge would touch). */
export async function countDue(pool: Pool, kind: RetentionKind, before: Date): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n ${PURGES[kind].due}`, [before]);
  return Number(rows[0]!.n);
}
