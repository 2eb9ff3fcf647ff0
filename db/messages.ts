/**
 * Queries of the single-message API (`POST /v1/messages`): the contact a request names, the
 * idempotency record (key hash -> message -> its one-recipient transactional campaign) and what
 * became of the message (decision, ledger, provider status).
 */
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { CampaignDefinition } from '../core/campaign/definition';
import { messageCampaignName } from '../core/message-request';
import type { DataCodec } from '../infra/data-codec';
import { phoneHash } from './contacts';
import type { Pool } from './pool';
import { inClientTransaction, inTransaction } from './transaction';

export interface MessageContact {
  id: number;
  hasEmail: boolean;
  /** Set when the record is an alias left by a changed-number merge. */
  mergedInto: number | null;
}

/** The contact a request names, by id or by number (its hash); undefined when there is none. */
export async function findMessageContact(pool: Pool, target: { contactRef: string } | { e164: string }): Promise<MessageContact | undefined> {
  const [where, value] = 'contactRef' in target ? ['c.public_id = $1', target.contactRef] : ['c.phone_hash = $1', phoneHash(target.e164)];
  const { rows } = await pool.query(
    `SELECT c.id, EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id) AS has_email,
            (SELECT a.contact_id FROM contact_aliases a WHERE a.old_contact_id = c.id) AS merged_into
     FROM contacts c WHERE ${where}`,
    [value],
  );
  const r = rows[0];
  return r ? { id: Number(r.id), hasEmail: r.has_email, mergedInto: r.merged_into === null ? null : Number(r.merged_into) } : undefined;
}

export interface MessageRow {
  id: number;
  /** The keyed lookup hash of the canonical request; null once the person was erased. */
  bodyHash: string | null;
  campaignId: number;
  contactId: number;
  channel: 'sms' | 'email';
  urgent: boolean;
  workflowId: string;
  startedAt: Date | null;
  createdAt: Date;
}

const toRow = (r: Record<string, any>): MessageRow => ({
  id: Number(r.id),
  bodyHash: r.body_hash,
  campaignId: Number(r.campaign_id),
  contactId: Number(r.contact_id),
  channel: r.channel,
  urgent: r.urgent,
  workflowId: r.workflow_id,
  startedAt: r.started_at,
  createdAt: r.created_at,
});

export interface NewMessage {
  /** The API caller sending it (server/api.ts ApiCaller.key). */
  caller: string;
  keyHash: string;
  bodyHash: string;
  contactId: number;
  channel: 'sms' | 'email';
  urgent: boolean;
  workflowId: string;
  definition: CampaignDefinition;
}

/**
 * The message of an idempotency key: created with its campaign in one transaction, or the one
 * that key made before (`created: false`). Two requests racing with one key: the second waits on
 * the unique key, finds the first's row, and its own campaign row is undone.
 */
export async function createOrFindMessage(pool: Pool, m: NewMessage): Promise<{ created: boolean; message: MessageRow }> {
  const existing = await findMessageByKey(pool, m.keyHash);
  if (existing) return { created: false, message: existing };
  return inTransaction(pool, async (client) => {
    const c = await client.query('INSERT INTO campaigns (name, category, definition) VALUES ($1, $2, $3) RETURNING id', [m.definition.name, m.definition.category, m.definition]);
    const campaignId = Number(c.rows[0].id);
    const ins = await client.query(
      `INSERT INTO api_messages (key_hash, body_hash, campaign_id, contact_id, channel, urgent, workflow_id, caller)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (key_hash) DO NOTHING RETURNING *`,
      [m.keyHash, m.bodyHash, campaignId, m.contactId, m.channel, m.urgent, m.workflowId, m.caller],
    );
    if (ins.rows[0]) return { created: true, message: toRow(ins.rows[0]) };
    await client.query('DELETE FROM campaigns WHERE id = $1', [campaignId]);
    const { rows } = await client.query('SELECT * FROM api_messages WHERE key_hash = $1', [m.keyHash]);
    return { created: false, message: toRow(rows[0]) };
  });
}

export async function findMessageByKey(pool: Pool, keyHash: string): Promise<MessageRow | undefined> {
  const { rows } = await pool.query('SELECT * FROM api_messages WHERE key_hash = $1', [keyHash]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

/** A message written before messages had callers (its key hashed alone), by that hash. */
export async function findCallerlessMessageByKey(pool: Pool, keyHash: string): Promise<MessageRow | undefined> {
  const { rows } = await pool.query('SELECT * FROM api_messages WHERE key_hash = $1 AND caller IS NULL', [keyHash]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

/** The workflow is started: the message says so, and its campaign is launched under that id. */
export async function markMessageStarted(pool: Pool, m: MessageRow, at: Date): Promise<void> {
  await pool.query('UPDATE api_messages SET started_at = COALESCE(started_at, $2) WHERE id = $1', [m.id, at]);
  await pool.query(
    `UPDATE campaigns SET workflow_id = $2, status = CASE WHEN status = 'draft' THEN 'launched' ELSE status END, launched_at = COALESCE(launched_at, $3)
     WHERE id = $1`,
    [m.campaignId, m.workflowId, at],
  );
}

export interface MessageView extends MessageRow {
  /** The recipient's state in the message's campaign (pending, deferred, sent, skipped, failed, unknown). */
  state: string | null;
  decision: { kind: 'SEND' | 'DEFER' | 'SKIP'; reason: string; rule: string | null; until: Date | null; at: Date; detail: string | null } | null;
  ledger: { state: string; providerId: string | null; providerStatus: string | null; errorCode: string | null; sentAt: Date | null; segments: number | null } | null;
}

/** A message of `caller` (or of no caller: written before callers) with its latest send decision and its ledger row; undefined for an unknown id or another caller's. */
export async function messageView(pool: Pool, id: number, caller: string): Promise<MessageView | undefined> {
  const { rows } = await pool.query(
    `SELECT m.*, r.state AS recipient_state,
            d.decision, d.reason, d.rule, d.until, d.at AS decided_at, d.detail,
            l.state AS ledger_state, l.provider_id, l.provider_status, l.error_code, l.sent_at, l.segments
     FROM api_messages m
     LEFT JOIN campaign_recipients r ON r.campaign_id = m.campaign_id AND r.contact_id = m.contact_id
     LEFT JOIN LATERAL (SELECT * FROM campaign_decisions x WHERE x.campaign_id = m.campaign_id AND x.contact_id = m.contact_id ORDER BY x.id DESC LIMIT 1) d ON true
     LEFT JOIN LATERAL (SELECT * FROM send_ledger y WHERE y.campaign_id = m.campaign_id AND y.contact_id = m.contact_id ORDER BY y.id DESC LIMIT 1) l ON true
     WHERE m.id = $1 AND (m.caller = $2 OR m.caller IS NULL)`,
    [id, caller],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    ...toRow(r),
    state: r.recipient_state ?? null,
    decision: r.decision ? { kind: r.decision, reason: r.reason, rule: r.rule, until: r.until, at: r.decided_at, detail: r.detail } : null,
    ledger: r.ledger_state ? { state: r.ledger_state, providerId: r.provider_id, providerStatus: r.provider_status, errorCode: r.error_code, sentAt: r.sent_at, segments: r.segments } : null,
  };
}

/**
 * Re-keys the hashes of the messages written before migration 0038 (a bare SHA-256 h of the key
 * and of the body becomes codec.lookupHashOfSha256(h), equal to the lookupHash of the same text),
 * and renames their campaigns, whose name held a prefix of the bare key hash (now a random id,
 * as a new message's). Their workflow ids, named by the bare key hash, stay: Temporal knows the
 * workflows by them. One transaction
 * with the deletion of the pending step, so that no hash is ever keyed twice. Returns the
 * messages re-keyed (0 when the step is not pending).
 */
export async function rekeyLegacyMessageHashes(client: PoolClient, codec: DataCodec): Promise<number> {
  const { rows: table } = await client.query(`SELECT to_regclass('personal_data_pending') AS t`);
  if (!table[0]?.t) return 0;
  return inClientTransaction(client, async () => {
    const { rowCount } = await client.query(`DELETE FROM personal_data_pending WHERE step = 'rekey_message_hashes'`);
    if (!rowCount) return 0;
    let done = 0;
    for (let after = 0; ; ) {
      const { rows } = await client.query<{ id: string; key_hash: string | null; body_hash: string | null }>(
        'SELECT id, key_hash, body_hash FROM api_messages WHERE id > $1 ORDER BY id LIMIT 5000',
        [after],
      );
      if (rows.length === 0) return done;
      const rekey = (h: string | null) => (h === null ? null : codec.lookupHashOfSha256(h));
      await client.query(
        `UPDATE campaigns c SET name = u.name, definition = jsonb_set(c.definition, '{name}', to_jsonb(u.name))
         FROM api_messages m, unnest($1::bigint[], $2::text[], $3::text[]) u(id, old, name)
         WHERE m.id = u.id AND c.id = m.campaign_id AND c.name = u.old`,
        [rows.map((r) => r.id), rows.map((r) => (r.key_hash ? `message ${r.key_hash.slice(0, 16)}` : null)) /* the name before 0038 */, rows.map(() => messageCampaignName(randomUUID()))],
      );
      await client.query(
        `UPDATE api_messages m SET key_hash = u.k, body_hash = u.b FROM unnest($1::bigint[], $2::text[], $3::text[]) u(id, k, b) WHERE m.id = u.id`,
        [rows.map((r) => r.id), rows.map((r) => rekey(r.key_hash)), rows.map((r) => rekey(r.body_hash))],
      );
      done += rows.length;
      after = Number(rows[rows.length - 1]!.id);
    }
  });
}
