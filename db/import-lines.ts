import type { PoolClient } from 'pg';
import { copyRows } from './copy';
import type { Pool } from './pool';
import { dataCodec } from '../infra/data-keys';

/**
 * The per-line records an import keeps for its operator: rejected rows (line, reason, detail, the
 * raw row) and warnings (line, field, reason, detail: the row was imported with that field empty
 * or cleaned), of contact imports and of events imports.
 */
export const IMPORT_LINE_TABLES = {
  import_rejects: ['line_no', 'reason', 'detail', 'raw'],
  event_import_rejects: ['line_no', 'reason', 'detail', 'raw'],
  import_warnings: ['line_no', 'field', 'reason', 'detail'],
  event_import_warnings: ['line_no', 'field', 'reason', 'detail'],
} as const;
export type ImportLineTable = keyof typeof IMPORT_LINE_TABLES;

/** A row of such a table: its columns (IMPORT_LINE_TABLES order) as read. */
export type ImportLine = Array<string | number>;

/**
 * Every record of an import, in line order, a page at a time (keyset on line and, for warnings,
 * field: a line has at most one warning per field).
 */
export async function* importLines(pool: Pool, table: ImportLineTable, importId: number, pageSize = 10_000): AsyncGenerator<ImportLine[]> {
  const columns = IMPORT_LINE_TABLES[table];
  const keyed = columns[1] === 'field';
  let after: [number, string] = [0, ''];
  for (;;) {
    const { rows } = await pool.query<Record<string, string | number | Buffer>>(
      `SELECT ${columns.map((c) => (c === 'raw' ? 'raw_enc AS raw' : c)).join(', ')} FROM ${table} WHERE import_id = $1 AND ${keyed ? '(line_no, field) > ($2, $3)' : 'line_no > $2'}
       ORDER BY line_no${keyed ? ', field' : ''} LIMIT ${pageSize}`,
      keyed ? [importId, after[0], after[1]] : [importId, after[0]],
    );
    if (rows.length === 0) return;
    const codec = dataCodec();
    yield rows.map((r) => columns.map((c) => (c === 'raw' ? (codec.decryptOrNull(r[c] as Buffer | null) ?? '') : (r[c] as string | number))));
    const last = rows[rows.length - 1]!;
    after = [Number(last.line_no), keyed ? String(last.field) : ''];
  }
}

/** An imported row's (or event's) optional field left empty or cleaned, and why. */
export interface WarningRecord {
  line: number;
  field: string;
  reason: string;
  detail: string;
}

const DETAIL_LIMIT = 500;

export async function recordWarnings(client: PoolClient, table: 'import_warnings' | 'event_import_warnings', importId: number, warnings: readonly WarningRecord[]): Promise<void> {
  if (warnings.length === 0) return;
  const clip = (s: string) => (s.length > DETAIL_LIMIT ? `${s.slice(0, DETAIL_LIMIT)}…` : s);
  await copyRows(client, table, ['import_id', 'line_no', 'field', 'reason', 'detail'], warnings.map((w) => [importId, w.line, w.field, w.reason, clip(w.detail)]));
}
