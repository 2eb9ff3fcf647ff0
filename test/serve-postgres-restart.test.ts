import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createTwilioSender } from '../channels/twilio';
import type { SmsSender } from '../channels/sms';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { reserveSends } from '../db/ledger';
import { CAP_RULE } from '../core/frequency';
import { migrate } from '../db/migrate';
import { createPool, type Pool } from '../db/pool';
import { startEmbeddedPostgres, type RunningPostgres } from '../infra/embedded-postgres';
import { freePort } from '../infra/net';
import { startTwilioSandbox, type TwilioSandbox } from '../sandbox/twilio-server';
import { seedContacts } from './helpers/contacts';
import { startServeProcess, type ServeProcess } from './helpers/serve-process';
import { signedTwilioPost } from './helpers/signed-webhook';

// `reachloop serve` (a child process, as an operator runs it) against a PostgreSQL of its own that
// is stopped (fast shutdown: connections in use are terminated, 57P01) and started again while
// the local Twilio-shaped server keeps POSTing status callbacks. Nothing may be lost: callbacks
// the server cannot store are answered 5xx with no database text, the sandbox tries them again
// (as Twilio does), and once PostgreSQL is back every one is applied; the server never exits.

const AUTH_TOKEN = randomBytes(16).toString('hex');
const FROM = '+15005550006';
const GENERIC_500 = 'internal error: the request was not applied; retry later';

let scratch: string;
let pg: RunningPostgres;
let pool: Pool;
let sandbox: TwilioSandbox;
let sender: SmsSender;
let serve: ServeProcess;
let baseUrl: string;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'reachloop-pg-restart-'));
  chmodSync(scratch, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  pg = await startEmbeddedPostgres({ dataDir: path.join(scratch, 'postgres', 'data'), preferredPort: await freePort(), database: 'reachloop' });
  pool = createPool(pg.url, 4);
  await migrate(pool);
  // Enough tries to outlast the outage on a loaded machine (about 24 s).
  sandbox = await startTwilioSandbox({ authToken: AUTH_TOKEN, defaultFrom: FROM, callbackRetry: { attempts: 10, initialDelayMs: 250, maxDelayMs: 4_000 } });
  sender = createTwilioSender({ accountSid: sandbox.accountSid, authToken: AUTH_TOKEN, from: FROM, apiBase: sandbox.url, timeoutMs: 5_000 });
  serve = await startServeProcess({
    REACHLOOP_STATE_DIR: path.join(scratch, 'state'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    DATABASE_URL: pg.url,
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: sandbox.accountSid,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_FROM: FROM,
    TWILIO_API_BASE: sandbox.url,
    LOOKUP_PROVIDER: 'none',
    REACHLOOP_SIGNING_SECRET: randomBytes(24).toString('base64url'),
    LOG_LEVEL: 'info',
  });
  baseUrl = serve.url;
});

afterAll(async () => {
  await serve?.stop();
  await sandbox?.stop();
  await pool?.end();
  await pg?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Ledger rows of one transactional campaign to these numbers, reserved as the campaign activity does. */
async function ledgerRows(phones: string[]): Promise<Array<{ phone: string; ledgerId: string }>> {
  const contactIds = await seedContacts(pool, phones.map((phone) => ({ phone })));
  const campaignId = await insertCampaign(
    pool,
    parseCampaign({ name: 'outage', category: 'transactional', audience: { contactIds }, channels: { A: 'sms' }, templates: { sms: { en: 'Your code is 1234' } } }),
  );
  const r = await reserveSends(pool, { campaignId, step: 'sms', category: 'transactional', at: new Date(), capRule: CAP_RULE }, contactIds.map((contactId) => ({ contactId, channel: 'sms', caps: [] })));
  return phones.map((phone, i) => ({ phone, ledgerId: r.rows.get(contactIds[i]!)!.id }));
}

const numbers = (from: number, n: number) => Array.from({ length: n }, (_, i) => `+1212555${String(from + i).padStart(4, '0')}`);
const send = (row: { phone: string; ledgerId: string }) => sender.send({ to: row.phone, body: 'Your code is 1234', statusCallbackUrl: `${baseUrl}/webhooks/twilio/status`, ledgerId: row.ledgerId });

describe('reachloop serve across a PostgreSQL restart', () => {
  it('answers 5xx (no database text) while PostgreSQL is down, applies every callback once it is back, and never exits', async () => {
    const before = await ledgerRows(numbers(1000, 10));
    const during = await ledgerRows(numbers(2000, 30));
    const optOut = numbers(3000, 1)[0]!;
    const [optOutContact] = await seedContacts(pool, [{ phone: optOut }]);
    for (const r of before) await send(r);
    await sandbox.idle();
    const stateOf = async (rows: Array<{ ledgerId: string }>) =>
      (await pool.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM send_ledger WHERE id = ANY($1::bigint[]) GROUP BY state', [rows.map((r) => r.ledgerId)])).rows;
    expect(await stateOf(before)).toEqual([{ state: 'delivered', n: 10 }]);

    // Sends keep going while PostgreSQL stops: callbacks are in flight when it terminates the
    // server's connections, and the rest arrive while it is down.
    const load = (async () => {
      for (const r of during) {
        await send(r);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await pg.stop();
    await load;
    const statusCallbacks = () => sandbox.messages().filter((m) => during.some((r) => r.phone === m.to)).flatMap((m) => m.callbacks);
    await expect.poll(() => statusCallbacks().filter((c) => c.tries.some((t) => (t.httpStatus ?? 0) >= 500)).length, { timeout: 20_000 }).toBeGreaterThan(10);

    // What a webhook sender sees meanwhile: a 5xx it will retry, without PostgreSQL's words.
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const refused = await signedTwilioPost(`${baseUrl}/webhooks/twilio/status`, AUTH_TOKEN, { AccountSid: sandbox.accountSid, MessageSid: sid, MessageStatus: 'delivered', SmsSid: sid, SmsStatus: 'delivered', To: during[0]!.phone, From: FROM });
    expect(refused.status).toBe(500);
    expect(await refused.json()).toEqual({ error: GENERIC_500 });
    const inboundSid = `SM${randomBytes(16).toString('hex')}`;
    const stopParams = { AccountSid: sandbox.accountSid, Body: 'STOP', From: optOut, MessageSid: inboundSid, SmsMessageSid: inboundSid, SmsSid: inboundSid, SmsStatus: 'received', To: FROM };
    const stop = () => signedTwilioPost(`${baseUrl}/webhooks/twilio/inbound`, AUTH_TOKEN, stopParams);
    const inboundRefused = await stop();
    expect(inboundRefused.status).toBeGreaterThanOrEqual(500);
    expect(await inboundRefused.text()).not.toMatch(/ECONNREFUSED|terminating|connect|postgres|57P01/i);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(503);

    const restarted = await startEmbeddedPostgres({ dataDir: pg.dataDir, preferredPort: pg.port, database: 'reachloop' });
    pg = restarted;
    expect(restarted.port).toBe(Number(new URL(pool.options.connectionString!).port));
    await sandbox.idle();

    expect(serve.child.exitCode).toBe(null);
    expect(serve.output()).not.toMatch(/Unhandled|uncaught/i);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    // Every callback was taken in the end, several of them only after a 5xx or a refused connection.
    const callbacks = statusCallbacks();
    expect(callbacks).toHaveLength(during.length * 3);
    expect(callbacks.filter((c) => c.httpStatus !== 200)).toEqual([]);
    expect(callbacks.filter((c) => c.tries.length > 1).length).toBeGreaterThan(10);
    // ... and applied: every row delivered, by its ledger id (the API responses were never recorded).
    expect(await stateOf(during)).toEqual([{ state: 'delivered', n: during.length }]);
    const sids = (await pool.query<{ provider_id: string }>('SELECT provider_id FROM send_ledger WHERE id = ANY($1::bigint[])', [during.map((r) => r.ledgerId)])).rows.map((r) => r.provider_id).sort();
    expect(sids).toEqual(sandbox.messages().filter((m) => during.some((r) => r.phone === m.to)).map((m) => m.sid).sort());

    // The STOP refused during the outage, sent again as Twilio would: recorded now.
    expect((await stop()).status).toBe(200);
    expect((await pool.query('SELECT kind FROM suppressions WHERE contact_id = $1', [optOutContact])).rows).toEqual([{ kind: 'opt_out' }]);
  });
});
