/**
 * Queries of complaints (core/complaints.ts): the complaint rows with their proof, the count on the
 * contact, the e-mail send a report names, and a contact's complaints for `contact show`.
 */
import type { PoolClient } from 'pg';
import type { ComplaintChannel } from '../core/complaints';
import type { Pool } from './pool';
import { openedIn } from './sealed-fields';

export interface ComplaintRow {
  contactId: number;
  channel: ComplaintChannel;
  source: string;
  /** Unique: a replayed report with the same key counts once. */
  reportKey: string;
  ledgerId: string | null;
  at: Date;
  proof: Record<string, unknown>;
}

/**
 * Inserts the complaints not seen before and adds them to contacts.complaints, in one statement;
 * returns how many were new per contact and channel. The contacts must be locked by the caller.
 */
export async function insertComplaints(client: PoolClient, rows: readonly ComplaintRow[]): Promise<Array<{ contactId: number; channel: ComplaintChannel; added: number }>> {
  if (rows.length === 0) return [];
  const sorted = [...rows].sort((a, b) => a.contactId - b.contactId || (a.reportKey < b.reportKey ? -1 : 1));
  const { rows: out } = await client.query<{ contact_id: string; channel: ComplaintChannel; n: number }>(
    `WITH inserted AS (
       INSERT INTO complaints (contact_id, channel, source, report_key, ledger_id, at, proof)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[], $7::jsonb[])
       ON CONFLICT (report_key) DO NOTHING RETURNING contact_id, channel),
     counted AS (SELECT contact_id, channel, count(*)::int AS n FROM inserted GROUP BY contact_id, channel),
     updated AS (
       UPDATE contacts c SET complaints = c.complaints + s.n
       FROM (SELECT contact_id, sum(n)::int AS n FROM counted GROUP BY contact_id) s WHERE c.id = s.contact_id RETURNING c.id)
     SELECT contact_id, channel, n FROM counted ORDER BY contact_id, channel`,
    [
      sorted.map((r) => r.contactId),
      sorted.map((r) => r.channel),
      sorted.map((r) => r.source),
      sorted.map((r) => r.reportKey),
      sorted.map((r) => r.ledgerId),
      sorted.map((r) => r.at),
      sorted.map((r) => JSON.stringify(r.proof)),
    ],
  );
  return out.map((r) => ({ contactId: Number(r.contact_id), channel: r.channel, added: r.n }));
}

export interface EmailSendRef {
  ledgerId: string;
  contactId: number;
  campaignId: string | null;
  providerId: string | null;
  /** The contact's e-mail hashes (any of them may be the reported recipient). */
  emailHashes: string[];
}

/** The e-mail send of a ledger id, with its contact's e-mail hashes; null when there is none. */
export async function findEmailSend(pool: Pool, ledgerId: string): Promise<EmailSendRef | null> {
  const { rows } = await pool.query(
    `SELECT l.id, l.contact_id, l.campaign_id, l.provider_id,
       COALESCE((SELECT array_agg(e.email_hash) FROM contact_emails e WHERE e.contact_id = l.contact_id), '{}') AS email_hashes
     FROM send_ledger l WHERE l.id = $1 AND l.channel = 'email'`,
    [ledgerId],
  );
  const r = rows[0];
  if (!r) return null;
  return { ledgerId: String(r.id), contactId: Number(r.contact_id), campaignId: r.campaign_id === null ? null : String(r.campaign_id), providerId: r.provider_id, emailHashes: r.email_hashes };
}

export interface StoredComplaint {
  channel: string;
  source: string;
  at: string;
  ledgerId: string | null;
  proof: unknown;
}

export async function complaintsOf(pool: Pool, contactId: number): Promise<StoredComplaint[]> {
  const { rows } = await pool.query('SELECT channel, source, at, ledger_id, proof FROM complaints WHERE contact_id = $1 ORDER BY at, id', [contactId]);
  return rows.map((r) => ({ channel: r.channel, source: r.source, at: r.at.toISOString(), ledgerId: r.ledger_id === null ? null : String(r.ledger_id), proof: openedIn('complaints', 'proof', r.proof) }));
}
