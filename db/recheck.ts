/** The queries of the number recheck (activities/recheck.ts): which numbers, what changed, what is due. */
import type { PoolClient } from 'pg';
import { dataCodec } from '../infra/data-keys';
import type { Pool } from './pool';

/** The next page of contacts to recheck after `afterId`, in id order; only those due by `at` when dueOnly. */
export async function contactsToRecheck(pool: Pool, o: { afterId: number; dueOnly: boolean; at: Date; limit: number }): Promise<Array<{ id: number; e164: string }>> {
  const { rows } = await pool.query<{ id: string; phone_enc: Buffer }>(
    `SELECT id, phone_enc FROM contacts WHERE id > $1 AND (NOT $2 OR recheck_after <= $3) ORDER BY id LIMIT $4`,
    [o.afterId, o.dueOnly, o.at, o.limit],
  );
  const codec = dataCodec();
  return rows.map((r) => ({ id: Number(r.id), e164: codec.decrypt(r.phone_enc) }));
}

/** Stores the line types a recheck found changed (a mobile number turned landline or VoIP). */
export async function setLineTypes(client: PoolClient, changes: ReadonlyArray<{ contactId: number; lineType: string }>): Promise<void> {
  if (changes.length === 0) return;
  await client.query('UPDATE contacts c SET line_type = x.t FROM unnest($1::bigint[], $2::text[]) AS x(id, t) WHERE c.id = x.id', [changes.map((x) => x.contactId), changes.map((x) => x.lineType)]);
}

/** The earliest recheck due by `horizon`, and how many are due by then. */
export async function rechecksDue(pool: Pool, horizon: Date): Promise<{ first: Date | null; count: number }> {
  const { rows } = await pool.query<{ first: Date | null; n: string }>('SELECT min(recheck_after) AS first, count(*) AS n FROM contacts WHERE recheck_after <= $1', [horizon]);
  return { first: rows[0]?.first ?? null, count: Number(rows[0]?.n ?? 0) };
}
