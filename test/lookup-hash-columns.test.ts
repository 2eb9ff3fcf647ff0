import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTAKE_SCRATCH_TABLE, LOOKUP_HASH_COLUMNS, OTHER_HASH_COLUMNS } from '../db/personal-data';
import { isolatedDatabase, type TestDatabase } from './helpers/harness';

// Every hash column of the migrated schema is either a lookup hash of personal data (re-keyed by
// the legacy conversion and by `keys rotate-lookup`) or named as something else with its reason:
// a new `*_hash` column that neither list names would silently stop matching after a rotation.

let db: TestDatabase;
beforeAll(async () => {
  db = await isolatedDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('hash columns', () => {
  it('are each a lookup hash or named as another kind of hash', async () => {
    const { rows } = await db.pool.query<{ t: string; c: string }>(
      `SELECT table_name AS t, column_name AS c FROM information_schema.columns
       WHERE table_schema = current_schema() AND (column_name = 'hash' OR column_name LIKE '%\\_hash') ORDER BY 1, 2`,
    );
    const inSchema = rows.filter((r) => !INTAKE_SCRATCH_TABLE.test(r.t)).map((r) => `${r.t}.${r.c}`);
    const lookup = LOOKUP_HASH_COLUMNS.map(([t, c]) => `${t}.${c}`);
    const other = OTHER_HASH_COLUMNS.map(([t, c]) => `${t}.${c}`);
    expect(inSchema.filter((c) => !lookup.includes(c) && !other.includes(c)), 'hash columns neither rotated nor exempted').toEqual([]);
    expect([...lookup, ...other].filter((c) => !inSchema.includes(c)), 'listed columns the schema does not have').toEqual([]);
    expect(lookup.filter((c) => other.includes(c))).toEqual([]);
  });
});
