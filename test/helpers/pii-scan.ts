import { sha256Hex } from '../../infra/data-codec';
import type { Pool } from '../../db/pool';

/** A column holding one of the needles: where, which needle, how many rows. */
export interface PiiHit {
  table: string;
  column: string;
  needle: string;
  rows: number;
}

/**
 * The forms a phone number or an e-mail can be found in: as given, the number's digits without
 * the +, and the bare SHA-256 hex of each (enumerable, so it counts as the value itself).
 */
export function needlesOf(values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const v of values) {
    out.add(v);
    out.add(sha256Hex(v));
    if (/^\+\d{7,15}$/.test(v)) out.add(v.slice(1));
    if (v.includes('@')) out.add(sha256Hex(v.trim().toLowerCase()));
  }
  return [...out];
}

/**
 * Scans every text-like column (text, varchar, char, json, jsonb, and arrays of them) of every
 * table of the database's schema for the needles, case-insensitively. Empty = none found. Bytea
 * columns (the encrypted values) are not text and are left out.
 */
export async function scanForPersonalData(pool: Pool, needles: readonly string[]): Promise<PiiHit[]> {
  const { rows: columns } = await pool.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
     WHERE c.table_schema = current_schema()
       AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
            OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar', '_bpchar', '_json', '_jsonb')))
     ORDER BY 1, 2`,
  );
  const patterns = needles.map((n) => `%${n.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const hits: PiiHit[] = [];
  for (const c of columns) {
    const { rows } = await pool.query<{ needle: string; n: number }>(
      `SELECT p.needle, count(*)::int AS n FROM "${c.table_name}" t, unnest($1::text[], $2::text[]) AS p(needle, pattern)
       WHERE t."${c.column_name}"::text ILIKE p.pattern GROUP BY p.needle`,
      [needles, patterns],
    );
    for (const r of rows) hits.push({ table: c.table_name, column: c.column_name, needle: r.needle, rows: r.n });
  }
  return hits;
}
