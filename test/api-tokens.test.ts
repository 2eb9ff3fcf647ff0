import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoveryLink } from '../services/recovery-lifecycle';
import { publicIdOf } from '../db/public-ids';
import { buildServer } from '../server';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, runCli, temporalClient, type TestDatabase } from './helpers/harness';

// Scoped API tokens through the real parts: `reachloop token create|list|revoke` in a child process
// against a real PostgreSQL, the real HTTP server (fetch) checking them: 401 without a token or
// with a revoked one, 403 without the route's scope, 429 with Retry-After over the token's rate,
// 413 over a route's body limit, and the legacy REACHLOOP_API_TOKEN with its reduced scopes.
// No request here reaches Temporal: every one is answered before a workflow would start.

const LEGACY = randomBytes(16).toString('hex');
const PHONE = '+12125550161';

let db: TestDatabase;
let app: FastifyInstance;
let base: string;
let env: Record<string, string>;
let contact: { id: number; ref: string };

beforeAll(async () => {
  db = await isolatedDatabase();
  env = { DATABASE_URL: db.url };
  const [id] = await seedContacts(db.pool, [{ phone: PHONE, name: 'Ana' }]);
  expect((await db.pool.query('SELECT public_id FROM contacts WHERE id = $1', [id])).rows[0].public_id).toBeNull(); // given when first shown
  contact = { id: id!, ref: (await publicIdOf(db.pool, id!))! };
  app = buildServer({ pool: db.pool, events: { apiToken: LEGACY }, recovery: recoveryLink(temporalClient, db.pool, { taskQueue: 'never-used' }) });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function cli(...args: string[]): Promise<{ code: number | null; out: any; stdout: string; stderr: string }> {
  const r = await runCli(args, env);
  let out: unknown;
  try {
    out = JSON.parse(r.stdout);
  } catch {
    out = undefined;
  }
  return { code: r.code, out, stdout: r.stdout, stderr: r.stderr };
}

const event = (n: number) => ({ event_id: `t-${n}-${randomBytes(3).toString('hex')}`, event: 'login', phone: PHONE, occurred_at: '2026-11-20T10:00:00Z' });
const call = (path: string, body: unknown, token: string | null) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const postEvent = (token: string | null, n = 0) => call('/v1/events', event(n), token);
const numberChange = (ref: string, body: unknown, token: string | null) => call(`/v1/contacts/${ref}/number-change`, body, token);

describe('reachloop token', () => {
  let ingest: string;
  let support: string;

  it('create prints the secret once, with the scopes and rate; list shows everything but the secret', async () => {
    const a = await cli('token', 'create', '--scope', 'events:write', '--name', 'shop-events', '--rate', '3/min', '--json');
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.out).toMatchObject({ id: expect.any(Number), name: 'shop-events', scopes: ['events:write'], rate: '3/min', lastUsedAt: null, revokedAt: null, secret: expect.stringMatching(/^rl_[A-Za-z0-9_-]{43}$/) });
    ingest = a.out.secret;
    const b = await cli('token', 'create', '--scope', 'contacts:write', '--scope', 'contacts:read');
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/^token \d+ "token-\d+" \(contacts:write, contacts:read, 50\/s\):\nrl_\S+\nshown once/);
    support = /\n(rl_\S+)\n/.exec(b.stdout)![1]!;

    const list = await cli('token', 'list', '--json');
    expect(list.code).toBe(0);
    expect(list.out.map((t: { name: string; scopes: string[]; rate: string }) => [t.name, t.scopes, t.rate])).toEqual([
      ['shop-events', ['events:write'], '3/min'],
      [expect.stringMatching(/^token-\d+$/), ['contacts:write', 'contacts:read'], '50/s'],
    ]);
    const text = await cli('token', 'list');
    for (const shown of [list.stdout, text.stdout]) {
      expect(shown).not.toContain(ingest);
      expect(shown).not.toContain(support);
      expect(shown).not.toMatch(/rl_[A-Za-z0-9_-]{20}/);
    }
    // Only the SHA-256 is stored, nothing of the secret itself.
    const stored = await db.pool.query(`SELECT * FROM api_tokens WHERE name = 'shop-events'`);
    expect(stored.rows[0].token_hash).toEqual(createHash('sha256').update(ingest).digest());
    expect(JSON.stringify(stored.rows[0])).not.toContain(ingest.slice(3, 20));
  });

  it.each([
    [['token', 'create'], /at least one --scope/],
    [['token', 'create', '--scope', 'admin'], /unknown scope admin: one of events:write, messages:send, contacts:read, contacts:write, privacy/],
    [['token', 'create', '--scope', 'privacy', '--rate', 'fast'], /--rate must look like 50\/s/],
    [['token', 'create', '--scope', 'privacy', '--name', '42'], /--name must not be only digits/],
    [['token', 'create', '--scope', 'privacy', '--name', 'shop-events'], /a token named "shop-events" exists already/],
  ])('refuses %j with a usage error', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('a request without a token gets 401, a token without the route\'s scope 403 naming it, a token with it gets through', async () => {
    const none = await postEvent(null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.json()).toMatchObject({ reason: 'missing_token', error: expect.stringMatching(/missing bearer token/) });
    const forged = await postEvent(`rl_${randomBytes(32).toString('base64url')}`);
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ reason: 'invalid_token' });

    // The ingestion token cannot change a customer's number.
    const denied = await numberChange(contact.ref, { phone: '+12015550143' }, ingest);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ error: 'the token "shop-events" lacks the scope contacts:write this route needs', reason: 'missing_scope', scope: 'contacts:write' });
    // Nor can the support token ingest events.
    const other = await postEvent(support);
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ reason: 'missing_scope', scope: 'events:write' });
    expect(await db.pool.query('SELECT count(*)::int AS n FROM recovery_cases').then((q) => q.rows[0].n)).toBe(0);

    const ok = await postEvent(ingest, 1);
    expect(ok.status).toBe(200);
    const used = await cli('token', 'list', '--json');
    expect(used.out.find((t: { name: string }) => t.name === 'shop-events').lastUsedAt).toEqual(expect.any(String));
  });

  it('over its rate a token gets 429 with Retry-After; another token is not held by it', async () => {
    // shop-events: 3 a minute, one used above.
    expect((await postEvent(ingest, 2)).status).toBe(200);
    expect((await postEvent(ingest, 3)).status).toBe(200);
    const over = await postEvent(ingest, 4);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await over.json()).toMatchObject({ reason: 'rate_limited', error: expect.stringMatching(/the token "shop-events" is over its rate of 3\/min: retry in/) });
    expect(await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE event_id LIKE 't-4-%'`).then((q) => q.rows[0].n)).toBe(0);
    expect((await postEvent(LEGACY, 5)).status).toBe(200);
  });

  it('a revoked token gets 401 at once', async () => {
    const r = await cli('token', 'revoke', 'shop-events', '--json');
    expect(r.code).toBe(0);
    expect(r.out).toMatchObject({ name: 'shop-events', revokedAt: expect.any(String), alreadyRevoked: false });
    const after = await postEvent(ingest, 6);
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ reason: 'token_revoked', error: expect.stringMatching(/the token "shop-events" was revoked on /) });
    expect((await cli('token', 'revoke', 'shop-events')).stdout).toMatch(/was revoked already/);
    const missing = await cli('token', 'revoke', 'nobody');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no token "nobody"/);
    const id = (await cli('token', 'list', '--json')).out.find((t: { name: string }) => t.name !== 'shop-events').id;
    expect((await cli('token', 'revoke', String(id))).stdout).toMatch(new RegExp(`token ${id} "token-${id}" revoked`));
    expect((await numberChange(contact.ref, { phone: '+12015550143' }, support)).status).toBe(401);
  });

  it('the legacy REACHLOOP_API_TOKEN keeps events and messages, not number changes', async () => {
    expect((await postEvent(LEGACY, 7)).status).toBe(200);
    const denied = await numberChange(contact.ref, { phone: '+12015550143' }, LEGACY);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ reason: 'missing_scope', scope: 'contacts:write', error: expect.stringMatching(/REACHLOOP_API_TOKEN carries events:write, messages:send only: create a token with `reachloop token create --scope contacts:write`/) });
  });
});

describe('number change: references and body limits', () => {
  let writer: string;
  beforeAll(async () => {
    writer = (await cli('token', 'create', '--scope', 'contacts:write', '--name', 'desk', '--json')).out.secret;
  });

  it('takes the contact\'s public reference only: the sequential id, a guess and garbage get the same 404', async () => {
    expect(contact.ref).toMatch(/^ct_[0-9a-f]{32}$/);
    expect(await publicIdOf(db.pool, contact.id)).toBe(contact.ref); // stable once given
    const shown = await cli('contact', 'show', '--reason', 'test read', contact.ref, '--json');
    expect(shown.out).toMatchObject({ id: contact.id, publicId: contact.ref });
    for (const ref of [String(contact.id), `ct_${'0'.repeat(32)}`, 'ct_zz', '%27%20OR%201%3D1']) {
      const r = await numberChange(ref, { phone: '+12015550143' }, writer);
      expect(r.status, ref).toBe(404);
      expect(await r.json()).toMatchObject({ reason: 'unknown_contact' });
    }
    expect(await db.pool.query('SELECT count(*)::int AS n FROM recovery_cases').then((q) => q.rows[0].n)).toBe(0);
  });

  it('refuses a body over 1 KB with 413 and one that is not JSON with 415, each with a reason', async () => {
    const big = await numberChange(contact.ref, { phone: '+12015550143', padding: 'x'.repeat(2_000) }, writer);
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: 'the body is larger than 1024 bytes', reason: 'body_too_large' });
    const text = await fetch(`${base}/v1/contacts/${contact.ref}/number-change`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'text/plain' }, body: '+12015550143' });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ reason: 'unsupported_media_type' });
    const malformed = await numberChange(contact.ref, '{"phone": ', writer);
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ reason: 'malformed_json', error: expect.stringMatching(/not valid JSON/) });
  });
});

describe('rate shared by every server process', () => {
  let second: FastifyInstance;
  let secondBase: string;
  beforeAll(async () => {
    second = buildServer({ pool: db.pool, events: {}, recovery: recoveryLink(temporalClient, db.pool, { taskQueue: 'never-used' }) });
    secondBase = await second.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await second?.close();
  });
  const postTo = (at: string, token: string, n: number) =>
    fetch(`${at}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(event(n)) });

  it('two servers on one database allow a token its rate, not twice it', async () => {
    const token = (await cli('token', 'create', '--scope', 'events:write', '--name', 'two-servers', '--rate', '4/min', '--json')).out.secret;
    const statuses = [];
    for (const [i, at] of [base, secondBase, base, secondBase, secondBase, base].entries()) statuses.push((await postTo(at, token, 100 + i)).status);
    // With a count per process, each server would have let all three of its requests through.
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const row = (await db.pool.query(`SELECT w.count FROM api_rate_windows w JOIN api_tokens t ON w.key = 'token:' || t.id WHERE t.name = 'two-servers'`)).rows[0];
    expect(row.count).toBe(6);
  });

  it('a new window starts once the last one ended, and counts from one again', async () => {
    const token = (await cli('token', 'create', '--scope', 'events:write', '--name', 'per-minute', '--rate', '1/min', '--json')).out.secret;
    expect((await postTo(base, token, 200)).status).toBe(200);
    const over = await postTo(secondBase, token, 201);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // The window ended (moved back on the database's clock, which the count reads).
    const key = `SELECT 'token:' || id FROM api_tokens WHERE name = 'per-minute'`;
    await db.pool.query(`UPDATE api_rate_windows SET started_at = started_at - interval '61 seconds' WHERE key = (${key})`);
    expect((await postTo(secondBase, token, 202)).status).toBe(200);
    expect((await db.pool.query(`SELECT count FROM api_rate_windows WHERE key = (${key})`)).rows[0].count).toBe(1);
    expect((await postTo(base, token, 203)).status).toBe(429);
  });
});
