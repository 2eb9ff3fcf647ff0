import type { DataCodec } from '../infra/data-codec';
import { DataKeyError } from '../infra/data-codec';
import type { PoolClient } from 'pg';
import { inClientTransaction } from './transaction';

/** Every encrypted column: its table, the bytea column, and the plaintext column it replaced. */
export const ENCRYPTED_COLUMNS = [
  { table: 'contacts', enc: 'phone_enc', plain: 'phone_e164' },
  { table: 'contacts', enc: 'name_enc', plain: 'name' },
  { table: 'contacts', enc: 'shipping_address_enc', plain: 'shipping_address' },
  { table: 'contact_emails', enc: 'email_enc', plain: 'email' },
  { table: 'recovery_cases', enc: 'candidate_enc', plain: 'candidate_e164' },
  { table: 'import_rejects', enc: 'raw_enc', plain: 'raw' },
  { table: 'event_import_rejects', enc: 'raw_enc', plain: 'raw' },
] as const;

/**
 * Every lookup-hash column: a keyed hash of a number, an e-mail or an address (a bare SHA-256 hex
 * before migration 0031, the lookup chain's HMAC after). The legacy conversion re-keys them and
 * `keys rotate-lookup` re-hashes them, so a column missing here would silently stop matching.
 */
export const LOOKUP_HASH_COLUMNS = [
  ['contacts', 'phone_hash'],
  ['contact_emails', 'email_hash'],
  ['events', 'phone_hash'],
  ['pending_opt_outs', 'phone_hash'],
  ['contact_addresses', 'address_hash'],
  ['orders', 'address_hash'],
  ['contact_aliases', 'old_phone_hash'],
  ['recovery_candidates', 'old_phone_hash'],
  ['recovery_cases', 'old_phone_hash'],
  ['recovery_cases', 'candidate_phone_hash'],
  ['erased_identifiers', 'hash'],
  ['number_lookup_cache', 'phone_hash'],
  // A single API message's Idempotency-Key (which a client may make of a number or an e-mail) and
  // its request body (which holds the recipient's number): keyed, so that neither can be guessed.
  ['api_messages', 'key_hash'],
  ['api_messages', 'body_hash'],
] as const;

/**
 * Hash columns that are not lookup hashes of personal data, and why: they are never re-keyed.
 * test/lookup-hash-columns.test.ts fails on a `hash` or `*_hash` column named in neither list.
 */
export const OTHER_HASH_COLUMNS = [
  ['api_tokens', 'token_hash', 'SHA-256 of an API bearer token, compared with the token presented'],
] as const;

/** Tables staging an import (db/intake.ts: intake_valid_<id>…): scratch, dropped when the import ends. */
export const INTAKE_SCRATCH_TABLE = /^intake_valid_\d+(_.*)?$/;

const BATCH = 5_000;

async function columnExists(pool: PoolClient, table: string, column: string): Promise<boolean> {
  const { rows } = await pool.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`,
    [table, column],
  );
  return rows.length > 0;
}

/**
 * Finishes migration 0031 on a database written before it (a no-op on a new one): re-keys every
 * lookup hash from SHA-256 to HMAC (one transaction, so a hash is never half converted), encrypts
 * the plaintext values in batches, and drops the plaintext columns once they are empty.
 * Idempotent; db/migrate.ts runs it after the SQL migrations (`reachloop migrate`, the worker's
 * --migrate), under the migration lock.
 */
export async function finishLegacyPersonalData(pool: PoolClient, codec: DataCodec): Promise<{ rehashed: boolean; encrypted: number; dropped: string[] }> {
  if (!(await columnExists(pool, 'personal_data_pending', 'step'))) return { rehashed: false, encrypted: 0, dropped: [] };
  const rehashed = await rehashLegacy(pool, codec);
  let encrypted = 0;
  const dropped: string[] = [];
  for (const c of ENCRYPTED_COLUMNS) {
    if (!(await columnExists(pool, c.table, c.plain))) continue;
    for (;;) {
      const { rows } = await pool.query<{ t: string; v: string }>(`SELECT ctid::text AS t, ${c.plain} AS v FROM ${c.table} WHERE ${c.plain} IS NOT NULL LIMIT ${BATCH}`);
      if (rows.length === 0) break;
      const enc = codec.encryptMany(rows.map((r) => r.v));
      await pool.query(
        `UPDATE ${c.table} t SET ${c.enc} = u.enc, ${c.plain} = NULL FROM unnest($1::tid[], $2::bytea[]) u(t, enc) WHERE t.ctid = u.t`,
        [rows.map((r) => r.t), enc],
      );
      encrypted += rows.length;
    }
    await pool.query(`ALTER TABLE ${c.table} DROP COLUMN IF EXISTS ${c.plain}`);
    dropped.push(`${c.table}.${c.plain}`);
  }
  return { rehashed, encrypted, dropped };
}

async function rehashLegacy(client: PoolClient, codec: DataCodec): Promise<boolean> {
  return inClientTransaction(client, async () => {
    const { rowCount } = await client.query(`DELETE FROM personal_data_pending WHERE step = 'rehash'`);
    if (!rowCount) return false;
    await rewriteLookupHashes(client, (h) => codec.lookupHashOfSha256(h));
    // A cache keyed by the old hashes: it refills from the provider.
    await client.query('DELETE FROM number_lookup_cache');
    return true;
  });
}

/**
 * Rewrites every value of every lookup-hash column as step(value), inside the caller's
 * transaction: the distinct values are read through a cursor in batches of 5,000, mapped in the
 * application (the key never travels to the server, where bind parameters can reach its logs) into
 * a temporary table, and each column is then updated by one join on it. Returns the rows changed
 * per `table.column`.
 */
export async function rewriteLookupHashes(client: Pick<PoolClient, 'query'>, step: (hash: string) => string): Promise<Record<string, number>> {
  await client.query('CREATE TEMP TABLE lookup_hash_map (o text COLLATE "C" PRIMARY KEY, n text COLLATE "C" NOT NULL) ON COMMIT DROP');
  for (const [table, column] of LOOKUP_HASH_COLUMNS) {
    await client.query(`DECLARE lookup_hashes NO SCROLL CURSOR FOR SELECT DISTINCT ${column} AS h FROM ${table} WHERE ${column} IS NOT NULL`);
    for (;;) {
      const { rows } = await client.query<{ h: string }>(`FETCH ${BATCH} FROM lookup_hashes`);
      if (rows.length === 0) break;
      const olds = rows.map((r) => r.h);
      await client.query('INSERT INTO lookup_hash_map SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (o) DO NOTHING', [olds, olds.map(step)]);
    }
    await client.query('CLOSE lookup_hashes');
  }
  await client.query('ANALYZE lookup_hash_map');
  const changed: Record<string, number> = {};
  for (const [table, column] of LOOKUP_HASH_COLUMNS) {
    const { rowCount } = await client.query(`UPDATE ${table} t SET ${column} = m.n FROM lookup_hash_map m WHERE t.${column} = m.o`);
    changed[`${table}.${column}`] = rowCount ?? 0;
  }
  await client.query('DROP TABLE lookup_hash_map');
  return changed;
}

/**
 * Refuses keys that are not this database's: another key under a known id, no key for an id
 * still recorded (values may be under it), another lookup key. Records the keys seen first
 * (unless `record` is false: `doctor` only looks).
 */
export async function verifyDataKeys(pool: Pick<PoolClient, 'query'>, codec: DataCodec, opts: { record?: boolean } = {}): Promise<void> {
  const exists = await pool.query(`SELECT to_regclass('data_key_checks') AS t`);
  if (!exists.rows[0]?.t) return;
  const { rows } = await pool.query<{ key_id: string; fingerprint: string }>('SELECT key_id, fingerprint FROM data_key_checks ORDER BY key_id');
  for (const r of rows) {
    if (r.key_id === 'lookup') {
      if (r.fingerprint !== codec.fingerprint('lookup'))
        throw new DataKeyError(
          'REACHLOOP_LOOKUP_KEY is not the lookup key chain of this database (its hashes were made with another): set the chain it was last rotated to, oldest key first (`reachloop keys rotate-lookup` printed it), or the key it was created with',
        );
    } else if (!codec.hasKey(r.key_id)) {
      throw new DataKeyError(`${codec.keySource.name} has no key "${r.key_id}", which encrypts stored personal data: ${codec.keySource.restore}`);
    } else if (r.fingerprint !== codec.fingerprint(r.key_id)) {
      throw new DataKeyError(`${codec.keySource.name} holds a different key under the id "${r.key_id}" than the one that encrypted this database's data: set the original key`);
    }
  }
  // Then the lookup key and the active key if not recorded yet (the first start, a new active key):
  // values are only ever written under the active key, so every key that holds values is recorded.
  if (opts.record === false) return;
  const known = new Set(rows.map((r) => r.key_id));
  for (const id of ['lookup', codec.activeId].filter((k) => !known.has(k)))
    await pool.query('INSERT INTO data_key_checks (key_id, fingerprint) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING', [id, codec.fingerprint(id)]);
}
