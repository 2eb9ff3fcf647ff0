import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalRequest, type MessageRequest } from '../core/message-request';
import { rotateLookupKey } from '../db/lookup-rotation';
import { findCallerlessMessageByKey, findMessageByKey } from '../db/messages';
import { migrate, readMigrations } from '../db/migrate';
import { dataCodec } from '../infra/data-keys';
import { messageHashes } from '../services/transactional-message';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, runCli, type TestDatabase } from './helpers/harness';

// The hashes of a single API message (its Idempotency-Key's and its body's) are keyed lookup
// hashes: the messages written before migration 0038 with bare SHA-256 hashes are re-keyed by
// `reachloop migrate` (and their campaigns, named after a prefix of the key's hash, renamed), and
// `keys rotate-lookup` re-hashes them, so a replay of the same key and body still finds its message.

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const PHONE = '+12125550171';
const req: MessageRequest = { target: { e164: PHONE }, channel: 'sms', subject: null, text: 'Your code is 304911', urgent: true };

let db: TestDatabase;
beforeAll(async () => {
  db = await isolatedDatabase({ migrated: false });
});
afterAll(() => db?.drop());

/** A message row as the code before 0038 wrote it: bare SHA-256 hashes, the campaign named after the key's. */
async function legacyMessage(contactId: number, keyText: string, caller: string | null): Promise<number> {
  const keyHash = sha(keyText);
  const name = `message ${keyHash.slice(0, 16)}`; // the name before 0038
  const c = await db.pool.query(`INSERT INTO campaigns (name, category, definition) VALUES ($1, 'transactional', $2) RETURNING id`, [name, { name, category: 'transactional' }]);
  const m = await db.pool.query(
    `INSERT INTO api_messages (key_hash, body_hash, campaign_id, contact_id, channel, urgent, workflow_id${caller ? ', caller' : ''})
     VALUES ($1, $2, $3, $4, 'sms', true, $5${caller ? ', $6' : ''}) RETURNING id`,
    [keyHash, sha(canonicalRequest(req)), c.rows[0].id, contactId, `message-${keyHash}`, ...(caller ? [caller] : [])],
  );
  return Number(m.rows[0].id);
}

describe('API message hashes', () => {
  it('`reachloop migrate` re-keys the bare SHA-256 hashes written before 0038, once, and a replay finds them', async () => {
    await migrate(db.pool, readMigrations().filter((f) => f.name < '0038'));
    const [contact] = await seedContacts(db.pool, [{ phone: PHONE }]);
    const callerless = await legacyMessage(contact!, 'order-1', null);
    await migrate(db.pool, readMigrations().filter((f) => f.name !== '0038_keyed_message_hashes.sql')); // callers came before 0038 here
    const withCaller = await legacyMessage(contact!, 'token:7\norder-2', 'token:7');

    const r = await runCli(['migrate', '--json'], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ applied: ['0038_keyed_message_hashes.sql'], rekeyedMessages: 2 });

    const codec = dataCodec();
    const a = messageHashes(codec, 'legacy', 'order-1', req);
    const b = messageHashes(codec, 'token:7', 'order-2', req);
    expect((await findCallerlessMessageByKey(db.pool, a.callerlessKeyHash))).toMatchObject({ id: callerless, bodyHash: a.bodyHash });
    expect((await findMessageByKey(db.pool, b.keyHash))).toMatchObject({ id: withCaller, bodyHash: b.bodyHash });
    const names = (await db.pool.query(`SELECT c.name, c.definition ->> 'name' AS def FROM api_messages m JOIN campaigns c ON c.id = m.campaign_id ORDER BY m.id`)).rows;
    // Their campaigns, named after 16 digits of the bare key hash, now carry a random id as a new message's do.
    expect(names).toEqual([expect.stringMatching(/^message [0-9a-f-]{36}$/), expect.stringMatching(/^message [0-9a-f-]{36}$/)].map((n) => ({ name: n, def: n })));
    expect(names[0].name).not.toBe(names[1].name);
    for (const { name, def } of names) expect(name).toBe(def);

    // Again: nothing pending, nothing keyed twice.
    const again = await runCli(['migrate', '--json'], { DATABASE_URL: db.url });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).rekeyedMessages).toBeUndefined();
    expect((await findMessageByKey(db.pool, b.keyHash))?.id).toBe(withCaller);
  });

  it('`keys rotate-lookup` re-hashes them: the same key and body under the new chain find the message', async () => {
    const before = messageHashes(dataCodec(), 'token:7', 'order-2', req);
    const { codec, rewritten } = await rotateLookupKey(db.pool, dataCodec(), randomBytes(32));
    expect(rewritten).toMatchObject({ 'api_messages.key_hash': 2, 'api_messages.body_hash': 2 });
    const after = messageHashes(codec, 'token:7', 'order-2', req);
    expect(after.keyHash).not.toBe(before.keyHash);
    expect(await findMessageByKey(db.pool, before.keyHash)).toBeUndefined();
    expect(await findMessageByKey(db.pool, after.keyHash)).toMatchObject({ bodyHash: after.bodyHash });
    expect(await findCallerlessMessageByKey(db.pool, messageHashes(codec, 'legacy', 'order-1', req).callerlessKeyHash)).toMatchObject({ bodyHash: after.bodyHash });
  });

  it('a database from before 0031 gets them keyed once, by the conversion of 0031 (0038 leaves them to it)', async () => {
    const old = await isolatedDatabase({ migrated: false });
    try {
      await migrate(old.pool, readMigrations().filter((f) => f.name < '0031'));
      const c = await old.pool.query(
        `INSERT INTO contacts (phone_hash, phone_e164, line_type, country, language, time_zones, validity, number_status, tier)
         VALUES ($1, $2, 'mobile', 'US', 'en', '{America/New_York}', 'reachable', 'active', 'A') RETURNING id`,
        [sha(PHONE), PHONE],
      );
      const k = await old.pool.query(`INSERT INTO campaigns (name, category, definition) VALUES ('message x', 'transactional', '{}') RETURNING id`);
      await old.pool.query(`INSERT INTO api_messages (key_hash, body_hash, campaign_id, contact_id, channel, urgent, workflow_id) VALUES ($1, $2, $3, $4, 'sms', true, 'message-x')`, [
        sha('order-9'), sha(canonicalRequest(req)), k.rows[0].id, c.rows[0].id,
      ]);
      const r = await runCli(['migrate', '--json'], { DATABASE_URL: old.url });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ personalData: { rehashed: true } });
      const h = messageHashes(dataCodec(), 'legacy', 'order-9', req);
      expect((await old.pool.query('SELECT key_hash, body_hash FROM api_messages')).rows).toEqual([{ key_hash: h.callerlessKeyHash, body_hash: h.bodyHash }]);
    } finally {
      await old.drop();
    }
  });
});
