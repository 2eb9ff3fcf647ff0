import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Pool } from '../../db/pool';

/**
 * A cell safe to open in a spreadsheet: quoted, and a leading = + - @ (formula injection such as
 * `=cmd|' /C calc'!A0`) neutralised with an apostrophe, as OWASP recommends.
 */
export function csvCell(value: string | number): string {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

/** The tables rejected rows are kept in, per kind of import. */
export type RejectsTable = 'import_rejects' | 'event_import_rejects';

/** Writes every rejected row of an import (line, reason, detail, raw) to a CSV file; returns the count. */
export async function writeRejectsFile(pool: Pool, importId: number, file: string, table: RejectsTable = 'import_rejects'): Promise<number> {
  const out = createWriteStream(file);
  out.write('line,reason,detail,raw\n');
  let n = 0;
  let after = 0;
  for (;;) {
    const { rows } = await pool.query<{ line_no: number; reason: string; detail: string; raw: string }>(
      `SELECT line_no, reason, detail, raw FROM ${table} WHERE import_id = $1 AND line_no > $2 ORDER BY line_no LIMIT 10000`,
      [importId, after],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      if (!out.write(`${[r.line_no, r.reason, r.detail, r.raw].map(csvCell).join(',')}\n`)) await once(out, 'drain');
      n++;
    }
    after = rows[rows.length - 1]!.line_no;
  }
  out.end();
  await once(out, 'finish');
  return n;
}
