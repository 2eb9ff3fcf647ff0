import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { createSandboxLookup } from '../channels/sandbox-lookup';
import type { NumberStatus } from '../core/number-status';
import { phoneHash } from '../db/contacts';
import { publicIdOf } from '../db/public-ids';
import { buildServer } from '../server';
import { eventImportWorkflowId } from '../workflows/ids';
import { isolatedDatabase, runCli, startTestWorker, temporalClient, type TestDatabase, type TestWorker } from './helpers/harness';

// Behaviour events end to end: the HTTP API and `reachloop events import` (real Temporal, real
// PostgreSQL, the CLI as a child process) update activity and order facts, re-score and re-tier.
// The clock of the events API and the worker: a little after the real time at which the CLI
// imports the audience, so that the tier history reads import first, then the events.
const NOW = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 10 * 60_000);
const ago = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const TOKEN = 'test-token-0123456789abcdef';

const ANN = '+8613800138001';
const BEN = '+8613800138002';
const CAT = '+14155550123';
const NEW = '+447911123456'; // not a contact until the last test imports it

let db: TestDatabase;
let worker: TestWorker;
let client: Client;
let app: FastifyInstance;
let base: string;
let env: Record<string, string>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-events-'));

beforeAll(async () => {
  db = await isolatedDatabase();
  const lookup = createSandboxLookup(new Map<string, NumberStatus>([ANN, BEN, CAT, NEW].map((n) => [n, 'active'])));
  worker = await startTestWorker(defaultActivityDeps(db.pool, { lookup, now: () => NOW }));
  client = await temporalClient();
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
  app = buildServer({ pool: db.pool, events: { apiToken: TOKEN, now: () => NOW } });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  writeFileSync(path.join(dir, 'people.csv'), ['phone,name,opt_in_at', `${ANN},Ann,2026-01-01`, `${BEN},Ben,2026-01-01`, `${CAT},Cat,2026-01-01`].join('\n'));
  const res = await runCli(['audience', 'import', path.join(dir, 'people.csv'), '--json'], env);
  if (res.code !== 0) throw new Error(res.stderr);
});
afterAll(async () => {
  await app?.close();
  await worker?.stop();
  await client?.connection.close();
  await db?.drop();
});

const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
  fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (r: Response): Promise<any> => r.json();
const contact = async (e164: string) => (await db.pool.query('SELECT * FROM contacts WHERE phone_hash = $1', [phoneHash(e164)])).rows[0];
/** The contact's API reference, as `contact show` gives it. */
const refOf = async (e164: string) => (await publicIdOf(db.pool, Number((await contact(e164)).id)))!;
const REF = /^ct_[0-9a-f]{32}$/;
const history = async (id: string) => (await db.pool.query('SELECT from_tier, to_tier, cause FROM tier_history WHERE contact_id = $1 ORDER BY id', [id])).rows;

describe('POST /v1/events: auth and malformed bodies', () => {
  it('answers 401 without the bearer token, with a wrong one, and when the server has none configured', async () => {
    const none = await post({ event_id: 'x' }, {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await json(none)).error).toMatch(/missing bearer token/);
    expect((await post({ event_id: 'x' }, { authorization: 'Bearer nope-nope-nope-nope' })).status).toBe(401);
    expect((await post({ event_id: 'x' }, { authorization: TOKEN })).status).toBe(401); // no "Bearer" scheme
    // A server without REACHLOOP_API_TOKEN knows only the tokens of `reachloop token create`.
    const closed = buildServer({ pool: db.pool });
    const r = await closed.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${TOKEN}` }, payload: {} });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ error: 'invalid bearer token', reason: 'invalid_token' });
    await closed.close();
    expect((await fetch(`${base}/healthz`)).status).toBe(200); // health stays open
    expect(await db.pool.query('SELECT count(*)::int AS n FROM events').then((q) => q.rows[0].n)).toBe(0);
  });

  it.each([
    ['not JSON', '{"events": [', 400, /not valid JSON/],
    ['an array', [{ event_id: 'a' }], 400, /one event object or \{"events": \[\.\.\.\]\}/],
    ['a string', '"hello"', 400, /one event object/],
    ['events not an array', { events: { event_id: 'a' } }, 400, /"events" must be an array/],
    ['no events', { events: [] }, 400, /"events" is empty/],
    ['too many events', { events: Array.from({ length: 1001 }, (_, i) => ({ event_id: `m${i}` })) }, 413, /at most 1000 events/],
  ])('answers %s with %i and a clear error', async (_what, body, status, message) => {
    const res = await post(body);
    expect(res.status).toBe(status);
    expect((await json(res)).error).toMatch(message);
  });

  it('answers 415 for a body that is not JSON by content type', async () => {
    const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, body: 'x' });
    expect(res.status).toBe(415);
  });
});

describe('POST /v1/events: ingestion', () => {
  it('a single event is stored, deduplicated on resend, and recorded on the contact', async () => {
    const event = { event_id: 'api-login-1', event: 'sign_in', phone: '+86 138 0013 8001', occurred_at: ago(1), properties: { method: 'sms' } };
    expect((await contact(ANN)).public_id).toBeNull(); // no reference before the API names the contact
    const first = await post(event);
    expect(first.status).toBe(200);
    const ann = await contact(ANN);
    // The answer names the contact by its reference, given on first use and kept.
    expect(ann.public_id).toMatch(REF);
    expect(await json(first)).toMatchObject({ received: 1, stored: 1, duplicates: 0, rejected: 0, results: [{ index: 0, event_id: 'api-login-1', status: 'stored', tag: 'login', raw_tag: 'sign_in', contact_id: ann.public_id }] });
    expect(ann.activity).toMatchObject({ lastLoginAt: ago(1), lastEventAt: ago(1), recentCounts: { login: 1 } });
    const again = await post(event);
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ stored: 0, duplicates: 1, results: [{ status: 'duplicate', contact_id: ann.public_id }] });
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE event_id = 'api-login-1'`)).rows[0].n).toBe(1);
  });

  it('a mixed batch: per-event results (207), unknown tags kept raw, unknown numbers stored unmatched, the contact re-tiered with its cause', async () => {
    const before = await contact(ANN);
    expect(before.tier).toBe('C'); // reachable, no activity, no orders
    const batch = {
      events: [
        { event_id: 'b-1', event: 'order_paid', phone: ANN, occurred_at: ago(40), properties: { order_id: 'o1', product_id: 'p1', price: 300 } },
        { event_id: 'b-2', event: 'order_paid', phone: ANN, occurred_at: ago(20), properties: { order_id: 'o2', product_id: 'p2', price: '125', quantity: 2 } },
        { event_id: 'b-3', event: 'sms_reply', phone: ANN, occurred_at: ago(2), properties: { keyword: 'Y' } },
        { event_id: 'b-4', event: 'sms_reply', phone: ANN, occurred_at: ago(3) },
        { event_id: 'b-5', event: 'wishlist_add', phone: BEN, occurred_at: ago(1), properties: { sku: 'W-1' } },
        { event_id: 'b-6', event: 'order_paid', phone: NEW, occurred_at: ago(1), properties: { order_id: 'n1', product_id: 'p', price: 100 } },
        { event_id: 'b-7', event: 'login', phone: 'not a phone', occurred_at: ago(1) },
        { event_id: 'b-8', event: 'order_paid', phone: BEN, occurred_at: ago(1), properties: { price: 10 } },
        { event_id: 'b-9', event: 'login', contact_id: 'ct_00000000000000000000000000000000', occurred_at: ago(1) },
        { event_id: 'b-1', event: 'order_paid', phone: ANN, occurred_at: ago(40), properties: { order_id: 'o1', product_id: 'p1', price: 300 } },
      ],
    };
    const res = await post(batch);
    expect(res.status).toBe(207);
    const body = await json(res);
    expect(body).toMatchObject({ received: 10, stored: 7, duplicates: 1, rejected: 2, unknown_tags: { wishlist_add: 1 }, unmatched: 1, warnings: 2 });
    const byIndex = body.results.map((r: { status: string; error?: { reason: string } }) => r.error?.reason ?? r.status);
    expect(byIndex).toEqual(['stored', 'stored', 'stored', 'stored', 'stored', 'stored', 'invalid_phone', 'stored', 'unknown_contact_id', 'duplicate']);
    expect(body.results[4]).toMatchObject({ tag: null, raw_tag: 'wishlist_add', unknown_tag: true });
    expect(body.results[5]).toMatchObject({ contact_id: null, unmatched: true });
    // An order without its order_id and product_id is still an order: stored, with what was missing.
    expect(body.results[7]).toMatchObject({ status: 'stored', tag: 'purchase', contact_id: await refOf(BEN) });
    expect(body.results[7].warnings.map((w: { field: string; reason: string }) => `${w.field}:${w.reason}`)).toEqual(['properties.product_id:missing_property', 'properties.order_id:missing_property']);
    expect((await contact(BEN)).activity).toMatchObject({ orderCount: 1, averageOrderValue: 10 });
    expect(JSON.stringify(body)).not.toContain('13800138001'); // no phone number in the answer
    expect(JSON.stringify(body)).not.toMatch(/"contact_id":\d/); // nor a sequential id

    const ann = await contact(ANN);
    expect(ann.activity).toMatchObject({ orderCount: 2, averageOrderValue: 275, repurchaseIntervalDays: 20, smsReplies: 2, lastLoginAt: ago(1) });
    expect(ann.order_count).toBe(2);
    expect(ann.last_order_at.toISOString()).toBe(ago(20));
    expect(ann.tier).toBe('A');
    expect((await history(ann.id)).at(-1)).toEqual({ from_tier: 'C', to_tier: 'A', cause: 'event:purchase' });
    const stored = await db.pool.query(`SELECT event_id, tag, raw_tag, contact_id, phone_hash FROM events WHERE event_id IN ('b-5', 'b-6') ORDER BY event_id`);
    expect(stored.rows).toEqual([
      { event_id: 'b-5', tag: null, raw_tag: 'wishlist_add', contact_id: (await contact(BEN)).id, phone_hash: phoneHash(BEN) },
      { event_id: 'b-6', tag: 'purchase', raw_tag: 'order_paid', contact_id: null, phone_hash: phoneHash(NEW) },
    ]);

    // `contact show` explains the tier by the event that moved it.
    const shown = await runCli(['contact', 'show', '--reason', 'test read', ANN, '--json'], env);
    expect(shown.code).toBe(0);
    const p = JSON.parse(shown.stdout);
    expect(p.tier.tier).toBe('A');
    expect(p.tierHistory.map((h: { cause: string }) => h.cause)).toEqual([expect.stringMatching(/^import:\d+$/), 'event:purchase']);
    expect(p.score.parts).toContainEqual(expect.objectContaining({ input: 'averageOrderValue', value: 275 }));
    const human = await runCli(['contact', 'show', '--reason', 'test read', ANN], env);
    expect(human.stdout).toMatch(/C -> A .*\(event:purchase\)/);
    expect(human.stdout).toMatch(/orders from events: 2, average 275 USD/);
  });

  it('an all-rejected batch answers 422; resending a stored batch changes nothing', async () => {
    const bad = await post({ events: [{ event_id: 'z1' }, { event: 'login' }] });
    expect(bad.status).toBe(422);
    expect((await json(bad)).results.map((r: { error: { reason: string } }) => r.error.reason)).toEqual(['missing_event_name', 'missing_event_id']);
    const ann = await contact(ANN);
    const rows = (await db.pool.query('SELECT count(*)::int AS n FROM tier_history')).rows[0].n;
    const again = await post({ events: [{ event_id: 'b-3', event: 'sms_reply', phone: ANN, occurred_at: ago(2) }] });
    expect(again.status).toBe(200);
    expect((await json(again)).duplicates).toBe(1);
    expect((await contact(ANN)).activity).toEqual(ann.activity);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM tier_history')).rows[0].n).toBe(rows);
  });

  it('NUL bytes in an event (id, name, property keys and values, phone) are removed, never a 500 or a database error', async () => {
    const r = await post('{"event_id": "nul-1\\u0000", "event": "sign_in\\u0000", "phone": "' + BEN + '\\u0000", "occurred_at": "' + ago(1) + '", "properties": {"me\\u0000thod": "sms\\u0000"}}');
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ stored: 1, results: [{ event_id: 'nul-1', status: 'stored', tag: 'login' }] });
    const { rows } = await db.pool.query(`SELECT properties FROM events WHERE event_id = 'nul-1'`);
    expect(rows[0].properties).toEqual({ method: 'sms' });
  });

  it('an e-mail or phone number in the properties is stored masked, with a warning per property that names it', async () => {
    const props = { text: 'Call me on +44 7700 900124 or mail zed.private@example.net', rating: 4, sku: 'SKU-4711' };
    const r = await post({ event_id: 'pii-1', event: 'feedback_submit', phone: BEN, occurred_at: ago(1), properties: props });
    expect(r.status).toBe(200);
    const body = await json(r);
    expect(body).toMatchObject({ stored: 1, warnings: 1, results: [{ event_id: 'pii-1', status: 'stored' }] });
    expect(body.results[0].warnings).toEqual([expect.objectContaining({ field: 'properties.text', reason: 'personal_data_masked' })]);
    expect(JSON.stringify(body)).not.toMatch(/zed\.private|7700 900124/);
    const { rows } = await db.pool.query(`SELECT properties FROM events WHERE event_id = 'pii-1'`);
    expect(rows[0].properties).toEqual({ text: 'Call me on +4477****0124 or mail z***@example.net', rating: 4, sku: 'SKU-4711' });
  });

  it('concurrent batches over the same contacts neither deadlock nor lose an event', async () => {
    const people = [BEN, CAT];
    const batches = Array.from({ length: 6 }, (_, b) => ({
      events: (b % 2 ? [...people].reverse() : people).flatMap((phone, i) =>
        Array.from({ length: 5 }, (_, k) => ({ event_id: `c-${b}-${i}-${k}`, event: 'link_click', phone, occurred_at: ago(1 + k), properties: { url: 'https://x.test' } })),
      ),
    }));
    const answers = await Promise.all(batches.map((batch) => post(batch)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    for (const phone of people) expect((await contact(phone)).activity.clicks).toBe(30);
  });
});

describe('POST /v1/events: contacts named by their reference, never the sequential id', () => {
  it('an event naming a contact by reference is stored against that contact, and the answer carries the reference', async () => {
    const ref = await refOf(CAT);
    const res = await post({ event_id: 'ref-1', event: 'view_page', contact_id: ref, occurred_at: ago(6), properties: { url: '/coats' } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ stored: 1, rejected: 0, unmatched: 0, results: [{ index: 0, event_id: 'ref-1', status: 'stored', tag: 'view_page', contact_id: ref }] });
    const cat = await contact(CAT);
    expect((await db.pool.query(`SELECT contact_id FROM events WHERE event_id = 'ref-1'`)).rows[0].contact_id).toBe(cat.id);
    expect(cat.activity.recentCounts.view_page).toBe(1);
  });

  it.each([
    ['a number', (id: number) => id],
    ['a digit string', (id: number) => String(id)],
  ])('a sequential id as %s is rejected with how contacts are named, and nothing is stored', async (_what, as) => {
    const cat = await contact(CAT);
    const res = await post({ event_id: `seq-${typeof as(1)}`, event: 'login', contact_id: as(Number(cat.id)), occurred_at: ago(1) });
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.results).toEqual([
      { index: 0, event_id: `seq-${typeof as(1)}`, status: 'rejected', error: { reason: 'sequential_contact_id', message: expect.stringMatching(/takes the contact's reference \(ct_.*as `reachloop contact show` prints it and every API answer gives it\), not its sequential id/) } },
    ]);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE event_id LIKE 'seq-%'`)).rows[0].n).toBe(0);
    expect((await contact(CAT)).activity).toEqual(cat.activity);
  });

  it('a made-up reference and a malformed one get the same answer as each other (no telling "malformed" from "no such customer")', async () => {
    const answers = [];
    for (const made of ['ct_' + 'f'.repeat(32), 'ct_42', 'CT_' + 'F'.repeat(32), 'bob', (await refOf(CAT)).slice(0, -1)]) {
      const res = await post({ event_id: 'probe', event: 'login', contact_id: made, occurred_at: ago(1) });
      answers.push({ status: res.status, body: await json(res) });
    }
    expect(answers[0]).toEqual({
      status: 422,
      body: expect.objectContaining({ rejected: 1, results: [{ index: 0, event_id: 'probe', status: 'rejected', error: { reason: 'unknown_contact_id', message: expect.stringMatching(/names no contact/) } }] }),
    });
    for (const a of answers.slice(1)) expect(a).toEqual(answers[0]);
  });

  it('a mixed batch (reference, phone, sequential id, unknown reference, unknown number) answers 207 with a reference for every matched contact', async () => {
    const [ann, ben] = [await refOf(ANN), await refOf(BEN)];
    const res = await post({
      events: [
        { event_id: 'mix-1', event: 'view_page', contact_id: ann, occurred_at: ago(7) },
        { event_id: 'mix-2', event: 'view_page', phone: BEN, occurred_at: ago(7) },
        { event_id: 'mix-3', event: 'view_page', contact_id: Number((await contact(BEN)).id), occurred_at: ago(7) },
        { event_id: 'mix-4', event: 'view_page', contact_id: 'ct_' + '0'.repeat(31) + '1', occurred_at: ago(7) },
        { event_id: 'mix-5', event: 'view_page', phone: '+447911123999', occurred_at: ago(7) },
        { event_id: 'mix-1', event: 'view_page', contact_id: ann, occurred_at: ago(7) },
      ],
    });
    expect(res.status).toBe(207);
    const body = await json(res);
    expect(body).toMatchObject({ received: 6, stored: 3, duplicates: 1, rejected: 2, unmatched: 1 });
    expect(body.results.map((r: { status: string; contact_id?: string | null; error?: { reason: string } }) => r.error?.reason ?? [r.status, r.contact_id])).toEqual([
      ['stored', ann],
      ['stored', ben],
      'sequential_contact_id',
      'unknown_contact_id',
      ['stored', null],
      ['duplicate', ann],
    ]);
    expect(JSON.stringify(body)).not.toMatch(/"contact_id":\d/);
  });
});

describe('reachloop events import', () => {
  const file = path.join(dir, 'events.jsonl');
  const rules = path.join(dir, 'rules.json');
  const lines = [
    JSON.stringify({ event_id: 'f-1', event: 'itemDetail', phone: CAT, occurred_at: ago(2), properties: { itemSku: 'S-9' } }), // 1 mapped by the rules file
    JSON.stringify({ event_id: 'f-2', event: 'paySuccess', phone: CAT, timestamp: Date.parse(ago(5)), properties: { orderNo: 'x1', product_id: 'p', price: 90 } }), // 2
    '{"event_id": "f-3", "event": ', // 3 not JSON
    '', // 4 blank: skipped
    JSON.stringify({ event_id: 'f-4', event: 'spin_the_wheel', phone: CAT, occurred_at: ago(1) }), // 5 unknown tag
    JSON.stringify({ event_id: 'f-5', event: 'login', phone: NEW, occurred_at: ago(3) }), // 6 unmatched number
    JSON.stringify({ event_id: 'f-6', event: 'login', phone: CAT, occurred_at: '2026-11-20 10:00' }), // 7 no offset
    JSON.stringify({ event_id: 'f-1', event: 'itemDetail', phone: CAT, occurred_at: ago(2), properties: { itemSku: 'S-9' } }), // 8 duplicate of line 1
    JSON.stringify({ event_id: 'f-7', event: 'ad_click', phone: '+44 7911 123456', occurred_at: ago(4), properties: { campaign: 'bf' } }), // 9 spaces
    JSON.stringify([1, 2]), // 10 not an object
  ];

  it('imports a JSON Lines file with a rules file: report by outcome, rejects with line numbers, rows kept out of history', async () => {
    writeFileSync(file, `\uFEFF${lines.join('\n')}\n`);
    writeFileSync(rules, JSON.stringify({ tags: { itemDetail: 'product_view', paySuccess: 'purchase' }, properties: { product_view: { sku: 'itemSku' }, purchase: { order_id: 'orderNo' } } }));
    const res = await runCli(['events', 'import', file, '--mapping', rules, '--batch-size', '3', '--json'], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(r).toMatchObject({
      read: 9,
      stored: 5,
      duplicates: 1,
      rejected: 3,
      rejectedByReason: { malformed_line: 1, invalid_time: 1, not_an_object: 1 },
      unknownTags: { spin_the_wheel: 1 },
      unmatched: 2,
      tags: { product_view: 1, purchase: 1, login: 1, ad_click: 1 },
      rejectsFile: `${file}.rejects.csv`,
    });
    const rejects = readFileSync(`${file}.rejects.csv`, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 2).join(','));
    expect(rejects).toEqual(['"3","malformed_line"', '"7","invalid_time"', '"10","not_an_object"']);
    const cat = await contact(CAT);
    expect(cat.activity).toMatchObject({ orderCount: 1, averageOrderValue: 90, recentCounts: { product_view: 1, purchase: 1, link_click: 30 } });
    const stored = (await db.pool.query(`SELECT properties, source FROM events WHERE event_id = 'f-1'`)).rows[0];
    expect(stored).toEqual({ properties: { sku: 'S-9' }, source: 'events.jsonl' });
    const hist = JSON.stringify(await client.workflow.getHandle(eventImportWorkflowId(r.importId)).fetchHistory());
    for (const secret of ['4155550123', '7911123456', 'S-9', 'itemDetail']) expect(hist).not.toContain(secret);
    if (process.env.RECORD_HISTORIES)
      writeFileSync(path.join(__dirname, 'histories', 'events-import.json'), historyToJSON(await client.workflow.getHandle(eventImportWorkflowId(r.importId)).fetchHistory()));
    const status = (await db.pool.query('SELECT status, report FROM event_imports WHERE id = $1', [r.importId])).rows[0];
    expect(status.status).toBe('completed');
    expect(status.report.stored).toBe(5);
    expect((await db.pool.query(`SELECT to_regclass('event_rows_${r.importId}') AS t`)).rows[0].t).toBeNull(); // staging dropped
  });

  it('re-importing the file stores nothing new and changes no contact', async () => {
    const before = (await db.pool.query('SELECT id, activity, score, tier FROM contacts ORDER BY id')).rows;
    const res = await runCli(['events', 'import', file, '--mapping', rules, '--json'], env);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ read: 9, stored: 0, duplicates: 6, rejected: 3, contactsRescored: 0 });
    expect((await db.pool.query('SELECT id, activity, score, tier FROM contacts ORDER BY id')).rows).toEqual(before);
  });

  it('prints a readable report, and refuses bad options with a usage error', async () => {
    const human = await runCli(['events', 'import', file, '--mapping', rules], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/lines read\s+9/);
    expect(human.stdout).toMatch(/unknown tags\s+0/);
    expect(human.stdout).toMatch(/duplicates\s+6/);
    writeFileSync(path.join(dir, 'bad-rules.json'), JSON.stringify({ tags: { x: 'nonsense' } }));
    const bad = await runCli(['events', 'import', file, '--mapping', path.join(dir, 'bad-rules.json')], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/tags\.x: must be one of login/);
    const missing = await runCli(['events', 'import', path.join(dir, 'nope.jsonl')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });

  it('events for a number that was not a contact attach when the number is imported', async () => {
    expect((await db.pool.query('SELECT count(*)::int AS n FROM events WHERE phone_hash = $1 AND contact_id IS NULL', [phoneHash(NEW)])).rows[0].n).toBe(3);
    writeFileSync(path.join(dir, 'new.csv'), `phone,name\n${NEW},Neil\n`);
    const res = await runCli(['audience', 'import', path.join(dir, 'new.csv'), '--json'], env);
    expect(res.code).toBe(0);
    const neil = await contact(NEW);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM events WHERE contact_id = $1', [neil.id])).rows[0].n).toBe(3);
    expect(neil.activity).toMatchObject({ lastLoginAt: ago(3), clicks: 1, orderCount: 1, averageOrderValue: 100, recentCounts: { login: 1, ad_click: 1, purchase: 1 } });
    // The import tiers it on its own (C: no activity, no orders); the attached events lift it to B
    // (score policy v2: one first order is not yet the repeat, high-value group of tier A).
    const h = await history(neil.id);
    expect(h).toEqual([
      { from_tier: null, to_tier: 'C', cause: expect.stringMatching(/^import:\d+$/) },
      { from_tier: 'C', to_tier: 'B', cause: 'event:purchase' },
    ]);
    expect(neil.tier).toBe('B');
  });
});

describe('events keyed by the source\'s customer id, with its own field names', () => {
  const LEE = '+8613800138005'; // a customer whose id the events know before any import does
  const file = path.join(dir, 'tracker.jsonl');

  it('--fields maps ts, props, country_hint and customer_id; --id-source joins by the customer ids an audience import kept', async () => {
    writeFileSync(path.join(dir, 'crm.csv'), ['customer_id,phone', `K-1,${ANN}`, `K-2,${BEN}`].join('\n'));
    const crm = await runCli(['audience', 'import', path.join(dir, 'crm.csv'), '--source', 'crm', '--json'], env);
    expect(crm.code, crm.stderr).toBe(0);
    writeFileSync(
      file,
      [
        JSON.stringify({ event_id: 'k-1', event: 'item_detail_view', customer_id: 'K-1', ts: ago(1), props: { page: 'p-1' } }), // 1 no sku: stored, warned
        JSON.stringify({ event_id: 'k-2', event: 'login', customer_id: 'K-3', country_hint: 'CN', ts: ago(2) }), // 2 nobody has K-3 yet
        JSON.stringify({ event_id: 'k-3', event: 'sms_reply', customer_id: 'K-2', ts: ago(1), props: { keyword: 'Y' } }), // 3 Ben
        JSON.stringify({ event_id: 'k-4', event: 'login', customer_id: 'K-1', ts: 'yesterday' }), // 4 no usable time
      ].join('\n'),
    );
    const fields = JSON.stringify({ ts: 'occurred_at', props: 'properties', country_hint: 'country', customer_id: 'external_id' });
    const annBefore = await contact(ANN);
    const res = await runCli(['events', 'import', file, '--fields', fields, '--id-source', 'crm', '--json'], env);
    expect(res.code, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(r).toMatchObject({ read: 4, stored: 3, rejected: 1, rejectedByReason: { invalid_time: 1 }, unmatched: 1, warnings: 1, warningsByReason: { missing_property: 1 } });
    expect(r.warningsFile).toBe(`${file}.warnings.csv`);
    expect(readFileSync(`${file}.warnings.csv`, 'utf8').trim().split('\n')).toEqual(['line,field,reason,detail', '"1","properties.sku","missing_property","product_view: sku must be a string"']);
    // The product view without its sku counts as activity of Ann's.
    const ann = await contact(ANN);
    expect(ann.activity.recentCounts.product_view).toBe((annBefore.activity.recentCounts?.product_view ?? 0) + 1);
    expect(ann.activity.lastEventAt).toBe(ago(1));
    expect((await db.pool.query(`SELECT contact_id, properties FROM events WHERE event_id = 'k-1'`)).rows[0]).toEqual({ contact_id: ann.id, properties: { page: 'p-1' } });
    expect((await db.pool.query(`SELECT contact_id FROM events WHERE event_id = 'k-3'`)).rows[0].contact_id).toBe((await contact(BEN)).id);
    const human = await runCli(['events', 'import', file, '--fields', fields, '--id-source', 'crm'], env);
    expect(human.stdout).toMatch(/warnings\s+0/); // all duplicates now
  });

  it('an event for a customer id nobody had attaches when an import of that source brings the id', async () => {
    expect((await db.pool.query(`SELECT contact_id, customer_ref, customer_source FROM events WHERE event_id = 'k-2'`)).rows[0]).toEqual({ contact_id: null, customer_ref: 'K-3', customer_source: 'crm' });
    writeFileSync(path.join(dir, 'crm-2.csv'), ['customer_id,phone', `K-3,${LEE}`].join('\n'));
    const res = await runCli(['audience', 'import', path.join(dir, 'crm-2.csv'), '--source', 'crm', '--json'], env);
    expect(res.code, res.stderr).toBe(0);
    const lee = await contact(LEE);
    expect((await db.pool.query(`SELECT contact_id FROM events WHERE event_id = 'k-2'`)).rows[0].contact_id).toBe(lee.id);
    expect(lee.activity).toMatchObject({ lastLoginAt: ago(2) });
  });

  it('the API matches by customer id and answers with the reference; a file may name contacts by reference or by sequential id', async () => {
    expect((await contact(LEE)).public_id).toBeNull();
    const res = await post({ event_id: 'api-k-3', event: 'login', external_id: 'K-3', id_source: 'crm', occurred_at: ago(1) });
    expect(res.status).toBe(200);
    const lee = await contact(LEE);
    expect(lee.public_id).toMatch(REF);
    expect(await json(res)).toMatchObject({ stored: 1, results: [{ status: 'stored', tag: 'login', contact_id: lee.public_id }] });
    expect((await db.pool.query(`SELECT contact_id FROM events WHERE event_id = 'api-k-3'`)).rows[0].contact_id).toBe(lee.id);

    const refs = path.join(dir, 'by-ref.jsonl');
    writeFileSync(
      refs,
      [
        JSON.stringify({ event_id: 'r-1', event: 'view_page', contact_id: lee.public_id, occurred_at: ago(1) }), // 1 by reference
        JSON.stringify({ event_id: 'r-2', event: 'view_page', contact_id: Number(lee.id), occurred_at: ago(1) }), // 2 by sequential id (the operator's file)
        JSON.stringify({ event_id: 'r-3', event: 'view_page', contact_id: 'ct_' + '4'.repeat(32), occurred_at: ago(1) }), // 3 nobody's reference
      ].join('\n'),
    );
    const imported = await runCli(['events', 'import', refs, '--json'], env);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ read: 3, stored: 2, rejected: 1, rejectedByReason: { unknown_contact_id: 1 } });
    expect((await db.pool.query(`SELECT event_id, contact_id FROM events WHERE event_id IN ('r-1', 'r-2') ORDER BY event_id`)).rows).toEqual([
      { event_id: 'r-1', contact_id: lee.id },
      { event_id: 'r-2', contact_id: lee.id },
    ]);
  });

  it('a field mapping naming no event field is refused with the field named', async () => {
    const bad = await runCli(['events', 'import', file, '--fields', '{"ts": "when"}'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"ts": "when" names no event field; fields are: event_id/);
  });
});
