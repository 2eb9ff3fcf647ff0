/**
 * Suppressions, the one module that writes and reads them: opt-outs (STOP, unsubscribe links and
 * events, provider error 21610), complaints, bounces, carrier blocks, manual ones. A row covers a
 * channel or 'all'; send decisions read them at send time per sending channel (suppressionsOf).
 */
import type { PoolClient } from 'pg';
import type { Pool } from './pool';
import { inTransaction } from './transaction';

export type SuppressionChannel = 'sms' | 'email' | 'all';
export type SuppressionKind = 'opt_out' | 'complaint' | 'bounce' | 'carrier_block' | 'invalid_number' | 'manual';
/** A channel messages are sent on; a suppression on 'all' covers each. */
export type SendingChannel = Exclude<SuppressionChannel, 'all'>;

export interface SuppressionRow {
  contactId: number;
  channel: SuppressionChannel;
  kind: SuppressionKind;
  source: string;
  proof: Record<string, unknown>;
  /** When it took effect, if not the batch's time (an opt-out received before its number was a contact). */
  at?: Date;
}

/** The kinds of suppression in force on each sending channel ('all' rows counted on both). */
export type ChannelSuppressions = Record<SendingChannel, SuppressionKind[]>;

/**
 * Records suppressions (the first proof of each (contact, channel, kind) is kept), in contact and
 * channel order; returns how many were new.
 */
export async function insertSuppressions(client: PoolClient, rows: readonly SuppressionRow[], at: Date): Promise<number> {
  if (rows.length === 0) return 0;
  const sorted = [...rows].sort((a, b) => a.contactId - b.contactId || (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0));
  const { rowCount } = await client.query(
    `INSERT INTO suppressions (contact_id, channel, kind, source, proof, created_at)
     SELECT x.contact_id, x.channel, x.kind, x.source, x.proof, COALESCE(x.at, $6) FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $7::timestamptz[]) AS x(contact_id, channel, kind, source, proof, at)
     ON CONFLICT (contact_id, channel, kind) DO NOTHING`,
    [sorted.map((r) => r.contactId), sorted.map((r) => r.channel), sorted.map((r) => r.kind), sorted.map((r) => r.source), sorted.map((r) => JSON.stringify(r.proof)), at, sorted.map((r) => r.at ?? null)],
  );
  return rowCount ?? 0;
}

/**
 * Records one suppression in a transaction of its own. It takes effect for the next send decision
 * of this contact on the channels it covers: decisions read this table at send time.
 */
export async function recordSuppression(
  pool: Pool,
  s: { contactId: number; channel: SuppressionChannel; kind: SuppressionKind; source: string; proof?: Record<string, unknown> },
  at: Date = new Date(),
): Promise<void> {
  await inTransaction(pool, async (client) => {
    // The contact first, then the row: an INSERT alone places its unique entry before its foreign
    // key locks the contact, and deadlocked with a transaction that held the contact and was about
    // to record the same suppression (a STOP's webhook while the recovery refusal settled).
    await client.query('SELECT 1 FROM contacts WHERE id = $1 FOR KEY SHARE', [s.contactId]);
    await insertSuppressions(client, [{ ...s, proof: s.proof ?? {} }], at);
  });
}

/** Removes a contact's opt-outs on a channel (an inbound START); returns how many were removed. */
export async function removeOptOuts(client: PoolClient, contactId: number, channel: SuppressionChannel): Promise<number> {
  const { rowCount } = await client.query(`DELETE FROM suppressions WHERE contact_id = $1 AND channel = $2 AND kind = 'opt_out'`, [contactId, channel]);
  return rowCount ?? 0;
}

/**
 * For a query over contacts `c`: a column of the contact's suppressions as [channel, kind] pairs
 * (a two-dimensional array from one subquery; null when it has none), folded by suppressionsOf.
 */
export const SUPPRESSION_PAIRS = `(SELECT array_agg(ARRAY[s.channel, s.kind]) FROM suppressions s WHERE s.contact_id = c.id) AS suppression_pairs`;

/**
 * The kinds in force per sending channel, from SUPPRESSION_PAIRS, plus an SMS opt-out still
 * pending for the number and a manual suppression on both channels when one of the contact's
 * identifiers was erased (db/privacy.ts ERASED_IDENTIFIER_SQL).
 */
export function suppressionsOf(pairs: ReadonlyArray<readonly string[]> | null, pendingSmsOptOut = false, erasedIdentifier = false): ChannelSuppressions {
  const out: ChannelSuppressions = { sms: [], email: [] };
  for (const [channel, kind] of pairs ?? []) {
    for (const c of channel === 'all' ? (['sms', 'email'] as const) : [channel as SendingChannel]) if (!out[c].includes(kind as SuppressionKind)) out[c].push(kind as SuppressionKind);
  }
  if (pendingSmsOptOut && !out.sms.includes('opt_out')) out.sms.push('opt_out');
  if (erasedIdentifier) for (const c of ['sms', 'email'] as const) if (!out[c].includes('manual')) out[c].push('manual');
  return out;
}
