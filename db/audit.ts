/**
 * The access audit (migration 0032): one row per read of a contact's personal data, export and
 * erasure. Callers write the row before they read (`recordAccess` in the same command or
 * request), so a read that cannot be audited fails instead of happening unrecorded.
 */
import type { PoolClient } from 'pg';
import type { AuditAction, AuditEntry } from '../core/privacy/audit';
import type { Pool } from './pool';

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: AuditAction;
  contactId: number | null;
  reason: string;
  detail: Record<string, unknown>;
}

/** Writes one audit row; throws (and the caller's read does not happen) when it cannot. */
export async function recordAccess(db: Pool | PoolClient, e: AuditEntry, at?: Date): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO access_audit (actor, action, contact_id, reason, detail, at) VALUES ($1, $2, $3, $4, $5, COALESCE($6, now())) RETURNING id`,
    [e.actor, e.action, e.contactId, e.reason.trim(), JSON.stringify(e.detail ?? {}), at ?? null],
  );
  return Number(rows[0]!.id);
}

/** Audit rows, newest first: of one contact and/or since a time. */
export async function listAudit(pool: Pool, f: { contactId?: number; since?: Date; limit: number }): Promise<AuditRow[]> {
  const { rows } = await pool.query(
    `SELECT id, at, actor, action, contact_id, reason, detail FROM access_audit
     WHERE ($1::bigint IS NULL OR contact_id = $1) AND ($2::timestamptz IS NULL OR at >= $2)
     ORDER BY at DESC, id DESC LIMIT $3`,
    [f.contactId ?? null, f.since ?? null, f.limit],
  );
  return rows.map((r) => ({ id: Number(r.id), at: r.at.toISOString(), actor: r.actor, action: r.action, contactId: r.contact_id === null ? null : Number(r.contact_id), reason: r.reason, detail: r.detail }));
}

/** Adds counts known only after the read (rows exported) to an audit row's detail. */
export async function addAuditDetail(pool: Pool, id: number, detail: Record<string, string | number | boolean | null>): Promise<void> {
  await pool.query('UPDATE access_audit SET detail = detail || $2::jsonb WHERE id = $1', [id, JSON.stringify(detail)]);
}
