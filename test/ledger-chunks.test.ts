import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTACT_POLICY } from '../core/policy/contact-policy';
import type { NamedCapRule } from '../core/frequency';
import { RESERVE_CHUNK, reserveSends, type SendRequest } from '../db/ledger';
import { CAP_RULE } from '../core/frequency';
import { seedContactsBulk } from './helpers/contacts';
import { isolatedDatabase, type TestDatabase } from './helpers/harness';

// A campaign batch bigger than PostgreSQL's shared lock table (max_locks_per_transaction x
// max_connections, plus some slack: 20,000 to 25,000 locks on the test server) failed in
// reserveSends with "out of shared memory": one advisory lock per contact, all in one
// transaction. It is reserved in chunks now, with the same per-contact answers.

const CONTACTS = 30_000;
const AT = new Date('2026-11-25T10:00:00Z');
/** The policy's marketing caps alone (sms-daily binds first). */
const CAPS: NamedCapRule[] = CONTACT_POLICY.caps.marketing.map(({ note: _n, ...c }) => c);

let db: TestDatabase;
let ids: number[];

beforeAll(async () => {
  db = await isolatedDatabase();
  ids = await seedContactsBulk(db.pool, Array.from({ length: CONTACTS }, (_, i) => ({ phone: `+86138${String(i).padStart(8, '0')}` })));
}, 60_000);
afterAll(() => db?.drop());

const newCampaign = async (name: string) =>
  Number((await db.pool.query(`INSERT INTO campaigns (name, category, definition) VALUES ($1, 'marketing', '{}') RETURNING id`, [name])).rows[0].id);

describe('reserveSends on a batch larger than the lock table', () => {
  it('reserves every contact once, and a second campaign is capped for every one of them', async () => {
    expect(CONTACTS).toBeGreaterThan(RESERVE_CHUNK * 10);
    const requests: SendRequest[] = ids.map((contactId) => ({ contactId, channel: 'sms', caps: CAPS }));
    const first = await newCampaign('big-1');
    const r1 = await reserveSends(db.pool, { campaignId: first, step: 'send', category: 'marketing', at: AT, capRule: CAP_RULE }, requests);
    expect(r1.rows.size).toBe(CONTACTS);
    expect(r1.capped.size).toBe(0);

    // Retried (an activity retry): the same rows come back, nothing is reserved twice.
    const again = await reserveSends(db.pool, { campaignId: first, step: 'send', category: 'marketing', at: AT, capRule: CAP_RULE }, requests);
    expect([...again.rows.values()].map((r) => r.id).sort()).toEqual([...r1.rows.values()].map((r) => r.id).sort());
    const { rows } = await db.pool.query('SELECT count(*)::int AS n, count(DISTINCT contact_id)::int AS contacts FROM send_ledger');
    expect(rows[0]).toEqual({ n: CONTACTS, contacts: CONTACTS });

    // Another campaign the same day: 1 SMS per 24 h, so every contact is capped until tomorrow.
    const second = await newCampaign('big-2');
    const r2 = await reserveSends(db.pool, { campaignId: second, step: 'send', category: 'marketing', at: AT, capRule: CAP_RULE }, requests);
    expect(r2.rows.size).toBe(0);
    expect(r2.capped.size).toBe(CONTACTS);
    expect(new Set([...r2.capped.values()].map((c) => `${c.freeAt} ${c.rule}`))).toEqual(new Set([`${AT.getTime() + 24 * 3_600_000} sms-daily`]));
  }, 120_000);
});
