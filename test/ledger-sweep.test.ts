import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStatusCallbacks } from '../services/status-callbacks';
import { CURRENT_SCORE_POLICY } from '../core/score-policy';
import { createTwilioClient } from '../channels/twilio';
import type { SmsSender } from '../channels/sms';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { recordResults } from '../db/ledger';
import { providerMessageCounts, unknownProviderIds } from '../db/provider-messages';
import type { TwilioSandbox } from '../sandbox/twilio-server';
import { campaignWorkflowId, ledgerSweepScheduleId } from '../workflows/ids';
import type { LedgerSweepInput } from '../workflows/messages/ledger-sweep';
import { seedContacts } from './helpers/contacts';
import { signedTwilioPost } from './helpers/signed-webhook';
import { runCli, type TestDatabase, type TestWorker } from './helpers/harness';
import { startStack, type Stack } from './helpers/stack';

// Outcomes that never arrived and messages the ledger did not expect, end to end: a campaign sends
// through the real `twilio` library to the local Twilio-shaped server, whose signed callbacks reach
// the real HTTP server; some callbacks are dropped by the provider (a sandbox rule), one recipient
// gets a second message under the same ledger row, one message was sent by something else.
// `reachloop ledger sweep` (a child process, through a workflow on the test's worker) fetches what
// the provider knows and applies it as the callbacks would have been applied.

const NOW = new Date('2026-11-25T15:00:00Z'); // 10:00 in New York, a Wednesday
const AUTH_TOKEN = randomBytes(16).toString('hex');
const FROM = '+15005550006';

const OK = '+12125550201'; // delivered, every callback arrives
const LOST_DELIVERED = '+12125550202'; // delivered, its final callback dropped
const LOST_UNDELIVERED = '+12125550203'; // undelivered 30003, its final callback dropped
const TWICE = '+12125550204'; // sent twice under one ledger row; the second's final callback dropped
const STRANGER = '+12125550205'; // a message sent by something else to our webhook
const REPLACED = '+12125550206'; // its row's provider id replaced by a late response of another attempt

let stack: Stack;
let db: TestDatabase;
let sandbox: TwilioSandbox;
let worker: TestWorker;
let client: Client;
let sender: SmsSender;
let publicBaseUrl: string;
let env: Record<string, string>;
let ids: Record<string, number>;
let campaignId: number;
let logs: string[];

beforeAll(async () => {
  stack = await startStack({
    now: () => NOW,
    authToken: AUTH_TOKEN,
    sandbox: {
      callbackRetry: { initialDelayMs: 20, maxDelayMs: 200 },
      rules: [
        { to: LOST_DELIVERED, dropCallbacks: ['delivered'] },
        { to: LOST_UNDELIVERED, errorCode: 30003, dropCallbacks: ['undelivered'] },
        { to: TWICE, times: 1 },
        { to: TWICE, dropCallbacks: ['delivered'] },
      ],
    },
    server: { twilio: { now: () => NOW } },
  });
  ({ db, worker, client, publicBaseUrl, env, logs } = stack);
  sandbox = stack.sandbox!;
  sender = stack.sms!;
  const phones = [OK, LOST_DELIVERED, LOST_UNDELIVERED, TWICE, STRANGER, REPLACED];
  const seeded = await seedContacts(db.pool, phones.map((phone) => ({ phone })));
  ids = Object.fromEntries(phones.map((p, i) => [p, seeded[i]!]));
  campaignId = await insertCampaign(
    db.pool,
    parseCampaign({
      name: 'sweep',
      category: 'marketing',
      brand: 'Acme',
      audience: { contactIds: [OK, LOST_DELIVERED, LOST_UNDELIVERED, TWICE, REPLACED].map((p) => ids[p]!) },
      channels: { A: 'sms', B: 'sms', C: 'sms', D: 'sms' },
      fallback: false,
      templates: { sms: { en: 'Hi, 20% off at {{brand}} this week.' } },
    }),
  );
  await client.workflow.execute('campaignWorkflow', { taskQueue: worker.taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, lanes: 1, batchSize: 50 }] });
  await sandbox.idle();
});

afterAll(() => stack?.stop());

const rowOf = async (phone: string) =>
  (await db.pool.query('SELECT id, state, provider_id, provider_status, error_code, feedback_at, swept_at FROM send_ledger WHERE campaign_id = $1 AND contact_id = $2', [campaignId, ids[phone]])).rows[0];
const adoptedOf = async (ledgerId: string) => (await db.pool.query('SELECT provider_id, status, error_code FROM ledger_provider_messages WHERE ledger_id = $1 ORDER BY first_seen_at', [ledgerId])).rows;
const sandboxSids = () => sandbox.messages({ direction: 'outbound-api' }).map((m) => m.sid);

async function cli(args: string[]) {
  const r = await runCli(args, env);
  if (r.code !== 0) throw new Error(`reachloop ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('a second message of one ledger row', () => {
  it('is adopted from its status callback, logged and counted as a duplicate send, never ignored', async () => {
    const row = await rowOf(TWICE);
    expect(row).toMatchObject({ state: 'delivered', provider_status: 'delivered' });
    // A second attempt of the same batch sent again: same ledger id in its callback URL, another sid.
    const again = await sender.send({ to: TWICE, body: 'Hi, 20% off at Acme this week.', statusCallbackUrl: `${publicBaseUrl}/webhooks/twilio/status`, ledgerId: row.id });
    if (!again.ok) throw new Error('second send refused');
    await sandbox.idle();
    expect(await adoptedOf(row.id)).toEqual([{ provider_id: again.providerId, status: 'sent', error_code: null }]);
    expect(await rowOf(TWICE)).toMatchObject({ state: 'delivered', provider_id: row.provider_id });
    expect(logs.filter((l) => l.startsWith('duplicate send'))).toEqual([expect.stringContaining(`ledger row ${row.id} (contact ${ids[TWICE]}) went out as ${row.provider_id} and again as ${again.providerId}`)]);
    expect(await providerMessageCounts(db.pool, { campaignId })).toMatchObject({ duplicates: 1, duplicatedRows: 1 });

    const status = await cli(['campaign', 'status', String(campaignId), '--json']);
    expect(status).toMatchObject({ phase: 'completed', duplicates: 1, byState: { sent: 5 }, sentByChannel: { sms: 5 } });
    const text = await runCli(['campaign', 'status', String(campaignId)], env);
    expect(text.stdout).toMatch(/duplicate sends\s+1 /);
  });

  it('a row whose provider id is replaced (a late response of another attempt) keeps the replaced one as adopted', async () => {
    const row = await rowOf(REPLACED);
    await recordResults(db.pool, [{ id: row.id, state: 'sent', providerId: `SM${'f'.repeat(32)}` }], NOW);
    expect(await adoptedOf(row.id)).toEqual([{ provider_id: row.provider_id, status: 'delivered', error_code: null }]);
  });
});

describe('status callbacks of messages nobody in the ledger sent', () => {
  it('are kept as orphans, listed by `reachloop ledger orphans`, and counted as unknown provider ids', async () => {
    const twilioClient = createTwilioClient({ accountSid: sandbox.accountSid, authToken: AUTH_TOKEN, apiBase: sandbox.url });
    const stranger = await twilioClient.messages.create({ to: STRANGER, from: FROM, body: 'not from reachloop', statusCallback: `${publicBaseUrl}/webhooks/twilio/status` });
    await sandbox.idle();
    // A callback naming a ledger row that does not exist.
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const params = { AccountSid: sandbox.accountSid, MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '30005', To: STRANGER, From: FROM };
    const res = await signedTwilioPost(`${publicBaseUrl}/webhooks/twilio/status?ledgerId=999999999999999`, AUTH_TOKEN, params);
    expect(await res.text()).toBe('unmatched');

    const listed = await cli(['ledger', 'orphans', '--json']);
    expect(listed.total).toBe(2);
    expect(listed.orphans).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ providerId: stranger.sid, status: 'delivered', callbacks: 3, namedLedger: null }),
        expect.objectContaining({ providerId: sid, status: 'undelivered', errorCode: '30005', callbacks: 1, namedLedger: '999999999999999' }),
      ]),
    );
    expect(await unknownProviderIds(db.pool, [...sandboxSids(), sid])).toEqual([stranger.sid, sid].sort());
    expect(logs.some((l) => l.includes(`unknown message ${stranger.sid}`) && l.includes('kept as an orphan'))).toBe(true);
  });
});

describe('concurrent batches', () => {
  it('seeing the same new message at once count every callback and keep its furthest status', async () => {
    const deps = { pool: db.pool, policy: CURRENT_SCORE_POLICY, now: () => NOW, log: () => {} };
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const statuses = ['queued', 'sent', 'delivered', 'queued', 'sent', 'sent', 'queued', 'sent', 'queued', 'sent'] as const;
    await Promise.all(statuses.map((status, i) => applyStatusCallbacks(deps, [{ replayKey: `race:${i}`, messageSid: sid, status, errorCode: null, ledgerId: null }])));
    const { rows } = await db.pool.query('SELECT status, callbacks FROM orphan_provider_messages WHERE provider_id = $1', [sid]);
    expect(rows).toEqual([{ status: 'delivered', callbacks: statuses.length }]);
    await db.pool.query('DELETE FROM orphan_provider_messages WHERE provider_id = $1', [sid]);
  });
});

describe('reachloop ledger sweep', () => {
  it('gives up on messages sent longer ago than --give-up-after: not asked about, left as they are', async () => {
    const row = await rowOf(LOST_DELIVERED);
    const cols = ['reserved_at', 'attempt_started_at', 'sent_at', 'provider_status_at'];
    const saved = (await db.pool.query(`SELECT ${cols.join(', ')} FROM send_ledger WHERE id = $1`, [row.id])).rows[0];
    // LOST_DELIVERED went out two hours before the others (the worker's clock is NOW).
    await db.pool.query(`UPDATE send_ledger SET ${cols.map((c) => `${c} = ${c} - interval '2 hours'`).join(', ')} WHERE id = $1`, [row.id]);
    try {
      const dry = await cli(['ledger', 'sweep', '--dry-run', '--older-than', '0s', '--give-up-after', '1h', '--json']);
      expect(dry).toMatchObject({ dryRun: true, giveUpMs: 3_600_000, checked: 2, byTransition: { 'sent -> undelivered': 1, 'sent -> delivered': 1 }, duplicatesChecked: 1 });
      const longer = await cli(['ledger', 'sweep', '--dry-run', '--older-than', '0s', '--give-up-after', '3h', '--json']);
      expect(longer).toMatchObject({ giveUpMs: 10_800_000, checked: 3 });
    } finally {
      await db.pool.query(`UPDATE send_ledger SET ${cols.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`, [row.id, ...cols.map((c) => saved[c])]);
    }
  });

  it('moves rows left in sent to what the provider says (dry run first), adopted messages too; a second sweep changes nothing', async () => {
    expect(await rowOf(LOST_DELIVERED)).toMatchObject({ state: 'sent', feedback_at: null });
    expect(await rowOf(LOST_UNDELIVERED)).toMatchObject({ state: 'sent', feedback_at: null });
    expect(await providerMessageCounts(db.pool, { campaignId, stuckBefore: new Date(NOW.getTime() + 1) })).toMatchObject({ stuckInSent: 2 });
    const twice = await rowOf(TWICE);
    const moves = { 'sent -> delivered': 2, 'sent -> undelivered': 1 };

    const dry = await cli(['ledger', 'sweep', '--dry-run', '--older-than', '0s', '--json']);
    // Three messages quiet in 'sent': two ledger rows and the adopted second message.
    expect(dry).toMatchObject({ dryRun: true, checked: 3, changed: 3, byTransition: moves, duplicatesChecked: 1, missingAtProvider: 0, errors: 0 });
    expect(await rowOf(LOST_DELIVERED)).toMatchObject({ state: 'sent', swept_at: null });
    expect(await adoptedOf(twice.id)).toMatchObject([{ status: 'sent' }]);

    const swept = await cli(['ledger', 'sweep', '--older-than', '0s', '--json']);
    expect(swept).toMatchObject({ dryRun: false, checked: 3, changed: 3, byTransition: moves, duplicatesChecked: 1, missingAtProvider: 0, stillPending: 0, duplicates: 2, orphans: 2 });
    expect(await rowOf(LOST_DELIVERED)).toMatchObject({ state: 'delivered', provider_status: 'delivered', feedback_at: expect.any(Date) });
    expect(await rowOf(LOST_UNDELIVERED)).toMatchObject({ state: 'undelivered', provider_status: 'undelivered', error_code: '30003', feedback_at: expect.any(Date) });
    expect(await adoptedOf(twice.id)).toMatchObject([{ status: 'delivered' }]);
    // The outcome reached the contacts, as the callback's would have.
    const activity = async (phone: string) => (await db.pool.query('SELECT activity FROM contacts WHERE id = $1', [ids[phone]])).rows[0].activity;
    expect(await activity(LOST_UNDELIVERED)).toMatchObject({ consecutiveFailures: 1 });
    expect(await activity(LOST_DELIVERED)).toMatchObject({ messagesDelivered: 1 });
    expect(await providerMessageCounts(db.pool, { campaignId, stuckBefore: new Date(NOW.getTime() + 1) })).toMatchObject({ stuckInSent: 0 });

    const before = (await db.pool.query('SELECT id, state, provider_status, error_code, feedback_at FROM send_ledger ORDER BY id')).rows;
    const second = await cli(['ledger', 'sweep', '--older-than', '0s', '--json']);
    expect(second).toMatchObject({ checked: 0, changed: 0 });
    expect((await db.pool.query('SELECT id, state, provider_status, error_code, feedback_at FROM send_ledger ORDER BY id')).rows).toEqual(before);

    // Every message the provider holds is known to the ledger but the stranger's.
    expect(await unknownProviderIds(db.pool, sandboxSids())).toHaveLength(1);
  });

  it('creates, updates and deletes its schedule; a scheduled run sweeps with SENT_SWEEP_AFTER', async () => {
    const created = await cli(['ledger', 'sweep', '--schedule', '15m', '--json']);
    expect(created).toMatchObject({ scheduleId: ledgerSweepScheduleId(), created: true, every: '15m', olderThanMs: 3_600_000 });
    const handle = client.schedule.getHandle(ledgerSweepScheduleId());
    try {
      const d = await handle.describe();
      expect(d.spec.intervals?.[0]?.every).toBe(15 * 60_000);
      expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'ledgerSweepWorkflow', taskQueue: worker.taskQueue });
      expect((d.action as { args: LedgerSweepInput[] }).args[0]).toMatchObject({ olderThanMs: 3_600_000, dryRun: false });
      const calendar = await cli(['ledger', 'sweep', '--cron', '*/20 * * * *', '--tz', 'Europe/Berlin', '--json']);
      expect(calendar).toMatchObject({ created: false, every: '*/20 * * * * (Europe/Berlin)' });
      expect((await handle.describe()).spec.timezone).toBe('Europe/Berlin');
      const updated = await runCli(['ledger', 'sweep', '--schedule', 'every 1h', '--json'], { ...env, SENT_SWEEP_AFTER: '2h' });
      expect(JSON.parse(updated.stdout)).toMatchObject({ created: false, every: '1h', olderThanMs: 7_200_000 });
      await handle.trigger();
      await expect.poll(async () => (await handle.describe()).info.recentActions.length, { timeout: 20_000 }).toBeGreaterThan(0);
      const run = (await handle.describe()).info.recentActions[0]!.action.workflow;
      expect(await client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).result()).toMatchObject({ olderThanMs: 7_200_000, checked: 0, errors: 0 });
    } finally {
      const deleted = await cli(['ledger', 'sweep', '--unschedule', '--json']);
      expect(deleted).toEqual({ scheduleId: ledgerSweepScheduleId(), deleted: true });
    }
  });

  it('refuses bad options with a usage error', async () => {
    for (const args of [
      ['--schedule', '1m'],
      ['--older-than', 'soon'],
      ['--schedule', '15m', '--unschedule'],
      ['--dry-run', '--schedule', '15m'],
      ['--tz', 'Europe/Berlin'],
      ['--concurrency', '0'],
      ['--give-up-after', '0s'],
      ['--give-up-after', 'never'],
    ]) {
      const r = await runCli(['ledger', 'sweep', ...args], env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/must|exclude|runs once|goes with/);
    }
  });
});
