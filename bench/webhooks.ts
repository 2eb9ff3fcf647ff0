/**
 * Webhook benchmark (issue 6: >= 5,000 status callbacks/s validated and ingested on this machine;
 * an inbound STOP visible to the next send decision within 1 s, p99).
 * A fresh embedded PostgreSQL with `messages` sent SMS in the ledger; the real HTTP server
 * (buildServer); each message gets signed callbacks sent -> delivered (one in ten undelivered
 * 30003), POSTed over keep-alive HTTP with `concurrency` requests in flight. Every callback is
 * verified (X-Twilio-Signature), replay-checked and applied (ledger, contact re-score) before
 * its 200. Meanwhile STOP replies arrive for other contacts; each one's latency is measured from
 * sending the request to the moment the send decision's own read (loadRecipients + snapshotOf)
 * sees the opt-out.
 * The load comes from a child process (bench/webhooks-client.ts); client, server and PostgreSQL
 * share this machine's cores.
 * Run: npx tsx bench/webhooks.ts [messages, default 20000] [concurrency, default 512] [stops, default 300]
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import twilio from 'twilio';
import { snapshotOf } from '../services/messages';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { loadRecipients } from '../db/recipients';
import { dataCodec } from '../infra/data-keys';
import { seedUsContacts, usPhone } from './us-contacts';
import { startEmbeddedPostgres } from '../infra/embedded-postgres';
import { freePort } from '../infra/net';
import { buildServer } from '../server';
import { record } from './record';
import { postSigned, type SignedRequest } from './signed-post';
import { mapConcurrent } from '../services/pacing';

const messages = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 512);
const stops = Number(process.argv[4] ?? 300);
const token = randomBytes(16).toString('hex');
const accountSid = `AC${randomBytes(16).toString('hex')}`;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'reachloop-bench-webhooks-'));
chmodSync(scratch, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg') });
const pool = createPool(pg.url, 24);
await migrate(pool);

// Contacts 1..messages+stops (US numbers), one sent SMS each for the first `messages`.
console.error(`seeding ${messages + stops} contacts and ${messages} ledger rows ...`);
await seedUsContacts(pool, messages + stops);
await pool.query(
  `INSERT INTO consents (contact_id, channel, purpose, source, granted_at) SELECT id, 'sms', 'marketing', 'bench', now() FROM contacts`,
);
await pool.query(
  `INSERT INTO send_ledger (contact_id, step, channel, category, state, reserved_at, attempt_started_at, sent_at, provider_id, provider_status)
   SELECT id, 'bench', 'sms', 'marketing', 'sent', now(), now(), now(), 'SM' || md5(id::text), 'queued' FROM contacts ORDER BY id LIMIT $1`,
  [messages],
);
const { rows: ledgerRows } = await pool.query<{ id: string; contact_id: string; provider_id: string; phone_enc: Buffer }>(
  'SELECT l.id, l.contact_id, l.provider_id, c.phone_enc FROM send_ledger l JOIN contacts c ON c.id = l.contact_id ORDER BY l.id',
);
const ledger = ledgerRows.map((l) => ({ ...l, phone_e164: dataCodec().decrypt(l.phone_enc) }));

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const app = buildServer({ pool, twilio: { publicBaseUrl: base, authToken: () => token } });
await app.listen({ host: '127.0.0.1', port });

type Req = SignedRequest;
const sign = (pathAndQuery: string, params: Record<string, string>): Req => {
  const url = `${base}${pathAndQuery}`;
  return { url, body: new URLSearchParams(params).toString(), signature: twilio.getExpectedTwilioSignature(token, url, params) };
};

// Signed before the clock starts: the benchmark measures the server, not the client's HMACs.
console.error('signing callbacks ...');
const wave = (status: (i: number) => string) =>
  ledger.map((l, i) => {
    const s = status(i);
    const params: Record<string, string> = { AccountSid: accountSid, ApiVersion: '2010-04-01', From: '+15005550006', MessageSid: l.provider_id, MessageStatus: s, SmsSid: l.provider_id, SmsStatus: s, To: l.phone_e164 };
    if (s === 'undelivered') params.ErrorCode = '30003';
    return sign(`/webhooks/twilio/status?ledgerId=${l.id}`, params);
  });
const callbacks = [...wave(() => 'sent'), ...wave((i) => (i % 10 === 9 ? 'undelivered' : 'delivered'))];
const stopRequests = Array.from({ length: stops }, (_, k) => {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const from = usPhone(messages + k + 1);
  return { contactId: messages + k + 1, req: sign('/webhooks/twilio/inbound', { AccountSid: accountSid, ApiVersion: '2010-04-01', Body: 'STOP', From: from, MessageSid: sid, NumMedia: '0', SmsMessageSid: sid, SmsSid: sid, SmsStatus: 'received', To: '+15005550006' }) };
});

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency + 8 });
const post = (r: Req) => postSigned(agent, r);

// Warm-up (JIT, connections), not measured.
await mapConcurrent(callbacks.slice(0, 500), concurrency, async (r) => void (await post(r)));
const measured = callbacks.slice(500);

const results: Record<string, number> = {};
const stopLatencies: number[] = [];
let flooding = true;
/** STOPs spread over the flood, each checked with the send decision's own read. */
const stopRun = async () => {
  for (const s of stopRequests.slice(0, Math.ceil(stops / 2))) {
    if (!flooding) break;
    const t0 = performance.now();
    await post(s.req);
    for (;;) {
      const rec = (await loadRecipients(pool, [s.contactId], 'marketing')).get(s.contactId)!;
      if (snapshotOf(rec).optedOut.sms) break;
      if (performance.now() - t0 > 5_000) throw new Error(`STOP for contact ${s.contactId} not visible after 5 s`);
      await new Promise((r) => setTimeout(r, 2));
    }
    stopLatencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 5));
  }
};

console.error(`posting ${measured.length} callbacks, ${concurrency} in flight ...`);
// The flood comes from a process of its own, as it would from Twilio's side.
const client = fork(new URL('./webhooks-client.ts', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
let stopping: Promise<void> = Promise.resolve();
const flood = await new Promise<{ ms: number; results: Record<string, number> }>((resolve, reject) => {
  client.on('message', (m: { started?: boolean; ms?: number; results?: Record<string, number> }) => {
    if (m.started) stopping = stopRun();
    else resolve(m as { ms: number; results: Record<string, number> });
  });
  client.once('exit', (code) => reject(new Error(`load generator exited ${code}`)));
  client.send({ requests: measured, concurrency });
});
const floodMs = flood.ms;
Object.assign(results, flood.results);
flooding = false;
await stopping;
const stopsDuringFlood = stopLatencies.length;

// The second half of the STOPs with the server otherwise idle.
const idleLatencies: number[] = [];
for (const s of stopRequests.slice(Math.ceil(stops / 2))) {
  const t = performance.now();
  await post(s.req);
  const rec = (await loadRecipients(pool, [s.contactId], 'marketing')).get(s.contactId)!;
  if (!snapshotOf(rec).optedOut.sms) throw new Error('STOP not visible right after its 200');
  idleLatencies.push(performance.now() - t);
}

const { rows: check } = await pool.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM send_ledger GROUP BY state ORDER BY state`);
const { rows: dem } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts WHERE number_status = 'switched_off'`);

agent.destroy();
await app.close();
await pool.end();
await pg.stop();
rmSync(scratch, { recursive: true, force: true });

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!.toFixed(1));
};

record('webhooks', {
  messages,
  concurrency,
  statusCallbacks: measured.length,
  seconds: Number((floodMs / 1000).toFixed(2)),
  callbacksPerSecond: Math.round(measured.length / (floodMs / 1000)),
  results,
  ledgerStates: Object.fromEntries(check.map((r) => [r.state, r.n])),
  contactsSuspectAfter30003: dem[0]!.n,
  stopToDecisionMs: {
    duringCallbackFlood: { n: stopsDuringFlood, p50: pct(stopLatencies, 50), p99: pct(stopLatencies, 99), max: pct(stopLatencies, 100) },
    idle: { n: idleLatencies.length, p50: pct(idleLatencies, 50), p99: pct(idleLatencies, 99), max: pct(idleLatencies, 100) },
  },
});
