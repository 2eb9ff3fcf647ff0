import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../db/pool';
import { inTransaction, withoutReferenceChecks } from '../db/transaction';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, uniqueName, type TestDatabase } from './helpers/harness';

// The intake's bulk COPY of e-mails, consents and tier changes turns PostgreSQL's foreign-key
// checks off for rows that reference contacts the same transaction wrote. These tests pin down
// that the switch is scoped: on inside the callback only, back on after it, restored by a
// rollback, and a no-op for a role that may not turn checks off.

let db: TestDatabase;
let contactId: number;
const MISSING = 987_654_321;

const insertConsent = (client: { query: Pool['query'] }, id: number) =>
  client.query(`INSERT INTO consents (contact_id, channel, purpose, source, granted_at) VALUES ($1, 'sms', 'reference-test', 'test', now())`, [id]);

beforeAll(async () => {
  db = await isolatedDatabase();
  contactId = (await seedContacts(db.pool, [{ phone: '+8613800000001' }]))[0]!;
});
afterAll(() => db?.drop());

describe('withoutReferenceChecks', () => {
  it('skips the checks inside the callback only, and the transaction enforces them again after it', async () => {
    const outcome = await inTransaction(db.pool, async (client) => {
      await withoutReferenceChecks(client, () => insertConsent(client, MISSING));
      await insertConsent(client, contactId); // a valid reference still goes in
      const after = await client.query('SAVEPOINT s').then(() => insertConsent(client, MISSING + 1).then(() => 'inserted', (e: { code?: string }) => e.code));
      await client.query('ROLLBACK TO SAVEPOINT s');
      throw new Rollback(after);
    }).catch((e) => (e instanceof Rollback ? e.value : Promise.reject(e)));
    expect(outcome).toBe('23503'); // foreign_key_violation
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM consents WHERE contact_id = $1', [MISSING]);
    expect(rows[0].n).toBe(0); // rolled back
  });

  it('an error inside the callback leaves no session with the checks off', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await expect(withoutReferenceChecks(client, () => client.query('SELECT 1/0'))).rejects.toThrow(/division by zero/);
      await client.query('ROLLBACK');
      const { rows } = await client.query(`SELECT current_setting('session_replication_role') AS role`);
      expect(rows[0].role).toBe('origin');
      await expect(insertConsent(client, MISSING)).rejects.toMatchObject({ code: '23503' });
    } finally {
      client.release();
    }
  });

  it('keeps the checks for a role that may not turn them off', async () => {
    const role = uniqueName('app');
    const password = randomBytes(12).toString('hex');
    await db.pool.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await db.pool.query(`GRANT SELECT, INSERT ON consents, contacts TO ${role}`);
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    const pool = createPool(url.toString(), 1);
    try {
      const attempt = inTransaction(pool, (client) => withoutReferenceChecks(client, () => insertConsent(client, MISSING)));
      await expect(attempt).rejects.toMatchObject({ code: '23503' });
    } finally {
      await pool.end();
      await db.pool.query(`REVOKE ALL ON consents, contacts FROM ${role}`);
      await db.pool.query(`DROP ROLE ${role}`);
    }
  });
});

class Rollback {
  constructor(readonly value: unknown) {}
}
