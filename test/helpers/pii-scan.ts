import type { Pool } from '../../db/pool';

/**
 * Where personal data still sits in a database: every text-like column (text, varchar, char,
 * jsonb, json, text[]) of every table of the public schema, read from information_schema, is
 * searched for each needle, case-insensitively; `digits` needles are also searched in the
 * column's digits only (so "+1 (212) 555-0142" matches 12125550142). Returns one line per hit,
 * "table.column: needle (n rows)", empty when nothing is found.
 */
export async function findPersonalData(pool: Pool, needles: { texts?: readonly string[]; digits?: readonly string[] }): Promise<string[]> {
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
  return hits;
}
