import type { Pool } from '../../db/pool';
import { dataCodec } from '../../infra/data-keys';

/**
 * Where personal data still sits in a database: every text-like column (text, varchar, char,
 * jsonb, json, text[]) of every table of the public schema, read from information_schema, is
 * searched for each needle, case-insensitively; `digits` needles are also searched in the
 * column's digits only (so "+1 (212) 555-0142" matches 12125550142). Returns one line per hit,
 * "table.column: needle (n rows)", empty when nothing is found. With `sealed`, the columns
 * encrypted at rest (bytea *_enc) are decrypted and searched too: what the database holds about
 * someone, in any form (an erasure must leave nothing there either); without it, only what sits
 * in clear.
 */
export async function findPersonalData(pool: Pool, needles: { texts?: readonly string[]; digits?: readonly string[] }, opts: { sealed?: boolean } = {}): Promise<string[]> {
  const texts = (needles.texts ?? []).filter((t) => t.length > 0);
  const digits = (needles.digits ?? []).filter((d) => d.length > 0);
  const { rows: columns } = await pool.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
     WHERE c.table_schema = 'public' AND (c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json') OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar')))
     ORDER BY c.table_name, c.column_name`,
  );
  const hits: string[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const col = `"${column}"::text`;
    for (const t of texts) {
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}" WHERE strpos(lower(${col}), lower($1)) > 0`, [t]);
      if (rows[0]!.n > 0) hits.push(`${table}.${column}: ${t} (${rows[0]!.n} rows)`);
    }
    for (const d of digits) {
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}" WHERE strpos(regexp_replace(${col}, '[^0-9]', '', 'g'), $1) > 0`, [d]);
      if (rows[0]!.n > 0) hits.push(`${table}.${column}: ${d} (${rows[0]!.n} rows, as digits)`);
    }
  }
  if (opts.sealed) hits.push(...(await findSealed(pool, texts, digits)));
  return hits;
}

/** The same search over every bytea *_enc column, decrypted with the keys of this process. */
async function findSealed(pool: Pool, texts: readonly string[], digits: readonly string[]): Promise<string[]> {
  const { rows: columns } = await pool.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND data_type = 'bytea' AND column_name LIKE '%\\_enc' ORDER BY table_name, column_name`,
  );
  const hits: string[] = [];
  const codec = dataCodec();
  for (const { table_name: table, column_name: column } of columns) {
    const { rows } = await pool.query<{ v: Buffer }>(`SELECT "${column}" AS v FROM "${table}" WHERE "${column}" IS NOT NULL`);
    const values = rows.map((r) => codec.decrypt(r.v));
    for (const t of texts) {
      const n = values.filter((v) => v.toLowerCase().includes(t.toLowerCase())).length;
      if (n > 0) hits.push(`${table}.${column} (decrypted): ${t} (${n} rows)`);
    }
    for (const d of digits) {
      const n = values.filter((v) => v.replace(/[^0-9]/g, '').includes(d)).length;
      if (n > 0) hits.push(`${table}.${column} (decrypted): ${d} (${n} rows, as digits)`);
    }
  }
  return hits;
}
