import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A value COPY text format can carry: null, text, numbers, booleans, instants, text arrays, JSON. */
export type CopyValue = string | number | boolean | Date | null | undefined | readonly string[] | { json: unknown };

/** Escapes one value for COPY ... FROM STDIN (text format). */
export function copyField(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return escapeText(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return escapeText(`{${v.map((s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`);
  return escapeText(JSON.stringify((v as { json: unknown }).json));
}

const escapeText = (s: string) =>
  s.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')).replace(/\u0000/g, '');

export const copyLine = (values: readonly CopyValue[]) => `${values.map(copyField).join('\t')}\n`;

/** COPY rows into table(columns) in one round trip, streaming in chunks. */
export async function copyRows(client: PoolClient, table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(chunked(rows)), stream);
}

function* chunked(rows: Iterable<readonly CopyValue[]>): Generator<string> {
  let buf = '';
  for (const r of rows) {
    buf += copyLine(r);
    if (buf.length > 1 << 16) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

/** copyRows on a client of its own from the pool. */
export async function copyInto(pool: Pool, table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<void> {
  const client = await pool.connect();
  try {
    await copyRows(client, table, columns, rows);
  } finally {
    client.release();
  }
}
