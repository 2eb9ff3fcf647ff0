import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { importLines, IMPORT_LINE_TABLES, type ImportLineTable } from '../../db/import-lines';
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

/**
 * Writes every record of an import's rejects (line, reason, detail, raw) or warnings (line, field,
 * reason, detail) table to a CSV file; returns the count.
 */
export async function writeLinesFile(pool: Pool, importId: number, file: string, table: ImportLineTable): Promise<number> {
  const out = createWriteStream(file);
  out.write(`${IMPORT_LINE_TABLES[table].map((c) => (c === 'line_no' ? 'line' : c)).join(',')}\n`);
  let n = 0;
  for await (const page of importLines(pool, table, importId)) {
    for (const r of page) {
      if (!out.write(`${r.map(csvCell).join(',')}\n`)) await once(out, 'drain');
      n++;
    }
  }
  out.end();
  await once(out, 'finish');
  return n;
}
