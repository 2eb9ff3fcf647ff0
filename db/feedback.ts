/**
 * Queries of the feedback loop: the webhook receipts (replay guard and audit), send-ledger status
 * updates from callbacks and recovery candidates (suppressions: db/suppressions.ts). Every function takes the client
 * of the caller's transaction; rows are locked and written in a fixed order (replay key, ledger
 * id, contact id) so that concurrent batches never deadlock on each other.
 */
import type { PoolClient } from 'pg';
import type { MessageStatus } from '../core/delivery-outcome';

export interface WebhookReceipt {
  key: string;
  kind: 'status' | 'inbound';
  messageSid: string;
  status: string;
  errorCode: number | null;
  /** What came of it, when known at insert time (else 'received', set later with setWebhookResults). */
  result?: string;
  ledgerId?: string | null;
  contactId?: number | null;
}

/** Inserts the receipts; returns the keys that were new (the others are replays). */
export async function insertWebhookReceipts(client: PoolClient, receipts: readonly WebhookReceipt[]): Promise<Set<string>> {
  if (receipts.length === 0) return new Set();
  const sorted = [...receipts].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const { rows } = await client.query<{ replay_key: string }>(
    `INSERT INTO twilio_webhooks (replay_key, kind, message_sid, status, error_code, result, ledger_id, contact_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::bigint[], $8::bigint[])
     ON CONFLICT (replay_key) DO NOTHING RETURNING replay_key`,
    [
      sorted.map((r) => r.key),
      sorted.map((r) => r.kind),
      sorted.map((r) => r.messageSid),
      sorted.map((r) => r.status),
      sorted.map((r) => r.errorCode),
      sorted.map((r) => r.result ?? 'received'),
      sorted.map((r) => r.ledgerId ?? null),
      sorted.map((r) => r.contactId ?? null),
    ],
  );
  return new Set(rows.map((r) => r.replay_key));
}

export async function setWebhookResults(client: PoolClient, results: ReadonlyArray<{ key: string; result: string; ledgerId: string | null; contactId: number | null }>): Promise<void> {
  if (results.length === 0) return;
  await client.query(
    `UPDATE twilio_webhooks w SET result = x.result, ledger_id = x.ledger_id, contact_id = x.contact_id
     FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS x(key, result, ledger_id, contact_id) WHERE w.replay_key = x.key`,
    [results.map((r) => r.key), results.map((r) => r.result), results.map((r) => r.ledgerId), results.map((r) => r.contactId)],
  );
}

export interface LedgerStatusRow {
  id: string;
  contactId: number;
  channel: 'sms' | 'email';
  state: string;
  providerId: string | null;
  providerStatus: MessageStatus | null;
  errorCode: string | null;
  feedbackAt: Date | null;
}

const toRow = (r: Record<string, any>): LedgerStatusRow => ({
  id: String(r.id),
  contactId: Number(r.contact_id),
  channel: r.channel,
  state: r.state,
  providerId: r.provider_id,
  providerStatus: r.provider_status,
  errorCode: r.error_code,
  feedbackAt: r.feedback_at,
});

/** Locks (id order) the ledger rows named by provider id or by ledger id. */
export async function lockLedgerRows(client: PoolClient, by: { providerIds: readonly string[]; ids: readonly string[] }): Promise<LedgerStatusRow[]> {
  if (by.providerIds.length === 0 && by.ids.length === 0) return [];
  const { rows } = await client.query(
    `SELECT id, contact_id, channel, state, provider_id, provider_status, error_code, feedback_at FROM send_ledger
     WHERE provider_id = ANY($1::text[]) OR id = ANY($2::bigint[]) ORDER BY id FOR UPDATE`,
    [by.providerIds, by.ids],
  );
  return rows.map(toRow);
}

/** Locks (id order) failed rows whose refusal was not fed back yet. */
export async function lockRefusedRows(client: PoolClient, ids: readonly string[]): Promise<LedgerStatusRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await client.query(
    `SELECT id, contact_id, channel, state, provider_id, provider_status, error_code, feedback_at FROM send_ledger
     WHERE id = ANY($1::bigint[]) AND state = 'failed' AND feedback_at IS NULL AND error_code IS NOT NULL ORDER BY id FOR UPDATE`,
    [ids],
  );
  return rows.map(toRow);
}

/** These ledger rows' outcomes were fed back to their contacts (once per row). */
export async function markFedBack(client: PoolClient, ids: readonly string[], at: Date): Promise<void> {
  await client.query('UPDATE send_ledger SET feedback_at = $2 WHERE id = ANY($1::bigint[])', [ids, at]);
}

export async function updateLedgerStatuses(client: PoolClient, rows: readonly LedgerStatusRow[], at: Date): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `UPDATE send_ledger l SET state = x.state, provider_id = x.provider_id, provider_status = x.provider_status, error_code = x.error_code,
       provider_status_at = $7, feedback_at = x.feedback_at
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS x(id, state, provider_id, provider_status, error_code, feedback_at)
     WHERE l.id = x.id`,
    [rows.map((r) => r.id), rows.map((r) => r.state), rows.map((r) => r.providerId), rows.map((r) => r.providerStatus), rows.map((r) => r.errorCode), rows.map((r) => r.feedbackAt), at],
  );
}

export interface RecoveryCandidateRow {
  contactId: number;
  oldPhoneHash: string;
  reason: 'consecutive_failures' | 'invalid_number' | 'line_type_changed';
  evidence: Record<string, unknown>;
}

/** Opens a recovery case per contact unless one is open already; returns the contacts that got a new one. */
export async function openRecoveryCandidates(client: PoolClient, rows: readonly RecoveryCandidateRow[], at: Date): Promise<number[]> {
  if (rows.length === 0) return [];
  const sorted = [...rows].sort((a, b) => a.contactId - b.contactId);
  const { rows: inserted } = await client.query<{ contact_id: string }>(
    `INSERT INTO recovery_candidates (contact_id, old_phone_hash, reason, evidence, detected_at)
     SELECT x.contact_id, x.old_phone_hash, x.reason, x.evidence, $5 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[]) AS x(contact_id, old_phone_hash, reason, evidence)
     ON CONFLICT (contact_id) WHERE status IN ('open', 'in_progress') DO NOTHING RETURNING contact_id`,
    [sorted.map((r) => r.contactId), sorted.map((r) => r.oldPhoneHash), sorted.map((r) => r.reason), sorted.map((r) => JSON.stringify(r.evidence)), at],
  );
  return inserted.map((r) => Number(r.contact_id));
}
