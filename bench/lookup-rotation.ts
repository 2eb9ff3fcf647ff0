/**
 * What `reachloop keys rotate-lookup` costs (db/lookup-rotation.ts rotateLookupKey): on a fresh
 * embedded PostgreSQL with `contacts` contacts, half with an e-mail, one event per contact keeping
 * its phone hash, and `erased` erased identifiers, the rotation's one transaction, against a floor
 * measured in the same run: the same rows' hash columns rewritten by SQL alone in one transaction
 * (md5-made 64-character values, rolled back), so the figure is what mapping the hashes in the
 * application adds over rewriting the rows at all. Best of three, VACUUM between runs.
 *
 *   npx tsx bench/lookup-rotation.ts [contacts] [erased]
 */
import './run-keys';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { rotateLookupKey } from '../db/lookup-rotation';
import { LOOKUP_HASH_COLUMNS } from '../db/personal-data';
import { inTransaction } from '../db/transaction';
import { dataCodec } from '../infra/data-keys';
import { record } from './record';
import { withScratchDatabase } from './scratch-db';
import { seedEmailsOfHalf, seedUsContacts } from './us-contacts';

const contacts = Number(process.argv[2] ?? 200_000);
const erased = Number(process.argv[3] ?? 10_000);

await withScratchDatabase('lookup-rotation', async (pool) => {
  await seedUsContacts(pool, contacts);
  await seedEmailsOfHalf(pool);
  await pool.query(`INSERT INTO events (event_id, contact_id, phone_hash, tag, raw_tag, occurred_at, source) SELECT 'e' || id, id, phone_hash, 'login', 'login', now(), 'bench' FROM contacts`);
  await pool.query(`INSERT INTO erased_identifiers (kind, hash, contact_id, erased_at) SELECT 'email', md5('x' || g) || md5('y' || g), g, now() FROM generate_series(1, $1) g`, [erased]);
  await pool.query('VACUUM ANALYZE');
  const rows = (await pool.query<{ n: number }>(LOOKUP_HASH_COLUMNS.map(([t, c]) => `SELECT count(${c})::int AS n FROM ${t}`).join(' UNION ALL '))).rows.reduce((a, r) => a + r.n, 0);

  const seconds = async (fn: () => Promise<unknown>) => {
    const t0 = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  class Rollback extends Error {}
  // The floor: every hash column rewritten in SQL, one transaction, rolled back.
  const floor = () =>
    inTransaction(pool, async (client) => {
      for (const [t, c] of LOOKUP_HASH_COLUMNS) await client.query(`UPDATE ${t} SET ${c} = md5(${c}) || md5(${c} || 'x') WHERE ${c} IS NOT NULL`);
      throw new Rollback();
    }).catch((err) => {
      if (!(err instanceof Rollback)) throw err;
    });
  let codec = dataCodec();
  const rotate = async () => {
    codec = (await rotateLookupKey(pool, codec, randomBytes(32))).codec;
  };

  const runs: Array<{ rotationSeconds: number; floorSeconds: number }> = [];
  for (let i = 0; i < 3; i++) {
    const floorSeconds = await seconds(floor);
    await pool.query('VACUUM ANALYZE');
    const rotationSeconds = await seconds(rotate);
    await pool.query('VACUUM ANALYZE');
    runs.push({ rotationSeconds, floorSeconds });
  }
  const best = (k: 'rotationSeconds' | 'floorSeconds') => Math.min(...runs.map((r) => r[k]));
  record('lookup-rotation', {
    contacts,
    erasedIdentifiers: erased,
    hashesRewritten: rows,
    runs,
    rotationHashesPerSecond: Math.round(rows / best('rotationSeconds')),
    floorHashesPerSecond: Math.round(rows / best('floorSeconds')),
    /** The rotation's time over the floor's (the rows rewritten by SQL alone). */
    ratioToFloor: Number((best('rotationSeconds') / best('floorSeconds')).toFixed(2)),
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(1))),
  });
});
