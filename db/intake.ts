import type { PoolClient } from 'pg';
import type { Pool } from './pool';
import { copyRows, type CopyValue } from './copy';
import { INTAKE_FIELDS, type RawFields } from '../core/intake/fields';
import type { IntakeRow } from '../core/intake/row';

/** Staging tables of one import: rows as read, and rows normalised. Dropped when it finishes. */
export const rowsTable = (importId: number) => `intake_rows_${importId}`;
export const validTable = (importId: number) => `intake_valid_${importId}`;

export interface ImportOptions {
  source: string;
  defaultCountry: string | null;
  consentPurpose: string;
  mapping: Record<string, string>;
  format: 'csv' | 'jsonl';
}

export async function createImport(pool: Pool, fileName: string, sha256: string, options: ImportOptions): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO imports (file_name, file_sha256, options) VALUES ($1, $2, $3) RETURNING id`,
      [fileName, sha256, options],
    );
    const id = Number(rows[0]!.id);
    await client.query(
      `CREATE UNLOGGED TABLE ${rowsTable(id)} (seq integer PRIMARY KEY, line_no integer NOT NULL, ${INTAKE_FIELDS.map((f) => `${f} text`).join(', ')})`,
    );
    await client.query('COMMIT');
    return id;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

export interface StagedRow {
  seq: number;
  line: number;
  fields: RawFields;
}

export async function stageRows(client: PoolClient, importId: number, rows: readonly StagedRow[]): Promise<void> {
  await copyRows(
    client,
    rowsTable(importId),
    ['seq', 'line_no', ...INTAKE_FIELDS],
    rows.map((r) => [r.seq, r.line, ...INTAKE_FIELDS.map((f) => r.fields[f] ?? null)]),
  );
}

export interface RejectRecord {
  line: number;
  reason: string;
  detail: string;
  raw: string;
}

const RAW_LIMIT = 500;

export async function recordRejects(client: PoolClient, importId: number, rejects: readonly RejectRecord[]): Promise<void> {
  if (rejects.length === 0) return;
  await copyRows(
    client,
    'import_rejects',
    ['import_id', 'line_no', 'reason', 'detail', 'raw'],
    rejects.map((r) => [importId, r.line, r.reason, r.detail, r.raw.length > RAW_LIMIT ? `${r.raw.slice(0, RAW_LIMIT)}…` : r.raw]),
  );
}

export async function readStagedBatch(pool: Pool, importId: number, fromSeq: number, toSeq: number): Promise<StagedRow[]> {
  const { rows } = await pool.query(`SELECT * FROM ${rowsTable(importId)} WHERE seq >= $1 AND seq < $2 ORDER BY seq`, [fromSeq, toSeq]);
  return rows.map((r) => {
    const fields: RawFields = {};
    for (const f of INTAKE_FIELDS) if (r[f] !== null) fields[f] = r[f];
    return { seq: r.seq, line: r.line_no, fields };
  });
}

export const VALID_COLUMNS = [
  'seq', 'line_no', 'phone_hash', 'e164', 'extension', 'line_type', 'country', 'region', 'currency', 'language', 'time_zones',
  'email', 'name', 'last_order_at', 'order_value', 'channel_tag', 'opt_in_at', 'device_id',
] as const;

export async function ensureValidTable(pool: Pool, importId: number): Promise<void> {
  await pool.query(`CREATE UNLOGGED TABLE IF NOT EXISTS ${validTable(importId)} (
    seq integer PRIMARY KEY, line_no integer NOT NULL, phone_hash text NOT NULL, e164 text NOT NULL, extension text,
    line_type text NOT NULL, country text, region text, currency text, language text, time_zones text[] NOT NULL,
    email text, name text, last_order_at timestamptz, order_value numeric, channel_tag text, opt_in_at timestamptz, device_id text)`);
}

export async function writeValidRows(client: PoolClient, importId: number, rows: ReadonlyArray<{ seq: number; line: number; hash: string; row: IntakeRow }>): Promise<void> {
  await copyRows(
    client,
    validTable(importId),
    VALID_COLUMNS,
    rows.map(({ seq, line, hash, row: r }): CopyValue[] => [
      seq, line, hash, r.e164, r.extension, r.lineType, r.country, r.region, r.currency, r.language, r.timeZones,
      r.email, r.name, r.lastOrderAt, r.orderValue, r.channelTag, r.optInAt, r.deviceId,
    ]),
  );
}

export async function dropStaging(pool: Pool, importId: number): Promise<void> {
  await pool.query(`DROP TABLE IF EXISTS ${rowsTable(importId)}, ${validTable(importId)}`);
}
