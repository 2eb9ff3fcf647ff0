import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../db/migrate';
import { base64Key, DataCodec, parseDataKeys } from '../infra/data-codec';
import { dataCodec, installDataKeys } from '../infra/data-keys';
import { freePort } from '../infra/net';
import { startTwilioSandbox, type TwilioSandbox } from '../sandbox/twilio-server';
import { buildServer } from '../server';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, runCli, type TestDatabase } from './helpers/harness';
import { needlesOf } from './helpers/pii-needles';
import { findPersonalData } from './helpers/pii-scan';

// Issue 17 item 2, free text: people text their new e-mail and number back. Through the real
// signed inbound webhook, a reply, an opt-out, a complaint and an opt-out from a number that is no
// contact, each holding an e-mail and a number, leave neither in any plain column: the text is
// sealed (db/sealed-fields.ts) in the sms_reply event and in the proofs. The export shows it
// opened, `keys status` counts it, `keys rotate` re-encrypts it, and `reachloop migrate` seals the
// bodies a database kept in clear before migration 0034.

const FROM = '+15005550006';
const AUTH_TOKEN = randomBytes(16).toString('hex');
const NEW_EMAIL = 'zoe.new@example.org';
const NEW_NUMBER = '+447700900123'; // written "+44 7700 900123"
const TEXTS = {
  reply: `New number: +44 7700 900123, email ${NEW_EMAIL}`,
  stop: `Please stop texting me, write to ${NEW_EMAIL} or call +44 7700 900123`,
  spam: `This is spam, reach me at ${NEW_EMAIL} +44 7700 900123`,
};
const PEOPLE = { reply: '+12125550601', stop: '+12125550602', spam: '+12125550603' };
const STRANGER = '+12125550699';
const needles = needlesOf([NEW_NUMBER, NEW_EMAIL]);

let db: TestDatabase;
let sandbox: TwilioSandbox;
let app: FastifyInstance;
const original = dataCodec();

beforeAll(async () => {
  db = await isolatedDatabase();
  await seedContacts(db.pool, Object.values(PEOPLE).map((phone) => ({ phone, consent: ['sms'] })));
  const port = await freePort();
  const publicBaseUrl = `http://127.0.0.1:${port}`;
  sandbox = await startTwilioSandbox({ authToken: AUTH_TOKEN, defaultFrom: FROM, inboundWebhookUrl: `${publicBaseUrl}/webhooks/twilio/inbound` });
  app = buildServer({ pool: db.pool, twilio: { publicBaseUrl, authToken: () => AUTH_TOKEN, log: () => {} } });
  await app.listen({ host: '127.0.0.1', port });
});

afterAll(async () => {
  installDataKeys(original);
  await app?.close();
  await sandbox?.stop();
  await db?.drop();
});

const cli = async (args: string[], env: Record<string, string> = {}) => {
  const r = await runCli(args, { DATABASE_URL: db.url, ...env });
  expect(r.code, `reachloop ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
};

describe('inbound SMS texts are stored sealed', () => {
  it('a reply, an opt-out, a complaint and a stranger\'s opt-out leave the e-mail and number they hold in no plain column', async () => {
    for (const [who, text] of [[PEOPLE.reply, TEXTS.reply], [PEOPLE.stop, TEXTS.stop], [PEOPLE.spam, TEXTS.spam], [STRANGER, TEXTS.stop]] as const)
      expect((await sandbox.reply(who, undefined, text)).httpStatus).toBe(200);
    // Each went where it belongs (so the scan below looks at rows that exist).
    const count = async (sql: string) => Number((await db.pool.query(sql)).rows[0].n);
    expect(await count(`SELECT count(*) AS n FROM events WHERE tag = 'sms_reply'`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM suppressions WHERE kind = 'opt_out'`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM complaints`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM pending_opt_outs`)).toBe(1);

    expect(await findPersonalData(db.pool, needles)).toEqual([]);
    // Held sealed, every one of them.
    const sealed = await findPersonalData(db.pool, needles, { sealed: true });
    for (const where of ['events.properties.body_sealed', 'suppressions.proof.body_sealed', 'complaints.proof.body_sealed', 'pending_opt_outs.proof.body_sealed'])
      expect(sealed.some((h) => h.startsWith(`${where} (decrypted): ${NEW_EMAIL}`)), `${where} in ${sealed.join('; ')}`).toBe(true);
  });

  it('privacy export shows the texts opened; contact show too, masked unless --unmask', async () => {
    const reply = await cli(['privacy', 'export', PEOPLE.reply, '--reason', 'test: the person asked']);
    expect(reply.tables.events).toEqual([expect.objectContaining({ tag: 'sms_reply', properties: expect.objectContaining({ body: TEXTS.reply }) })]);
    expect(JSON.stringify(reply)).not.toContain('body_sealed');
    const stop = await cli(['privacy', 'export', PEOPLE.stop, '--reason', 'test: the person asked']);
    expect(stop.tables.suppressions).toEqual([expect.objectContaining({ proof: expect.objectContaining({ body: TEXTS.stop, keyword: 'STOP' }) })]);
    const spam = await cli(['privacy', 'export', PEOPLE.spam, '--reason', 'test: the person asked']);
    expect(spam.tables.complaints).toEqual([expect.objectContaining({ proof: expect.objectContaining({ body: TEXTS.spam }) })]);
 
    // contact show opens them too, the e-mail and number in them masked unless --unmask.
    const shown = await cli(['contact', 'show', PEOPLE.stop, '--reason', 'test: support call', '--json']);
    expect(shown.suppressions).toEqual([expect.objectContaining({ proof: expect.objectContaining({ body: 'Please stop texting me, write to z***@example.org or call +4477****0123' }) })]);
    const unmasked = await cli(['contact', 'show', PEOPLE.spam, '--reason', 'test: support call', '--unmask', '--json']);
    expect(unmasked.complaints.list).toEqual([expect.objectContaining({ proof: expect.objectContaining({ body: TEXTS.spam }) })]);
  });

  it('keys status counts the sealed texts, keys rotate re-encrypts them under the new key', async () => {
    const oldKeys = parseDataKeys(process.env.REACHLOOP_DATA_KEYS!) as Array<{ id: string; key: Buffer }>;
    const oldId = oldKeys[0]!.id;
    const before = await cli(['keys', 'status', '--json']);
    for (const f of ['events.properties.body_sealed', 'suppressions.proof.body_sealed', 'complaints.proof.body_sealed', 'pending_opt_outs.proof.body_sealed'])
      expect(before.byColumn[f], f).toEqual({ [oldId]: 1 });

    const NEW = { id: 'r2', key: randomBytes(32) };
    const lookupKey = base64Key(process.env.REACHLOOP_LOOKUP_KEY!)!;
    installDataKeys(new DataCodec([NEW, ...oldKeys], NEW.id, lookupKey));
    const rotated = await cli(['keys', 'rotate', '--json'], { REACHLOOP_DATA_KEYS: `${NEW.id}:${NEW.key.toString('base64')},${process.env.REACHLOOP_DATA_KEYS}` });
    expect(rotated).toMatchObject({ activeKey: NEW.id, remaining: 0, rotated: { 'events.properties.body_sealed': 1, 'suppressions.proof.body_sealed': 1, 'complaints.proof.body_sealed': 1, 'pending_opt_outs.proof.body_sealed': 1 } });

    // Only the new key is needed now: the texts open under it.
    const onlyNew = new DataCodec([NEW], NEW.id, lookupKey);
    const { rows } = await db.pool.query(`SELECT properties->>'body_sealed' AS s FROM events WHERE tag = 'sms_reply'`);
    expect(onlyNew.open(rows[0].s)).toBe(TEXTS.reply);
    const proofs = await db.pool.query(`SELECT proof->>'body_sealed' AS s FROM suppressions WHERE kind = 'opt_out' UNION ALL SELECT proof->>'body_sealed' FROM pending_opt_outs`);
    expect(proofs.rows.map((r) => onlyNew.open(r.s))).toEqual([TEXTS.stop, TEXTS.stop]);
    expect(await findPersonalData(db.pool, needles)).toEqual([]);
    installDataKeys(original); // the next database is written under the suite's keys again
  });
});

describe('a database that kept inbound texts in clear (before migration 0034)', () => {
  it('`reachloop migrate` seals them everywhere, and leaves a client event property named body alone', async () => {
    const old = await isolatedDatabase({ migrated: false });
    try {
      await migrate(old.pool, readMigrations().filter((f) => f.name < '0034'));
      const [id] = await seedContacts(old.pool, [{ phone: '+12125550611', consent: ['sms'] }]);
      const q = (sql: string, params: unknown[] = []) => old.pool.query(sql, params);
      await q(`INSERT INTO events (event_id, contact_id, raw_tag, tag, occurred_at, source, properties) VALUES ('twilio:SM1', $1, 'sms_reply', 'sms_reply', now(), 'twilio', $2)`, [id, { message_sid: 'SM1', body: TEXTS.reply }]);
      await q(`INSERT INTO events (event_id, contact_id, raw_tag, tag, occurred_at, source, properties) VALUES ('api-1', $1, 'note', NULL, now(), 'api', '{"body": "a client property"}')`, [id]);
      await q(`INSERT INTO suppressions (contact_id, channel, kind, source, proof) VALUES ($1, 'sms', 'opt_out', 'sms_keyword', $2)`, [id, { messageSid: 'SM2', body: TEXTS.stop }]);
      await q(`INSERT INTO complaints (contact_id, channel, source, report_key, at, proof) VALUES ($1, 'sms', 'sms_reply', 'sms:reply:SM3', now(), $2)`, [id, { messageSid: 'SM3', body: TEXTS.spam }]);
      await q(`INSERT INTO pending_opt_outs (phone_hash, channel, source, proof, received_at) VALUES ('h', 'sms', 'sms_keyword', $1, now())`, [{ messageSid: 'SM4', body: TEXTS.stop }]);
      await q(`UPDATE consents SET proof = $2 WHERE contact_id = $1 AND channel = 'sms'`, [id, JSON.stringify({ importId: 1, doubleOptIn: { messageSid: 'SM5', body: `YES ${NEW_EMAIL}` } })]);
      await q(`INSERT INTO consent_confirmations (contact_id, channel, purpose, asked_at, confirmed_at, proof) VALUES ($1, 'sms', 'marketing', now(), now(), $2)`, [id, { messageSid: 'SM5', body: `YES ${NEW_EMAIL}` }]);
      expect(await findPersonalData(old.pool, needles)).not.toEqual([]); // it was there

      const r = await runCli(['migrate', '--json'], { DATABASE_URL: old.url });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ applied: expect.arrayContaining(['0034_sealed_reply_bodies.sql']), sealedBodies: 6 });
      expect(await findPersonalData(old.pool, needles)).toEqual([]);
      const sealed = await findPersonalData(old.pool, needles, { sealed: true });
      expect(sealed.filter((h) => h.includes(NEW_EMAIL)).map((h) => h.split(' ')[0]).sort()).toEqual([
        'complaints.proof.body_sealed',
        'consent_confirmations.proof.body_sealed',
        'consents.proof.doubleOptIn.body_sealed',
        'events.properties.body_sealed',
        'pending_opt_outs.proof.body_sealed',
        'suppressions.proof.body_sealed',
      ]);
      const consent = (await q(`SELECT proof FROM consents WHERE contact_id = $1 AND channel = 'sms'`, [id])).rows[0].proof;
      expect(consent).toEqual({ importId: 1, doubleOptIn: { messageSid: 'SM5', body_sealed: expect.any(String) } });
      expect(dataCodec().open(consent.doubleOptIn.body_sealed)).toBe(`YES ${NEW_EMAIL}`);
      expect((await q(`SELECT properties FROM events WHERE event_id = 'api-1'`)).rows[0].properties).toEqual({ body: 'a client property' });

      const again = await runCli(['migrate', '--json'], { DATABASE_URL: old.url });
      expect(JSON.parse(again.stdout).sealedBodies).toBeUndefined(); // once
    } finally {
      await old.drop();
    }
  });
});
