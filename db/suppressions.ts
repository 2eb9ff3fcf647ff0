import type { Pool } from './pool';
import { inTransaction } from './transaction';

export type SuppressionChannel = 'sms' | 'email' | 'all';
export type SuppressionKind = 'opt_out' | 'complaint' | 'bounce' | 'carrier_block' | 'invalid_number' | 'manual';

/**
 * Records an opt-out or other suppression. It takes effect for the next send decision of this
 * contact on the channels it covers ('all' = every channel): decisions read this table at send time.
 */
export async function recordSuppression(
  pool: Pool,
  s: { contactId: number; channel: SuppressionChannel; kind: SuppressionKind; source: string; proof?: Record<string, unknown> },
): Promise<void> {
  await inTransaction(pool, async (client) => {
    // The contact first, then the row: an INSERT alone places its unique entry before its foreign
    // key locks the contact, and deadlocked with a transaction that held the contact and was about
    // to record the same suppression (a STOP's webhook while the recovery refusal settled).
    await client.query('SELECT 1 FROM contacts WHERE id = $1 FOR KEY SHARE', [s.contactId]);
    await client.query(
      `INSERT INTO suppressions (contact_id, channel, kind, source, proof) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (contact_id, channel, kind) DO NOTHING`,
      [s.contactId, s.channel, s.kind, s.source, s.proof ?? {}],
    );
  });
}

export async function removeSuppression(pool: Pool, contactId: number, channel: SuppressionChannel, kind: SuppressionKind): Promise<void> {
  await pool.query('DELETE FROM suppressions WHERE contact_id = $1 AND channel = $2 AND kind = $3', [contactId, channel, kind]);
}
