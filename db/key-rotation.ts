import type { DataCodec } from '../infra/data-codec';
import { prefixOf } from '../infra/data-codec';
import { ENCRYPTED_COLUMNS } from './personal-data';
import type { Pool } from './pool';
import { sealedFieldName, sealedSetSql, sealedValueSql, SEALED_FIELDS } from './sealed-fields';
import { inTransaction } from './transaction';

/**
 * Where encrypted values are: every bytea *_enc column, and every text sealed inside a JSON column
 * (db/sealed-fields.ts). `value` is the SQL of the value as bytea (NULL where none), `set(v)` the
 * SET clause that writes bytea `v` back.
 */
interface SealedPlace {
  name: string;
  table: string;
  value: string;
  set: (v: string) => string;
}

export const SEALED_PLACES: readonly SealedPlace[] = [
  ...ENCRYPTED_COLUMNS.map((c) => ({ name: `${c.table}.${c.enc}`, table: c.table, value: c.enc, set: (v: string) => `${c.enc} = ${v}` })),
  ...SEALED_FIELDS.map((f) => ({ name: sealedFieldName(f), table: f.table, value: sealedValueSql(f), set: (v: string) => sealedSetSql(f, v) })),
];

/** Values per data key id, per encrypted column or sealed field (`keys status`). */
export async function valuesByKey(pool: Pool): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const c of SEALED_PLACES) {
    const { rows } = await pool.query<{ id: string; n: number }>(
      `SELECT convert_from(substring(v FROM 2 FOR get_byte(v, 0)), 'SQL_ASCII') AS id, count(*)::int AS n
       FROM (SELECT ${c.value} AS v FROM ${c.table}) x WHERE v IS NOT NULL GROUP BY 1 ORDER BY 1`,
    );
    out[c.name] = Object.fromEntries(rows.map((r) => [r.id, r.n]));
  }
  return out;
}

/** How many values of a place are not under the active key. */
async function remainingIn(pool: Pool, c: SealedPlace, prefix: Buffer): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${c.table} WHERE ${c.value} IS NOT NULL AND substring(${c.value} FROM 1 FOR $2) <> $1`,
    [prefix, prefix.length],
  );
  return rows[0]!.n;
}

/**
 * Re-encrypts up to `batch` values of a column that are not under the active key, in one short
 * transaction: the rows are locked FOR UPDATE SKIP LOCKED (a row a sender or an import holds is
 * left for a later batch, nobody waits), decrypted, encrypted under the active key and written
 * back by their ctid, stable while the lock is held. Returns how many it moved.
 */
export async function rotateBatch(pool: Pool, codec: DataCodec, c: SealedPlace, batch: number): Promise<number> {
  const prefix = prefixOf(codec.activeId);
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ t: string; v: Buffer }>(
      `SELECT ctid::text AS t, ${c.value} AS v FROM ${c.table}
       WHERE ${c.value} IS NOT NULL AND substring(${c.value} FROM 1 FOR $2) <> $1 LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [prefix, prefix.length, batch],
    );
    if (rows.length === 0) return 0;
    await client.query(`UPDATE ${c.table} x SET ${c.set('u.v')} FROM unnest($1::tid[], $2::bytea[]) u(t, v) WHERE x.ctid = u.t`, [
      rows.map((r) => r.t),
      rows.map((r) => codec.reencrypt(r.v)),
    ]);
    return rows.length;
  });
}

export interface RotationResult {
  activeKey: string;
  rotated: Record<string, number>;
  /** Values still under another key (0 when done). */
  remaining: number;
  /** Keys that no value is under any more: their start-up check is dropped, they can leave REACHLOOP_DATA_KEYS. */
  retiredKeys: string[];
}

/**
 * `reachloop keys rotate`: every value under another key re-encrypted under the active one, a
 * batch at a time, while the system runs. Idempotent and resumable (what is under the active key
 * is never touched again). Values the application writes meanwhile are under the active key
 * already (every process must have the new key set before the rotation starts); rows locked by
 * others are retried until none is left or `maxPasses` full passes found only locked rows.
 */
export async function rotateKeys(pool: Pool, codec: DataCodec, opts: { batch: number; onProgress?: (column: string, rotated: number) => void; maxPasses?: number }): Promise<RotationResult> {
  const rotated: Record<string, number> = {};
  const prefix = prefixOf(codec.activeId);
  let remaining = 0;
  for (let pass = 0; pass < (opts.maxPasses ?? 50); pass++) {
    for (const c of SEALED_PLACES) {
      const name = c.name;
      rotated[name] ??= 0;
      for (let n = await rotateBatch(pool, codec, c, opts.batch); n > 0; n = await rotateBatch(pool, codec, c, opts.batch)) {
        rotated[name] += n;
        opts.onProgress?.(name, rotated[name]);
      }
    }
    remaining = 0;
    for (const c of SEALED_PLACES) remaining += await remainingIn(pool, c, prefix);
    if (remaining === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const retiredKeys: string[] = [];
  if (remaining === 0) {
    const { rows } = await pool.query<{ key_id: string }>(`DELETE FROM data_key_checks WHERE key_id NOT IN ('lookup', $1) RETURNING key_id`, [codec.activeId]);
    retiredKeys.push(...rows.map((r) => r.key_id).sort());
  }
  return { activeKey: codec.activeId, rotated, remaining, retiredKeys };
}
