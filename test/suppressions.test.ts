import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSuppression } from '../db/suppressions';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, type TestDatabase } from './helpers/harness';

// A suppression recorded while another transaction holds the contact and records the same
// suppression (a STOP's webhook while the recovery workflow settles the refusal): both finish,
// one row stays. Recorded as a bare INSERT, the two deadlocked (its unique entry came before its
// foreign-key lock on the contact).

let db: TestDatabase;
let id: number;

beforeAll(async () => {
  db = await isolatedDatabase();
  id = (await seedContacts(db.pool, [{ phone: '+12125550188' }]))[0]!;
});
afterAll(() => db?.drop());

describe('recordSuppression', () => {
  it('waits for a transaction that holds the contact instead of deadlocking with it', async () => {
    const holder = await db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM contacts WHERE id = $1 FOR UPDATE', [id]);
      const refusal = recordSuppression(db.pool, { contactId: id, channel: 'sms', kind: 'opt_out', source: 'recovery:1' });
      await new Promise((r) => setTimeout(r, 300)); // the refusal is now waiting on the contact
      await holder.query(`INSERT INTO suppressions (contact_id, channel, kind, source) VALUES ($1, 'sms', 'opt_out', 'inbound') ON CONFLICT DO NOTHING`, [id]);
      await new Promise((r) => setTimeout(r, 1_500)); // past deadlock_timeout (1 s): a cycle would be reported now
      await holder.query('COMMIT');
      await refusal;
    } finally {
      holder.release();
    }
    const { rows } = await db.pool.query('SELECT source FROM suppressions WHERE contact_id = $1', [id]);
    expect(rows).toEqual([{ source: 'inbound' }]);
  });
});
