import { createHash, randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSandboxEmailSender } from '../channels/sandbox-email';
import { createSandboxSmsSender } from '../channels/sandbox-sms';
import { messageHashes, messagesLink } from '../services/transactional-message';
import { canonicalRequest, type MessageRequest } from '../core/message-request';
import { dataCodec } from '../infra/data-keys';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { listDecisions } from '../db/decisions';
import { publicIdOf } from '../db/public-ids';
import { recordSuppression } from '../db/suppressions';
import { buildServer } from '../server';
import { campaignWorkflowId } from '../workflows/ids';
import { seedContacts } from './helpers/contacts';
import { runCli, temporalClient, type TestDatabase, type TestWorker } from './helpers/harness';
import { startStack, type Stack } from './helpers/stack';
import { eventually } from './helpers/recovery-stack';

// POST /v1/messages end to end: the real HTTP server, a real reachloop worker on the Temporal dev
// server, a real PostgreSQL, the sandbox SMS and e-mail senders. The worker's clock is pinned per
// scenario (`now`), so "23:00 in New York" is the instant every decision sees.

const OTP = '+12125550150';
const DUP = '+12125550151';
const NIGHT = '+12125550152';
const OPTED = '+12125550153';
const CAPPED = '+12125550154';
const MAIL = '+12125550155';
const CONFLICT = '+12125550156';

const TOKEN = randomBytes(16).toString('hex');
let stack: Stack;
let db: TestDatabase;
let worker: TestWorker;
let client: Client;
let base: string;
let ids: Record<string, number>;
/** The contacts' API references (the API never takes the sequential id). */
const refs: Record<string, string> = {};
let clock = new Date();
const sms = createSandboxSmsSender();
const email = createSandboxEmailSender('otp@example.com');
const sentTo = (phone: string) => sms.sent().filter((m) => m.to === phone);

beforeAll(async () => {
  stack = await startStack({
    now: () => clock,
    sandbox: false,
    activities: { sms, email },
    server: (s) => ({ twilio: false, events: { apiToken: TOKEN }, messages: messagesLink(temporalClient, { taskQueue: s.worker!.taskQueue }) }),
  });
  ({ db, worker, client } = stack);
  base = stack.publicBaseUrl;
  const phones = [OTP, DUP, NIGHT, OPTED, CAPPED, MAIL, CONFLICT];
  const seeded = await seedContacts(db.pool, phones.map((phone) => ({ phone, name: 'Kim', ...(phone === MAIL ? { email: 'kim@example.com' } : {}) })));
  ids = Object.fromEntries(phones.map((p, i) => [p, seeded[i]!]));
  await recordSuppression(db.pool, { contactId: ids[OPTED]!, channel: 'sms', kind: 'opt_out', source: 'sms_keyword' });
  for (const phone of phones) refs[phone] = (await publicIdOf(db.pool, ids[phone]!))!;
});

afterAll(() => stack?.stop());

const newKey = () => `order-${randomBytes(6).toString('hex')}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function post(body: unknown, key: string | null = newKey(), token: string | null = TOKEN) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers['idempotency-key'] = key;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}/v1/messages`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, any>, headers: res.headers };
}

async function get(id: number, token: string | null = TOKEN) {
  const res = await fetch(`${base}/v1/messages/${id}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

/** Polls GET /v1/messages/:id until its status is one of `statuses`. */
const settled = (id: number, statuses: string[]) =>
  eventually(async () => {
    const r = await get(id);
    // The ledger says 'sent' a moment before the batch writes its decisions: wait for both.
    return statuses.includes(r.json.status) && r.json.decision ? r.json : undefined;
  }, 30_000, `message ${id} to reach ${statuses.join('/')}`, async () => JSON.stringify((await get(id)).json));

const ledgerOf = async (contactId: number) =>
  (await db.pool.query(`SELECT l.category, l.state, m.id AS message_id FROM send_ledger l LEFT JOIN api_messages m ON m.campaign_id = l.campaign_id WHERE l.contact_id = $1 ORDER BY l.id`, [contactId])).rows;

describe('POST /v1/messages: the transactional lane', () => {
  it('an urgent one-time code at 23:00 in New York goes at once, through the ledger as transactional', async () => {
    clock = new Date('2026-11-18T23:00:00-05:00');
    const key = newKey();
    const r = await post({ phone: OTP, text: 'Your code is 482913', urgent: true }, key);
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    expect(r.json).toEqual({ message_id: expect.any(Number), status: 'accepted' });
    const m = await settled(r.json.message_id, ['sent']);
    expect(m.decision).toMatchObject({ decision: 'SEND', reason: 'ok', rule: null });
    expect(m.contact_id).toBe(refs[OTP]); // the reference, never the sequential id
    expect(m.ledger).toMatchObject({ state: 'sent', provider_id: expect.stringMatching(/^SM/), provider_status: 'queued', segments: 1 });
    expect(sentTo(OTP).map((s) => s.body)).toEqual(['Your code is 482913']);
    expect(await ledgerOf(ids[OTP]!)).toEqual([{ category: 'transactional', state: 'sent', message_id: String(r.json.message_id) }]);
    // The workflow is named by the key's hash and its input carries the campaign id only.
    const { workflow_id: workflowId } = (await db.pool.query('SELECT workflow_id FROM api_messages WHERE id = $1', [r.json.message_id])).rows[0];
    expect(workflowId).toMatch(/^message-[0-9a-f-]{36}$/); // a random id stored with the key, never a hash of it
    const handle = client.workflow.getHandle(workflowId);
    await handle.result();
    // Every payload of the history, decoded (they are base64 in its JSON form).
    const raw = JSON.stringify(await handle.fetchHistory(), (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
    const history = [...raw.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')).join('\n');
    expect(history).toContain(`"campaignId":${(await db.pool.query('SELECT campaign_id FROM api_messages WHERE id = $1', [r.json.message_id])).rows[0].campaign_id}`);
    for (const secret of [OTP, '482913', key]) expect(history).not.toContain(secret);
    // The operator's CLI finds the message's campaign under its workflow id.
    const campaignId = (await db.pool.query('SELECT campaign_id FROM api_messages WHERE id = $1', [r.json.message_id])).rows[0].campaign_id;
    const status = await runCli(['campaign', 'status', String(campaignId), '--json'], { DATABASE_URL: db.url, TEMPORAL_ADDRESS: inject('temporalAddress') });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ phase: 'completed', category: 'transactional', byState: { sent: 1 } });
  });

  it('the same key twice (at once, and again after the send) sends once and answers the first message', async () => {
    clock = new Date('2026-11-19T10:00:00-05:00');
    const key = newKey();
    const body = { contact_id: refs[DUP], text: 'Your order 981 has shipped' };
    const [a, b] = await Promise.all([post(body, key), post(body, key)]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.json.message_id).toBe(a.json.message_id);
    await settled(a.json.message_id, ['sent']);
    const again = await post({ text: 'Your order 981 has shipped', channel: 'sms', urgent: false, contact_id: refs[DUP] }, key);
    expect(again.status).toBe(202);
    expect(again.json).toEqual({ message_id: a.json.message_id, status: 'accepted' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(sentTo(DUP)).toHaveLength(1);
    expect(await ledgerOf(ids[DUP]!)).toHaveLength(1);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM campaigns WHERE definition @> $1', [JSON.stringify({ audience: { contactIds: [ids[DUP]] } })]);
    expect(rows[0].n).toBe(1);
  });

  it('a token reads only the messages it sent, and its Idempotency-Key is its own', async () => {
    clock = new Date('2026-11-19T10:00:00-05:00');
    const PARCEL = '+12125550157';
    const [id] = await seedContacts(db.pool, [{ phone: PARCEL, name: 'Kim' }]);
    const ref = (await publicIdOf(db.pool, id!))!;
    const created = await runCli(['token', 'create', '--scope', 'messages:send', '--name', 'other-shop', '--json'], { DATABASE_URL: db.url });
    expect(created.code, created.stderr).toBe(0);
    const other = JSON.parse(created.stdout).secret as string;
    const key = newKey();
    const body = { contact_id: ref, text: 'Your parcel is out for delivery' };
    const mine = await post(body, key);
    expect(mine.status).toBe(202);
    // Another token cannot read it (nor learn its contact's reference by walking the ids): as if there were none.
    const peek = await get(mine.json.message_id, other);
    expect(peek.status).toBe(404);
    expect(peek.json).toMatchObject({ reason: 'unknown_message' });
    expect((await get(mine.json.message_id)).status).toBe(200);
    // The same key from the other token is that token's own message, not the first one's answer.
    const theirs = await post(body, key, other);
    expect(theirs.status).toBe(202);
    expect(theirs.json.message_id).not.toBe(mine.json.message_id);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect((await get(theirs.json.message_id, other)).status).toBe(200);
    expect((await get(theirs.json.message_id)).status).toBe(404);
    expect((await db.pool.query('SELECT caller FROM api_messages WHERE id = ANY($1) ORDER BY id', [[mine.json.message_id, theirs.json.message_id]])).rows.map((r) => r.caller)).toEqual(['legacy', expect.stringMatching(/^token:\d+$/)]);
    // A message written before callers (its key hashed alone, no caller) still answers its key's replay.
    await db.pool.query('UPDATE api_messages SET caller = NULL, key_hash = $2 WHERE id = $1', [mine.json.message_id, dataCodec().lookupHash(key)]);
    const replay = await post(body, key);
    expect(replay.json).toEqual({ message_id: mine.json.message_id, status: 'accepted' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('its stored hashes give neither the number nor the key away (the reviewer\'s enumeration finds nothing), a replay still matches, erasure nulls them', async () => {
    clock = new Date('2026-11-19T10:00:00-05:00');
    const HASHED = '+12125550158';
    const [id] = await seedContacts(db.pool, [{ phone: HASHED, name: 'Kim' }]);
    const key = HASHED; // a client that makes its Idempotency-Key of the number
    const r = await post({ phone: HASHED, text: 'Your code is 771204' }, key);
    expect(r.status).toBe(202);
    await settled(r.json.message_id, ['sent']);
    const row = (await db.pool.query('SELECT m.key_hash, m.body_hash, m.urgent, m.workflow_id, c.name, c.definition FROM api_messages m JOIN campaigns c ON c.id = m.campaign_id WHERE m.id = $1', [r.json.message_id])).rows[0];
    // The enumeration of the review: everything but the number is known (the text is in the
    // campaign's definition), so try every number around it as the body's `phone`, and as the key.
    const number = (n: number) => `+1212555${String(n).padStart(4, '0')}`;
    const guess = (n: number): MessageRequest => ({ target: { e164: number(n) }, channel: 'sms', subject: null, text: row.definition.templates.sms.en, urgent: row.urgent });
    const guesses = Array.from({ length: 400 }, (_, i) => i); // +12125550000 … +12125550399
    expect(guesses.map(number)).toContain(HASHED);
    const candidates = guesses.flatMap((n) => [canonicalRequest(guess(n)), number(n), `legacy\n${number(n)}`]);
    const stored = [row.key_hash, row.body_hash, row.workflow_id.replace(/^message-/, ''), row.name.replace(/^message /, '')];
    expect(candidates.filter((c) => stored.some((h) => sha256(c).startsWith(h))), 'a bare SHA-256 matches a stored hash').toEqual([]);
    // Nor does the workflow id or the campaign's name (printed by `campaign list|status`) hold a hash of them.
    for (const shown of [row.workflow_id, row.name]) expect(shown).not.toContain(row.key_hash.slice(0, 12));
    expect(row.name).toBe(`message ${row.workflow_id.replace(/^message-/, '')}`);
    // They are the keyed lookup hashes of the same texts (so `keys rotate-lookup` keeps them matching).
    const req = guess(158);
    expect(row).toMatchObject({ key_hash: messageHashes(dataCodec(), 'legacy', key, req).keyHash, body_hash: messageHashes(dataCodec(), 'legacy', key, req).bodyHash });
    const again = await post({ phone: HASHED, text: 'Your code is 771204' }, key);
    expect(again.json).toEqual({ message_id: r.json.message_id, status: 'accepted' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const erased = await runCli(['privacy', 'erase', String(id), '--reason', 'DSR-77 erasure', '--yes', '--json'], { DATABASE_URL: db.url });
    expect(erased.code, erased.stderr).toBe(0);
    expect((await db.pool.query('SELECT key_hash, body_hash FROM api_messages WHERE id = $1', [r.json.message_id])).rows[0]).toEqual({ key_hash: null, body_hash: null });
  });

  it('the same key with another body is 409 and sends nothing more', async () => {
    clock = new Date('2026-11-19T10:00:00-05:00');
    const key = newKey();
    const first = await post({ phone: CONFLICT, text: 'Your code is 111111', urgent: true }, key);
    expect(first.status).toBe(202);
    const other = await post({ phone: CONFLICT, text: 'Your code is 222222', urgent: true }, key);
    expect(other.status).toBe(409);
    expect(other.json).toMatchObject({ reason: 'idempotency_key_reused', message_id: first.json.message_id });
    await settled(first.json.message_id, ['sent']);
    expect(sentTo(CONFLICT).map((s) => s.body)).toEqual(['Your code is 111111']);
  });

  it('a non-urgent one at 23:00 in New York waits for 07:00, naming the transactional night rule', async () => {
    clock = new Date('2026-11-18T23:00:00-05:00');
    const key = newKey();
    const r = await post({ phone: NIGHT, text: 'Your appointment is tomorrow at 10:00' }, key);
    expect(r.status).toBe(202);
    try {
      const m = await settled(r.json.message_id, ['deferred']);
      expect(m.decision).toMatchObject({ decision: 'DEFER', rule: 'outside_window:transactional-night', until: '2026-11-19T12:00:00.000Z' });
      expect(m.ledger).toBeNull();
      expect(sentTo(NIGHT)).toHaveLength(0);
    } finally {
      const { workflow_id } = (await db.pool.query('SELECT workflow_id FROM api_messages WHERE id = $1', [r.json.message_id])).rows[0];
      await client.workflow.getHandle(workflow_id).terminate('test over').catch(() => {});
    }
  });

  it('an SMS to an opted-out contact is SKIP opted_out, and GET says so', async () => {
    clock = new Date('2026-11-19T10:00:00-05:00');
    const r = await post({ phone: OPTED, text: 'Your code is 333333', urgent: true });
    expect(r.status).toBe(202);
    const m = await settled(r.json.message_id, ['skipped']);
    expect(m.decision).toMatchObject({ decision: 'SKIP', reason: 'opted_out' });
    expect(sentTo(OPTED)).toHaveLength(0);
  });

  it('a marketing cap already used up does not hold it, nor is it counted against the caps', async () => {
    clock = new Date('2026-11-19T11:00:00-05:00');
    const marketing = async () => {
      const def = parseCampaign({
        name: 'sale', category: 'marketing', audience: { contactIds: [ids[CAPPED]] }, channels: { A: 'sms', B: 'sms', C: 'sms' }, fallback: false,
        templates: { sms: { en: 'Hi {{name}}, 20% off this week.' } }, deadline: new Date(clock.getTime() + 3_600_000).toISOString(),
      });
      const campaignId = await insertCampaign(db.pool, def);
      await client.workflow.execute('campaignWorkflow', { taskQueue: worker.taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, lanes: 1, batchSize: 10 }] });
      return (await listDecisions(db.pool, campaignId, { reason: null, rule: null, contactId: null, limit: 10 })).at(-1)!;
    };
    expect(await marketing()).toMatchObject({ decision: 'SEND' });
    const r = await post({ phone: CAPPED, text: 'Your password was changed' });
    expect(r.status).toBe(202);
    const m = await settled(r.json.message_id, ['sent']);
    expect(m.decision).toMatchObject({ decision: 'SEND', reason: 'ok' });
    // The cap is indeed used up for marketing: the next marketing message is held by it.
    expect(await marketing()).toMatchObject({ decision: 'SKIP', rule: expect.stringMatching(/^cap:/) });
    expect(sentTo(CAPPED).map((s) => s.body)).toEqual(['Hi Kim, 20% off this week. Reply STOP to opt out', 'Your password was changed']);
  });

  it('an e-mail goes with its subject and no marketing unsubscribe footer', async () => {
    clock = new Date('2026-11-19T10:00:00-05:00');
    const r = await post({ contact_id: refs[MAIL], channel: 'email', subject: 'Your receipt', text: 'Order 77: $12.00' });
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    await settled(r.json.message_id, ['sent']);
    const mails = email.sent().filter((e) => e.to === 'kim@example.com');
    expect(mails.map((e) => [e.subject, e.text, e.unsubscribe])).toEqual([['Your receipt', 'Order 77: $12.00', null]]);
  });
});

describe('POST /v1/messages: refusals', () => {
  it('503 when Temporal cannot be reached: the message is recorded, and the same key later starts it once', async () => {
    clock = new Date('2026-11-19T10:00:00-05:00');
    const down = buildServer({ pool: db.pool, events: { apiToken: TOKEN }, messages: { start: async () => { throw new Error('cannot reach Temporal'); }, close: async () => {} } });
    const key = newKey();
    const body = { phone: CONFLICT, text: 'Your code is 444444', urgent: true };
    const r = await down.inject({ method: 'POST', url: '/v1/messages', headers: { authorization: `Bearer ${TOKEN}`, 'idempotency-key': key }, payload: body });
    await down.close();
    expect(r.statusCode).toBe(503);
    const recorded = r.json().message_id;
    expect((await get(recorded)).json).toMatchObject({ status: 'accepted', decision: null, ledger: null });
    const retry = await post(body, key);
    expect(retry.json).toEqual({ message_id: recorded, status: 'accepted' });
    await settled(recorded, ['sent']);
    expect(sentTo(CONFLICT).filter((s) => s.body === 'Your code is 444444')).toHaveLength(1);
  });

  it('401 without the bearer token or with a wrong one, on POST and GET', async () => {
    expect((await post({ phone: OTP, text: 'x' }, newKey(), null)).status).toBe(401);
    expect((await post({ phone: OTP, text: 'x' }, newKey(), 'wrong-token-wrong-token')).status).toBe(401);
    expect((await get(1, null)).status).toBe(401);
  });

  it('400 malformed JSON or a missing/over-long key; 422 with a reason for what cannot be sent; nothing stored', async () => {
    const before = (await db.pool.query('SELECT count(*)::int AS n FROM api_messages')).rows[0].n;
    const malformed = await post('{"phone": "+12125550150", "text": ', newKey());
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toMatch(/not valid JSON/);
    expect((await post({ phone: OTP, text: 'x' }, null)).json).toMatchObject({ reason: 'idempotency_key_missing' });
    expect((await post({ phone: OTP, text: 'x' }, 'k'.repeat(201))).status).toBe(400);
    const cases: Array<[unknown, string]> = [
      [{ phone: '+12125550199', text: 'hi' }, 'unknown_contact'],
      [{ contact_id: `ct_${'0'.repeat(32)}`, text: 'hi' }, 'unknown_contact'],
      [{ contact_id: ids[OTP], text: 'hi' }, 'sequential_contact_id'],
      [{ phone: OTP, channel: 'fax', text: 'hi' }, 'bad_channel'],
      [{ phone: OTP, text: 'x'.repeat(1_601) }, 'text_too_long'],
      [{ phone: OTP }, 'no_text'],
      [{ phone: OTP, text: 'hi', urgent: 'yes' }, 'bad_urgent'],
      [{ phone: OTP, channel: 'email', subject: 'S', text: 'hi' }, 'no_email'],
      [{ phone: OTP, channel: 'email', text: 'hi' }, 'no_subject'],
      [{ phone: OTP, text: 'hi {{code}}' }, 'bad_text'],
      [{ phone: OTP, text: 'lone \ud800 surrogate' }, 'bad_text'],
      [{ phone: 'not a number', text: 'hi' }, 'bad_phone'],
    ];
    for (const [body, reason] of cases) {
      const r = await post(body);
      expect([r.status, r.json.reason], JSON.stringify(body).slice(0, 80)).toEqual([422, reason]);
      expect(r.json.error).toEqual(expect.any(String));
    }
    expect((await db.pool.query('SELECT count(*)::int AS n FROM api_messages')).rows[0].n).toBe(before);
    expect((await get(999_999_999_999)).status).toBe(404);
    // A NUL byte is removed from every JSON API body before a handler sees it (it was a 500 with
    // PostgreSQL's error text): the message is taken without it.
    const nul = await post({ phone: OTP, text: 'nul \u0000 byte' });
    expect(nul.status, JSON.stringify(nul.json)).toBe(202);
    const { rows } = await db.pool.query(`SELECT c.definition->'templates'->'sms' AS sms FROM api_messages m JOIN campaigns c ON c.id = m.campaign_id WHERE m.id = $1`, [nul.json.message_id]);
    expect(JSON.stringify(rows[0].sms)).not.toContain('\\u0000');
    expect(Object.values(rows[0].sms as Record<string, string>)).toEqual(['nul  byte']);
  });
});
