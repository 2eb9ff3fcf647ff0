/**
 * Opt-outs received before their number was a contact (migration 0008). A STOP from an unknown
 * number is kept by phone hash with its proof; when intake creates (or updates) the contact, one
 * set-based statement per batch moves it into suppressions, so the number is opted out before any
 * campaign can see it. A START from the number in the meantime cancels it.
 */
import type { PoolClient } from 'pg';
import type { Pool } from './pool';
import { insertSuppressions, type SuppressionChannel } from './suppressions';
import { inTransaction } from './transaction';

/**
 * SQL condition for the send-time checks, given the contact as `c`: an opt-out on the SMS channel
 * is waiting for this number. It holds the moment the STOP is committed, even in the instant
 * before it is applied to a contact that an import was committing at the same time.
 */
export const PENDING_SMS_OPT_OUT_SQL = `EXISTS (SELECT 1 FROM pending_opt_outs p WHERE p.phone_hash = c.phone_hash AND p.channel IN ('sms', 'all'))`;

export interface PendingOptOut {
  phoneHash: string;
  channel: SuppressionChannel;
  source: string;
  proof: Record<string, unknown>;
}

/**
 * Records the opt-out (the first proof per number and channel is kept), then applies it at once
 * if the number became a contact since the caller looked (an import that just committed). An
 * import that commits after this transaction's look but read the pending rows before this one
 * committed misses it too: both sides settle again after committing (settlePendingOptOuts), and
 * the send-time checks read pending opt-outs by phone hash in any case (PENDING_OPT_OUT_SQL).
 */
export async function recordPendingOptOut(client: PoolClient, p: PendingOptOut, at: Date): Promise<void> {
  await client.query(
    `INSERT INTO pending_opt_outs (phone_hash, channel, source, proof, received_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (phone_hash, channel) DO NOTHING`,
    [p.phoneHash, p.channel, p.source, JSON.stringify(p.proof), at],
  );
  const { rows } = await client.query<{ id: string }>('SELECT id FROM contacts WHERE phone_hash = $1', [p.phoneHash]);
  if (rows[0]) await applyPendingOptOuts(client, new Map([[p.phoneHash, Number(rows[0].id)]]));
}

/** An opt-in from a number that is no contact: its pending opt-outs on the channel are dropped. */
export async function cancelPendingOptOuts(client: PoolClient, phoneHash: string, channel: SuppressionChannel): Promise<number> {
  const { rowCount } = await client.query('DELETE FROM pending_opt_outs WHERE phone_hash = $1 AND channel = $2', [phoneHash, channel]);
  return rowCount ?? 0;
}

/**
 * Moves the pending opt-outs of these numbers (phone hash -> contact id) into the contacts'
 * suppressions, keeping source, proof and time of receipt; returns how many were applied.
 * Intake calls it for every batch, and almost always nothing is pending: a first statement reads
 * the pending hashes within the batch's hash range (an index range scan, two parameters), and
 * only the batch's numbers found there are sent back to be moved, in one statement.
 */
export async function applyPendingOptOuts(client: PoolClient, byHash: ReadonlyMap<string, number>): Promise<number> {
  if (byHash.size === 0) return 0;
  let lo: string | undefined;
  let hi: string | undefined;
  for (const h of byHash.keys()) {
    if (lo === undefined || h < lo) lo = h;
    if (hi === undefined || h > hi) hi = h;
  }
  const { rows } = await client.query<{ phone_hash: string }>('SELECT DISTINCT phone_hash FROM pending_opt_outs WHERE phone_hash BETWEEN $1 AND $2', [lo, hi]);
  const found = rows.map((r) => r.phone_hash).filter((h) => byHash.has(h));
  if (found.length === 0) return 0;
  const { rows: moved } = await client.query<{ contact_id: string; channel: SuppressionChannel; source: string; proof: Record<string, unknown>; received_at: Date }>(
    `DELETE FROM pending_opt_outs p USING unnest($1::text[], $2::bigint[]) AS x(hash, contact_id)
     WHERE p.phone_hash = x.hash
     RETURNING x.contact_id, p.channel, p.source, p.proof, p.received_at`,
    [found, found.map((h) => byHash.get(h)!)],
  );
  if (moved.length === 0) return 0;
  // Each opt-out takes effect as of its receipt (the row's own time; the batch time goes unused).
  const optOuts = moved.map((r) => ({ contactId: Number(r.contact_id), channel: r.channel, kind: 'opt_out' as const, source: r.source, proof: r.proof, at: r.received_at }));
  return insertSuppressions(client, optOuts, optOuts[0]!.at!);
}

/**
 * After the caller's transaction committed: applies what is pending for these numbers that are
 * contacts now (phone hashes, or phone hash -> contact id when the caller knows the ids). With the
 * recording side doing the same after its commit, one of the two always sees the other's commit.
 */
export async function settlePendingOptOuts(pool: Pool, numbers: readonly string[] | ReadonlyMap<string, number>): Promise<number> {
  if ((numbers instanceof Map ? numbers.size : (numbers as readonly string[]).length) === 0) return 0;
  return inTransaction(pool, async (client) => {
    let byHash: ReadonlyMap<string, number>;
    if (numbers instanceof Map) byHash = numbers;
    else {
      const { rows } = await client.query<{ id: string; phone_hash: string }>('SELECT id, phone_hash FROM contacts WHERE phone_hash = ANY($1::text[])', [numbers]);
      byHash = new Map(rows.map((r) => [r.phone_hash, Number(r.id)]));
    }
    return applyPendingOptOuts(client, byHash);
  });
}
