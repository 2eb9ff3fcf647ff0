import { pipeline } from 'node:stream/promises';
import { Readable, type Writable } from 'node:stream';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A value COPY text format can carry: null, text, numbers, booleans, instants, text arrays, JSON. */
export type CopyValue = string | number | boolean | Date | Buffer | null | undefined | readonly string[] | { json: unknown };

/** Escapes one value for COPY ... FROM STDIN (text format). */
export function copyField(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return escapeText(v);
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return bytea(v);
  if (Array.isArray(v)) return escapeText(arrayLiteral(v));
  return escapeText(JSON.stringify((v as { json: unknown }).json));
}

/** A bytea in COPY text format: hex input (\\x...), its backslash escaped for COPY. */
export const bytea = (v: Buffer) => `\\\\x${v.toString('hex')}`;

/** A text[] literal: every element quoted, backslashes and quotes escaped. */
function arrayLiteral(v: readonly string[]): string {
  if (v.length === 0) return '{}';
  let out = '{';
  for (let i = 0; i < v.length; i++) {
    const s = v[i]!;
    const e = ARRAY_ESCAPE.test(s) ? s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : s;
    out += i === 0 ? `"${e}"` : `,"${e}"`;
  }
  return `${out}}`;
}

const ARRAY_ESCAPE = /[\\"]/;

/** Characters COPY text format needs escaped (backslash, newline, return, tab) or cannot carry (NUL). */
const NEEDS_ESCAPE = /[\\\n\r\t\u0000]/;

const escapeText = (s: string) =>
  // Most values need nothing: one test instead of two replaces (a hot path of every bulk write).
  NEEDS_ESCAPE.test(s)
    ? s.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')).replace(/\u0000/g, '')
    : s;

export function copyLine(values: readonly CopyValue[]): string {
  if (values.length === 0) return '\n';
  let line = copyField(values[0]);
  for (let i = 1; i < values.length; i++) line += `\t${copyField(values[i])}`;
  return `${line}\n`;
}

/** A COPY into table(columns) as a stream of COPY text (copyLine); it finishes when the stream ends. */
export function copyStream(client: PoolClient, table: string, columns: readonly string[]): Writable {
  return client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)) as unknown as Writable;
}

/** COPY rows into table(columns) in one round trip, streaming in chunks. */
export async function copyRows(client: PoolClient, table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<void> {
  await pipeline(Readable.from(chunked(rows)), copyStream(client, table, columns));
}

/**
 * COPY text (copyLine) collected for one later COPY. Kept as UTF-8 buffers of about 64 KB: the
 * many small strings of the lines die young instead of surviving, in a growing rope, until the
 * COPY (which is what made bulk writes GC-bound).
 */
export class CopyBuffer {
  private text = '';
  private readonly chunks: Buffer[] = [];
  rows = 0;

  add(values: readonly CopyValue[]): void {
    this.addLine(copyLine(values));
  }

  /** A line already in COPY text format (escaped, tab-separated, ending in a newline). */
  addLine(line: string): void {
    this.text += line;
    this.rows++;
    if (this.text.length >= 1 << 16) this.seal();
  }

  /** The collected text as buffers (and nothing is held any more). */
  take(): Buffer[] {
    this.seal();
    return this.chunks.splice(0);
  }

  private seal(): void {
    if (this.text) this.chunks.push(Buffer.from(this.text));
    this.text = '';
  }
}

/** COPY a CopyBuffer's rows into table(columns); nothing to do when it has none. */
export async function copyBuffered(client: PoolClient, table: string, columns: readonly string[], buffer: CopyBuffer): Promise<void> {
  if (buffer.rows === 0) return;
  await pipeline(Readable.from(buffer.take()), copyStream(client, table, columns));
}

function* chunked(rows: Iterable<readonly CopyValue[]>): Generator<string> {
  let buf = '';
  for (const r of rows) {
    buf += copyLine(r);
    if (buf.length > 1 << 18) {
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
