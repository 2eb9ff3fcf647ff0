import type { DataCodec } from '../infra/data-codec';
import { DataKeyError, lookupHashStep } from '../infra/data-codec';
import { LOOKUP_HASH_COLUMNS, rewriteLookupHashes } from './personal-data';
import type { Pool } from './pool';
import { inTransaction } from './transaction';

// `reachloop keys rotate-lookup`: the lookup key chain gets one more key, and every stored lookup
// hash h becomes HMAC(k_new, h). No plaintext is needed, so the hashes kept of erased identifiers
// and the old numbers of merged contacts move along with the rest.

export interface LookupRotationResult {
  /** Rows rewritten per `table.column`. */
  rewritten: Record<string, number>;
  /** Keys in the new chain. */
  chainLength: number;
}

/** Imports still staging or merging rows (their scratch tables hold hashes under the current chain). */
export async function importsInProgress(pool: Pool): Promise<number[]> {
  const { rows } = await pool.query<{ id: string }>(`SELECT id FROM imports WHERE status IN ('uploading', 'processing') ORDER BY id`);
  return rows.map((r) => Number(r.id));
}

/**
 * In ONE transaction (all or nothing): locks every table holding a lookup hash against writes
 * (reads go on), checks under lock that the database is still on `codec`'s chain (a second run
 * with the same environment is refused rather than hashing twice), rewrites every hash with the
 * new key and records the new chain's fingerprint, so that a process started with the old chain
 * refuses to start. Returns the new codec with the counts.
 */
export async function rotateLookupKey(pool: Pool, codec: DataCodec, newKey: Buffer): Promise<LookupRotationResult & { codec: DataCodec }> {
  const next = codec.withLookupKey(newKey);
  return inTransaction(pool, async (client) => {
    const tables = [...new Set(LOOKUP_HASH_COLUMNS.map(([t]) => t))];
    await client.query(`LOCK TABLE ${tables.join(', ')} IN EXCLUSIVE MODE`);
    const { rows } = await client.query<{ fingerprint: string }>(`SELECT fingerprint FROM data_key_checks WHERE key_id = 'lookup' FOR UPDATE`);
    if (rows[0] && rows[0].fingerprint !== codec.fingerprint('lookup')) throw new DataKeyError('the database is not on the lookup key chain of this process any more (another rotation ran?): nothing was changed');
    const rewritten = await rewriteLookupHashes(client, (h) => lookupHashStep(newKey, h));
    await client.query(
      `INSERT INTO data_key_checks (key_id, fingerprint) VALUES ('lookup', $1)
       ON CONFLICT (key_id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, recorded_at = now()`,
      [next.fingerprint('lookup')],
    );
    return { rewritten, chainLength: next.lookupKeyChain.length, codec: next };
  });
}
