import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRows } from '../db/copy';
import { createImport, prepareStaged, readStagedStats, STAGED_COLUMNS, validTable } from '../db/intake';
import { inTransaction } from '../db/transaction';
import { isolatedDatabase, type TestDatabase } from './helpers/harness';

// The risk rules count registrations from one number range, and from one device, per day: over
// the first row (file order) of each number of the import. prepareStaged counts them in
// PostgreSQL, in pieces that run at once (halves of the part keys, halves of the range keys);
// readStagedStats gives each number its two counts for a merge partition.

let db: TestDatabase;
let importId: number;

// [part key, phone hash, seq (file order), range key, device key, pending (a row matched by customer id)]
const STAGED: Array<[number, string, number, string | null, string | null, string?]> = [
  // Four numbers of one range on one day, spread over both halves of the part keys.
  [10, 'r1', 1, '+861380013|2026-05-01', null],
  [20_000, 'r2', 2, '+861380013|2026-05-01', null],
  [40_000, 'r3', 3, '+861380013|2026-05-01', 'dev-A|2026-05-01'],
  [60_000, 'r4', 4, '+861380013|2026-05-01', null],
  // r1 again, later in the file: not counted twice.
  [10, 'r1', 9, '+861380013|2026-05-01', null],
  // The same range on another day is another key.
  [30_000, 'r5', 5, '+861380013|2026-05-02', null],
  // Three numbers on one device and day; two of them without an opt-in time (no range key).
  [50_000, 'd1', 6, null, 'dev-A|2026-05-01'],
  [70, 'd2', 7, null, 'dev-A|2026-05-01'],
  // A number whose first row has no keys counts for nothing, whatever its later rows say.
  [33_000, 'n1', 8, null, null],
  [33_000, 'n1', 10, '+861380013|2026-05-01', 'dev-A|2026-05-01'],
  // A row matched by its customer id is an update, not a registration: the number's first row is the next one.
  [34_000, 'm1', 11, null, null, '{"reason": "missing_phone"}'],
  [34_000, 'm1', 12, '+861380014|2026-05-01', null],
  // Many range keys, so both halves of the range keys have some: each alone in its range.
  ...Array.from({ length: 40 }, (_, i) => [i * 1_600, `s${i}`, 100 + i, `+86139${String(i).padStart(4, '0')}|2026-05-01`, null] as [number, string, number, string, null]),
];

beforeAll(async () => {
  db = await isolatedDatabase();
  importId = await createImport(db.pool, 'stats.csv', '', { source: 't', defaultCountry: null, consentPurpose: 'marketing', mapping: {}, format: 'csv' }, 4);
  const rows = STAGED.map(([part, hash, seq, range, device, pending]) => [part, hash, seq, seq + 1, range, device, '[]', null, pending ?? null]);
  await inTransaction(db.pool, (client) => copyRows(client, validTable(importId), STAGED_COLUMNS, rows.reverse()));
});
afterAll(() => db?.drop());

const all = async () => Object.fromEntries([...(await readStagedStats(db.pool, importId, 0, 65_536))].sort((a, b) => (a[0] < b[0] ? -1 : 1)));

describe('registration counts of an import (prepareStaged, readStagedStats)', () => {
  it('counts each number once, by its first row, per range and per device and day', async () => {
    await prepareStaged(db.pool, importId);
    const stats = await all();
    expect(stats).toMatchObject({
      r1: { sameRange: 4, sameDevice: 0 },
      r2: { sameRange: 4, sameDevice: 0 },
      r3: { sameRange: 4, sameDevice: 3 },
      r4: { sameRange: 4, sameDevice: 0 },
      r5: { sameRange: 1, sameDevice: 0 },
      d1: { sameRange: 0, sameDevice: 3 },
      d2: { sameRange: 0, sameDevice: 3 },
      m1: { sameRange: 1, sameDevice: 0 },
    });
    expect(stats.n1).toBeUndefined();
    for (let i = 0; i < 40; i++) expect(stats[`s${i}`]).toEqual({ sameRange: 1, sameDevice: 0 });
    expect(Object.keys(stats)).toHaveLength(48);
  });

  it('gives a partition only its own numbers', async () => {
    const low = await readStagedStats(db.pool, importId, 0, 100);
    expect([...low.keys()].sort()).toEqual(['d2', 'r1', 's0']);
    expect(low.get('r1')).toEqual({ sameRange: 4, sameDevice: 0 });
  });

  it('is retry-safe: preparing again gives the same counts', async () => {
    const before = await all();
    await prepareStaged(db.pool, importId);
    expect(await all()).toEqual(before);
  });
});
