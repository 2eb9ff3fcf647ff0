import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherLinks } from '../db/recovery-links';
import { emailHash } from '../db/contacts';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, type TestDatabase } from './helpers/harness';

// The links through which a dead number's customer is found again (db/recovery-links gatherLinks), each
// route against real PostgreSQL: the same e-mail, an overlapping device id (through the partial GIN
// index on device_ids, which leaves out the contacts without one), the same shipping address.
// Contacts with no device ids never link to each other through "the same device".

let db: TestDatabase;
let ids: number[];

beforeAll(async () => {
  db = await isolatedDatabase();
  ids = await seedContacts(db.pool, [
    { phone: '+12125550101', email: 'old@example.com' }, // 0: the dead number
    { phone: '+12125550102', email: 'old@example.com' }, // 1: same e-mail
    { phone: '+12125550103' }, // 2: same device
    { phone: '+12125550104' }, // 3: same address
    { phone: '+12125550105' }, // 4: no device ids, like 5
    { phone: '+12125550106' }, // 5
    { phone: '+12125550107' }, // 6: another device only
  ]);
  const devices = (i: number, d: string[]) => db.pool.query('UPDATE contacts SET device_ids = $2 WHERE id = $1', [ids[i], d]);
  await devices(0, ['dev-a', 'dev-b']);
  await devices(2, ['dev-b']);
  await devices(6, ['dev-z']);
  for (const i of [0, 3]) await db.pool.query('INSERT INTO contact_addresses (contact_id, address_hash) VALUES ($1, $2)', [ids[i], emailHash('1 main st')]);
});
afterAll(() => db?.drop());

describe('gatherLinks', () => {
  it('finds the same e-mail, an overlapping device and the same address, and nothing else', async () => {
    const links = (await gatherLinks(db.pool, [ids[0]!])).get(ids[0]!)!.links;
    const found = links.map((l) => [l.via, l.contactId]).sort();
    expect(found).toEqual([
      ['same_address', ids[3]],
      ['same_device', ids[2]],
      ['same_email', ids[1]],
    ]);
  });

  it('contacts without device ids are not linked to each other through their empty lists', async () => {
    const links = (await gatherLinks(db.pool, [ids[4]!])).get(ids[4]!)!.links;
    expect(links).toEqual([]);
  });

  it('the device join can read the partial index (only contacts that have device ids are in it)', async () => {
    const { rows: idx } = await db.pool.query(`SELECT pg_get_indexdef('contacts_device_ids_idx'::regclass) AS def`);
    expect(idx[0].def).toMatch(/USING gin \(device_ids\) WHERE \(device_ids <> '\{\}'::text\[\]\)/);
    // A handful of rows: the planner prefers a scan unless told not to; what matters is that the
    // query's predicate lets it use the partial index at all.
    const client = await db.pool.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) SELECT c.id FROM contacts c WHERE c.device_ids && $1::text[] AND c.device_ids <> '{}'`, [['dev-b']]);
      expect(JSON.stringify(rows)).toContain('contacts_device_ids_idx');
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
  });
});
