import { dataCodec } from '../infra/data-keys';
import type { PoolClient } from 'pg';
import type { Pool } from './pool';
import { inTransaction } from './transaction';
import { copyRows } from './copy';
export { recordWarnings, type WarningRecord } from './import-lines';
import { MAX_PARTITIONS, partRange } from '../core/intake/staged';

/**
 * The staging table of one import: the rows the upload validated and normalised, one compact
 * record each (core/intake/staged.ts), keyed by merge partition key. It is split by ranges of
 * that key into UNLOGGED tables of a few MB, so that a merge activity reads one or two small
 * tables instead of scattered pages of a big one (and no index has to be built). Dropped when
 * the import ends.
 */
export const validTable = (importId: number) => `intake_valid_${importId}`;
/** Registration counts per number (same range / same device and day), for the risk rules. */
export const statsTable = (importId: number) => `intake_valid_${importId}_stats`;

/**
 * Columns the upload COPYs into the staging table, in this order. `external_id`: the row's
 * customer id; `pending`: a row without a phone, to be matched by its customer id (part
 * PENDING_PART until it is), with the reject it becomes otherwise ({reason, detail, raw}).
 */
export const STAGED_COLUMNS = ['part', 'phone_hash', 'seq', 'line_no', 'range_key', 'device_key', 'data', 'external_id', 'pending'] as const;

/** The part key of staged rows that wait for their customer id to name a contact: no merge reads it. */
export const PENDING_PART = -1;

export interface ImportOptions {
  source: string;
  defaultCountry: string | null;
  consentPurpose: string;
  mapping: Record<string, string>;
  format: 'csv' | 'jsonl';
}

/**
 * Storage of the staging tables: written once, read once or twice, dropped when the import ends.
 * Nothing here needs vacuuming, and an import that lasts longer than autovacuum's one-minute nap
 * would otherwise have every staging table vacuumed and analyzed while it still needs the cores.
 */
const SCRATCH = 'WITH (autovacuum_enabled = false)';

/** About this many bytes of the file per staging table. */
const STAGING_BYTES_PER_TABLE = 1_500_000;

/** How many staging tables a file of this size gets: 1 to 128. */
export const stagingTablesFor = (fileBytes: number) => Math.min(128, Math.max(1, Math.ceil(fileBytes / STAGING_BYTES_PER_TABLE)));

export async function createImport(pool: Pool, fileName: string, sha256: string, options: ImportOptions, stagingTables = 1): Promise<number> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO imports (file_name, file_sha256, options) VALUES ($1, $2, $3) RETURNING id`,
      [fileName, sha256, options],
    );
    const id = Number(rows[0]!.id);
    const v = validTable(id);
    await client.query(
      // Keys compare bytewise ("C"): the merge sorts by phone hash, the counts group by range / device.
      `CREATE TABLE ${v} (part integer NOT NULL, phone_hash text COLLATE "C" NOT NULL, seq integer NOT NULL,
         line_no integer NOT NULL, range_key text COLLATE "C", device_key text COLLATE "C", data text NOT NULL,
         external_id text, pending text) PARTITION BY RANGE (part)`,
    );
    await client.query(`CREATE UNLOGGED TABLE ${v}_pending PARTITION OF ${v} FOR VALUES FROM (${PENDING_PART}) TO (0) ${SCRATCH}`);
    for (let i = 0; i < stagingTables; i++) {
      const [lo, hi] = partRange(i, stagingTables);
      await client.query(`CREATE UNLOGGED TABLE ${v}_${i} PARTITION OF ${v} FOR VALUES FROM (${lo}) TO (${hi}) ${SCRATCH}`);
    }
    return id;
  });
}

export interface RejectRecord {
  line: number;
  reason: string;
  detail: string;
  raw: string;
}

export const RAW_LIMIT = 500;

/** The raw row as kept with a reject: at most RAW_LIMIT characters (then an ellipsis). Idempotent. */
export const clipRaw = (raw: string) => (raw.length > RAW_LIMIT + 1 || (raw.length === RAW_LIMIT + 1 && !raw.endsWith('…')) ? `${raw.slice(0, RAW_LIMIT)}…` : raw);

export async function recordRejects(client: PoolClient, importId: number, rejects: readonly RejectRecord[]): Promise<void> {
  if (rejects.length === 0) return;
  await copyRows(
    client,
    'import_rejects',
    ['import_id', 'line_no', 'reason', 'detail', 'raw_enc'],
    rejects.map((r) => [importId, r.line, r.reason, r.detail, dataCodec().encrypt(clipRaw(r.raw))]),
  );
}

/**
 * Rows without a phone name their contact by the source's customer id: the latest row of the same
 * file that has the id and a phone, else the contact an earlier import of the source linked it
 * to. Found rows join that number's partition; the others stay apart (no merge reads them) and
 * become rejects, their warnings dropped. Returns the rejects by reason. Retry-safe: a second run
 * finds nothing more to move and counts the same rows.
 */
export async function resolveCustomerIds(pool: Pool, importId: number, source: string): Promise<Record<string, number>> {
  const v = validTable(importId);
  const pending = `${v}_pending`;
  const { rows: any } = await pool.query(`SELECT 1 FROM ${pending} LIMIT 1`);
  if (any.length === 0) return {};
  return inTransaction(pool, async (client) => {
    await client.query(
      `WITH pend AS (SELECT seq, external_id FROM ${pending}),
       in_file AS (SELECT DISTINCT ON (external_id) external_id, phone_hash FROM ${v}
                   WHERE part >= 0 AND external_id IN (SELECT external_id FROM pend) ORDER BY external_id, seq DESC),
       known AS (SELECT x.external_id, c.phone_hash FROM contact_external_ids x JOIN contacts c ON c.id = x.contact_id
                 WHERE x.source = $1 AND x.external_id IN (SELECT external_id FROM pend)),
       found AS (SELECT pend.seq, COALESCE(f.phone_hash, k.phone_hash) AS phone_hash FROM pend
                 LEFT JOIN in_file f USING (external_id) LEFT JOIN known k USING (external_id))
       UPDATE ${v} p SET phone_hash = found.phone_hash, part = ('x' || substr(found.phone_hash, 1, 4))::bit(16)::int
       FROM found WHERE p.part = ${PENDING_PART} AND p.seq = found.seq AND found.phone_hash IS NOT NULL`,
      [source],
    );
    const held = await client.query<{ line_no: number; reason: string; detail: string; raw: string }>(
      `SELECT line_no, pending::json ->> 'reason' AS reason, pending::json ->> 'detail' AS detail, pending::json ->> 'raw' AS raw FROM ${pending}`,
    );
    await client.query(
      `INSERT INTO import_rejects (import_id, line_no, reason, detail, raw_enc)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::bytea[]) ON CONFLICT DO NOTHING`,
      [importId, ...(['line_no', 'reason', 'detail'] as const).map((c) => held.rows.map((r) => r[c])), dataCodec().encryptMany(held.rows.map((r) => r.raw))],
    );
    await client.query(`DELETE FROM import_warnings WHERE import_id = $1 AND line_no IN (SELECT line_no FROM ${pending})`, [importId]);
    const { rows } = await client.query<{ reason: string; n: number }>(`SELECT pending::json ->> 'reason' AS reason, count(*)::int AS n FROM ${pending} GROUP BY 1`);
    return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
  });
}

/** Warnings of an import by reason, as stored (rows rejected after all have none). */
export async function warningCounts(pool: Pool, importId: number): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ reason: string; n: number }>('SELECT reason, count(*)::int AS n FROM import_warnings WHERE import_id = $1 GROUP BY reason', [importId]);
  return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
}

/** The first row of each number that has a range or device key (a step of prepareStaged). */
const firstsTable = (importId: number) => `intake_valid_${importId}_firsts`;

/**
 * Before the merge: count registrations per range and device and day, over the first row of
 * each number (by file order; rows matched by customer id are updates, not registrations). Retry-safe. The work is split so both cores take part (one
 * statement would leave one idle): the first rows are found in two halves of the part keys at
 * once, then the range keys are counted in two disjoint halves (by hash) beside the devices. A
 * number thus has up to two stats rows, one with its range count, one with its device count.
 */
export async function prepareStaged(pool: Pool, importId: number): Promise<void> {
  const v = validTable(importId);
  const f = firstsTable(importId);
  const s = statsTable(importId);
  await pool.query(`DROP TABLE IF EXISTS ${s}, ${f}`);
  await pool.query(`CREATE UNLOGGED TABLE ${f} (part integer NOT NULL, phone_hash text COLLATE "C" NOT NULL, range_key text COLLATE "C", device_key text COLLATE "C") ${SCRATCH}`);
  await pool.query(`CREATE UNLOGGED TABLE ${s} (part integer NOT NULL, phone_hash text COLLATE "C" NOT NULL, same_range bigint NOT NULL, same_device bigint NOT NULL) ${SCRATCH}`);
  const half = MAX_PARTITIONS / 2;
  // Only numbers that can have a count (an opt-in time or a device) are kept; the rest are 0.
  await Promise.all(
    [[0, half], [half, MAX_PARTITIONS]].map(([lo, hi]) =>
      pool.query(
        `INSERT INTO ${f}
         SELECT * FROM (SELECT DISTINCT ON (phone_hash) part, phone_hash, range_key, device_key FROM ${v}
                        WHERE part >= $1 AND part < $2 AND pending IS NULL ORDER BY phone_hash, seq) firsts
         WHERE range_key IS NOT NULL OR device_key IS NOT NULL`,
        [lo, hi],
      ),
    ),
  );
  await Promise.all([
    ...[0, 1].map((h) =>
      pool.query(`INSERT INTO ${s} SELECT part, phone_hash, count(*) OVER (PARTITION BY range_key), 0 FROM ${f} WHERE range_key IS NOT NULL AND hashtext(range_key) & 1 = $1`, [h]),
    ),
    pool.query(`INSERT INTO ${s} SELECT part, phone_hash, 0, count(*) OVER (PARTITION BY device_key) FROM ${f} WHERE device_key IS NOT NULL`),
  ]);
  await pool.query(`CREATE INDEX ON ${s} (part)`);
  await pool.query(`DROP TABLE ${f}`);
}

export interface StagedGroupRow {
  phone_hash: string;
  line_no: number;
  data: string;
}

/** Registration counts (db/intake prepareStaged) of the numbers with part keys [lo, hi). */
export async function readStagedStats(pool: Pool, importId: number, lo: number, hi: number): Promise<Map<string, { sameRange: number; sameDevice: number }>> {
  const { rows } = await pool.query<{ phone_hash: string; same_range: string; same_device: string }>(
    `SELECT phone_hash, same_range, same_device FROM ${statsTable(importId)} WHERE part >= $1 AND part < $2`,
    [lo, hi],
  );
  const out = new Map<string, { sameRange: number; sameDevice: number }>();
  for (const r of rows) {
    // A number's range count and device count come in rows of their own (prepareStaged).
    const counts = out.get(r.phone_hash);
    if (counts) {
      counts.sameRange += Number(r.same_range);
      counts.sameDevice += Number(r.same_device);
    } else out.set(r.phone_hash, { sameRange: Number(r.same_range), sameDevice: Number(r.same_device) });
  }
  return out;
}

/**
 * The staged rows of part keys [lo, hi), grouped by number (phone hash -> its rows in file
 * order), about `fetch` rows at a time: read through a cursor of the caller's transaction, so a
 * merge holds a few thousand rows in memory instead of its whole range. A number's rows are never
 * split between two groups.
 */
export async function* stagedGroups(client: PoolClient, importId: number, lo: number, hi: number, fetch: number): AsyncGenerator<Map<string, StagedGroupRow[]>> {
  await client.query(
    `DECLARE intake_staged NO SCROLL CURSOR FOR
       SELECT phone_hash, line_no, data FROM ${validTable(importId)} WHERE part >= $1 AND part < $2 ORDER BY phone_hash, seq`,
    [lo, hi],
  );
  let groups = new Map<string, StagedGroupRow[]>();
  for (;;) {
    const { rows } = await client.query<StagedGroupRow>(`FETCH ${fetch} FROM intake_staged`);
    for (const r of rows) {
      const g = groups.get(r.phone_hash);
      if (g) g.push(r);
      else groups.set(r.phone_hash, [r]);
    }
    if (rows.length < fetch) break;
    // The last number's rows may go on in the next fetch: it waits for the next group.
    const lastHash = rows[rows.length - 1]!.phone_hash;
    const last = groups.get(lastHash)!;
    groups.delete(lastHash);
    if (groups.size) yield groups;
    groups = new Map([[lastHash, last]]);
  }
  await client.query('CLOSE intake_staged');
  if (groups.size) yield groups;
}

export async function dropStaging(pool: Pool, importId: number): Promise<void> {
  await pool.query(`DROP TABLE IF EXISTS ${statsTable(importId)}, ${firstsTable(importId)}, ${validTable(importId)}`);
}

/** Inside a merge transaction: one merge of a partition at a time (a retried activity waits for the first). */
export async function lockIntakePartition(client: PoolClient, partition: number): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(7243002, $1)', [partition]);
}
