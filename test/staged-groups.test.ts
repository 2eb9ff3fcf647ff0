import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRows } from '../db/copy';
import { createImport, STAGED_COLUMNS, stagedGroups, validTable } from '../db/intake';
import { inTransaction } from '../db/transaction';
import { isolatedDatabase, type TestDatabase } from './helpers/harness';

// The merge reads a hash range of the staged rows through a cursor, a few rows per fetch. Every
// number's rows must reach it together and in file order, also when they straddle a fetch or
// outnumber the fetch size; numbers come in ascending hash order (the order contacts are locked).

let db: TestDatabase;
let importId: number;

// Phone hash -> staged sequence numbers (file order), deliberately out of order when written.
const STAGED: Array<[string, number[]]> = [
  ['a1', [1]],
  ['a2', [7, 2]],
  ['b3', [3, 9, 4, 11, 12, 5, 13]], // more rows than a fetch
  ['c4', [6]],
  ['c5', [8, 10]],
  ['d6', [14]],
];

beforeAll(async () => {
  db = await isolatedDatabase();
  importId = await createImport(db.pool, 'groups.csv', '', { source: 't', defaultCountry: null, consentPurpose: 'marketing', mapping: {}, format: 'csv' });
  const rows = STAGED.flatMap(([hash, seqs]) => seqs.map((seq) => [100, hash, seq, seq + 1, null, null, `row ${seq}`, null, null]));
  await inTransaction(db.pool, (client) => copyRows(client, validTable(importId), STAGED_COLUMNS, rows.reverse()));
});
afterAll(() => db?.drop());

const read = (fetch: number) =>
  inTransaction(db.pool, async (client) => {
    const batches: Array<Array<[string, number[]]>> = [];
    for await (const groups of stagedGroups(client, importId, 0, 65_536, fetch)) batches.push([...groups].map(([h, rows]) => [h, rows.map((r) => r.line_no - 1)]));
    return batches;
  });

describe('stagedGroups', () => {
  for (const fetch of [1, 2, 3, 5, 100])
    it(`gives every number whole, in hash and file order (${fetch} rows per fetch)`, async () => {
      const batches = await read(fetch);
      expect(batches.flat()).toEqual(STAGED.map(([h, seqs]) => [h, [...seqs].sort((a, b) => a - b)]));
      expect(batches.every((b) => b.length > 0)).toBe(true);
      if (fetch === 100) expect(batches).toHaveLength(1);
      if (fetch === 2) expect(batches.length).toBeGreaterThan(3);
    });

  it('an empty range gives nothing', async () => {
    const none = await inTransaction(db.pool, async (client) => {
      const out = [];
      for await (const g of stagedGroups(client, importId, 0, 50, 10)) out.push(g);
      return out;
    });
    expect(none).toEqual([]);
  });
});
