import type { Pool } from '../../db/pool';
import { sealedFieldName, sealedValueSql, SEALED_FIELDS } from '../../db/sealed-fields';
import { dataCodec } from '../../infra/data-keys';

export interface Needles {
  /** Searched case-insensitively as they are (e-mails, names, E.164 numbers, hashes). */
  texts?: readonly string[];
  /** Searched in a value's digits only (so "+1 (212) 555-0142" matches 12125550142). */
  digits?: readonly string[];
}

/**
 * A matcher over many needles at once: `hits(value)` lists the needles found in one value (a
 * column value, a log line, a decoded payload), texts case-insensitively, digits in the value's
 * digits only. Values are searched one by one, never joined, so the digits of neighbouring
 * numbers cannot make a match.
 */
export function needleMatcher(needles: Needles): (value: string) => string[] {
  const texts = [...new Set((needles.texts ?? []).filter((t) => t.length > 0).map((t) => t.toLowerCase()))];
  const digits = [...new Set((needles.digits ?? []).filter((d) => d.length > 0))];
  return (value) => {
    const lower = value.toLowerCase();
    const onlyDigits = value.replace(/[^0-9]/g, '');
    return [...texts.filter((t) => lower.includes(t)), ...digits.filter((d) => onlyDigits.includes(d)).map((d) => `${d} (as digits)`)];
  };
}

/**
 * Where personal data still sits in a database: every text-like column (text, varchar, char,
 * jsonb, json, text[]) of every table of the public schema, read from information_schema, is
 * searched for each needle (see needleMatcher). Returns one line per hit,
 * "table.column: needle (n rows)", empty when nothing is found. With `sealed`, the columns
 * encrypted at rest (bytea *_enc) are decrypted and searched too: what the database holds about
 * someone, in any form (an erasure must leave nothing there either); without it, only what sits
 * in clear. Each column is read once, so a whole audience's needles cost one pass.
 */
export async function findPersonalData(pool: Pool, needles: Needles, opts: { sealed?: boolean } = {}): Promise<string[]> {
  const match = needleMatcher(needles);
  const { rows: columns } = await pool.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
     WHERE c.table_schema = 'public' AND (c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json') OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar')))
     ORDER BY c.table_name, c.column_name`,
  );
  const hits: string[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const { rows } = await pool.query<{ v: string }>(`SELECT "${column}"::text AS v FROM "${table}" WHERE "${column}" IS NOT NULL`);
    hits.push(...countHits(`${table}.${column}`, rows.map((r) => r.v), match));
  }
  if (opts.sealed) hits.push(...(await findSealed(pool, match)));
  return hits;
}

/** The same search over every value held encrypted, decrypted with the keys of this process. */
async function findSealed(pool: Pool, match: (value: string) => string[]): Promise<string[]> {
  const codec = dataCodec();
  return (await sealedValues(pool)).flatMap(({ where, values }) => countHits(`${where} (decrypted)`, values.map((v) => codec.decrypt(v)), match));
}

/**
 * Every value held encrypted, still encrypted, by where it is: every bytea *_enc column (numbers,
 * e-mails, names, addresses, candidates, rejected rows) and every text sealed in JSON
 * (db/sealed-fields.ts: inbound SMS texts).
 */
export async function sealedValues(pool: Pool): Promise<Array<{ where: string; values: Buffer[] }>> {
  const { rows: columns } = await pool.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND data_type = 'bytea' AND column_name LIKE '%\\_enc' ORDER BY table_name, column_name`,
  );
  const out: Array<{ where: string; values: Buffer[] }> = [];
  for (const { table_name: table, column_name: column } of columns) {
    const { rows } = await pool.query<{ v: Buffer }>(`SELECT "${column}" AS v FROM "${table}" WHERE "${column}" IS NOT NULL`);
    out.push({ where: `${table}.${column}`, values: rows.map((r) => r.v) });
  }
  for (const f of SEALED_FIELDS) {
    const { rows } = await pool.query<{ v: Buffer }>(`SELECT v FROM (SELECT ${sealedValueSql(f)} AS v FROM "${f.table}") x WHERE v IS NOT NULL`);
    out.push({ where: sealedFieldName(f), values: rows.map((r) => r.v) });
  }
  return out;
}

/** "where: needle (n rows)" per needle found in any of the values. */
function countHits(where: string, values: readonly string[], match: (value: string) => string[]): string[] {
  const counts = new Map<string, number>();
  for (const v of values) for (const n of match(v)) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([n, c]) => (n.endsWith(' (as digits)') ? `${where}: ${n.slice(0, -12)} (${c} rows, as digits)` : `${where}: ${n} (${c} rows)`));
}
