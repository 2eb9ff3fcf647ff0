/**
 * Ledger sweep benchmark (issue 19: rows stuck in 'sent' reconciled from the provider).
 * A fresh embedded PostgreSQL; `messages` SMS sent through the twilio library to the local
 * Twilio-shaped server with no status callback, so their ledger rows stay 'sent' (9 in 10 end
 * delivered at the provider, 1 in 10 undelivered 30003); `background` delivered rows around them,
 * as an older ledger holds. The sweep activity (activities/ledger-sweep.ts, in a mock activity
 * context: no Temporal) pages through them with `concurrency` provider requests in flight:
 * messages/s, and its ratio to the floor measured in the same run: the same messages fetched
 * with the same twilio library and concurrency, no database. Then a second sweep (nothing left
 * to do) and an empty sweep's time over the whole ledger.
 * Run: npx tsx bench/ledger-sweep.ts [messages, default 10000] [background rows, default 500000] [concurrency, default 16] [page size, default 500]
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createLedgerSweepActivities } from '../activities/ledger-sweep';
import { mapConcurrent } from '../services/pacing';
import { createTwilioSender } from '../channels/twilio';
import { CURRENT_SCORE_POLICY } from '../core/score-policy';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { startEmbeddedPostgres } from '../infra/embedded-postgres';
import { startTwilioSandbox } from '../sandbox/twilio-server';
import type { LedgerSweepCursor, LedgerSweepTotals } from '../workflows/messages/ledger-sweep';
import type { LedgerSweepPage } from '../activities/ledger-sweep';
import { record } from './record';
import { seedUsContacts } from './us-contacts';

const messages = Number(process.argv[2] ?? 10_000);
const background = Number(process.argv[3] ?? 500_000);
const concurrency = Number(process.argv[4] ?? 16);
const pageSize = Number(process.argv[5] ?? 500);
const token = randomBytes(16).toString('hex');
const FROM = '+15005550006';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'reachloop-bench-sweep-'));
chmodSync(scratch, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg') });
const pool = createPool(pg.url, 8);
await migrate(pool);
const lost = ['queued', 'sent', 'delivered', 'undelivered', 'failed'] as const;
const sandbox = await startTwilioSandbox({
  authToken: token,
  defaultFrom: FROM,
  // Every status callback lost: the rows stay 'sent' (1 in 10 numbers ends undelivered 30003).
  rules: [{ toEndsWith: '3', errorCode: 30003, dropCallbacks: [...lost] }, { dropCallbacks: [...lost] }],
  defaultDelaysMs: { queued: 0, sent: 0, final: 0 },
});
const sms = createTwilioSender({ accountSid: sandbox.accountSid, authToken: token, from: FROM, apiBase: sandbox.url });

const phone = (i: number) => `+1212${String(5_000_000 + i).padStart(7, '0')}`;
console.error(`sending ${messages} messages to the sandbox (no status callback) ...`);
const sids: string[] = new Array(messages);
await mapConcurrent(
  Array.from({ length: messages }, (_, i) => i),
  32,
  async (i) => {
    const r = await sms.send({ to: phone(i + 1), body: 'Hi, 20% off this week.', statusCallbackUrl: 'http://127.0.0.1:9/none', ledgerId: String(i + 1) });
    if (!r.ok) throw new Error(`send refused: ${r.message}`);
    sids[i] = r.providerId;
  },
);
await sandbox.idle();

console.error(`seeding ${messages + background} contacts and ledger rows (${messages} in 'sent', two hours quiet) ...`);
await seedUsContacts(pool, messages + background);
// Stuck rows spread through the ledger: every k-th row of the id range.
await pool.query(
  `INSERT INTO send_ledger (contact_id, step, channel, category, state, reserved_at, attempt_started_at, sent_at, provider_id, provider_status, provider_status_at)
   SELECT c.id, 'bench', 'sms', 'marketing',
          CASE WHEN c.id <= $1 THEN 'sent' ELSE 'delivered' END,
          now() - interval '3 hours', now() - interval '3 hours', now() - interval '2 hours',
          CASE WHEN c.id <= $1 THEN ($2::text[])[c.id] ELSE 'SM' || md5(c.id::text) END,
          CASE WHEN c.id <= $1 THEN 'sent' ELSE 'delivered' END, now() - interval '2 hours'
   FROM contacts c ORDER BY (c.id % 50), c.id`,
  [messages, sids],
);
await pool.query('VACUUM ANALYZE send_ledger');

// The floor: the same messages fetched through the same library and concurrency, nothing else.
console.error('floor: fetching every message through the twilio library ...');
const f0 = performance.now();
await mapConcurrent(sids, concurrency, async (sid) => {
  if (!(await sms.fetchMessage(sid))) throw new Error(`sandbox lost ${sid}`);
});
const floorMs = performance.now() - f0;

const sweep = createLedgerSweepActivities({ pool, sms, policy: CURRENT_SCORE_POLICY, now: () => new Date(), log: () => {} });
const env = new MockActivityEnvironment();
async function sweepAll(): Promise<LedgerSweepTotals & { ms: number }> {
  const totals: LedgerSweepTotals = { checked: 0, changed: 0, byTransition: {}, stillPending: 0, duplicatesChecked: 0, missingAtProvider: 0, errors: 0, pages: 0 };
  const t0 = performance.now();
  for (let cursor: LedgerSweepCursor = { phase: 'rows', after: '0' }; cursor; ) {
    const page: LedgerSweepPage = await env.run(sweep.sweepLedgerPage, { cursor, limit: pageSize, olderThanMs: 3_600_000, concurrency, dryRun: false });
    for (const k of ['checked', 'changed', 'stillPending', 'duplicatesChecked', 'missingAtProvider', 'errors', 'pages'] as const) totals[k] += page[k];
    for (const [k, n] of Object.entries(page.byTransition)) totals.byTransition[k] = (totals.byTransition[k] ?? 0) + n;
    cursor = page.next;
  }
  return { ...totals, ms: performance.now() - t0 };
}
console.error(`sweeping (${concurrency} requests in flight, pages of ${pageSize}) ...`);
const first = await sweepAll();
const second = await sweepAll();
const { rows: states } = await pool.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM send_ledger GROUP BY state ORDER BY state`);

await sandbox.stop();
await pool.end();
await pg.stop();
rmSync(scratch, { recursive: true, force: true });

const perSecond = (n: number, ms: number) => Math.round(n / (ms / 1000));
record('ledger-sweep', {
  messages,
  ledgerRows: messages + background,
  concurrency,
  pageSize,
  floor: { what: 'client.messages(sid).fetch() through the twilio library, same concurrency, no database', seconds: Number((floorMs / 1000).toFixed(2)), perSecond: perSecond(messages, floorMs) },
  sweep: {
    seconds: Number((first.ms / 1000).toFixed(2)),
    perSecond: perSecond(first.checked, first.ms),
    ratioToFloor: Number((perSecond(first.checked, first.ms) / perSecond(messages, floorMs)).toFixed(2)),
    checked: first.checked,
    changed: first.changed,
    byTransition: first.byTransition,
    errors: first.errors,
    pages: first.pages,
  },
  secondSweep: { seconds: Number((second.ms / 1000).toFixed(2)), checked: second.checked, changed: second.changed },
  ledgerStates: Object.fromEntries(states.map((r) => [r.state, r.n])),
});
