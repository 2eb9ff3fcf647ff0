import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { detectAndMatch } from '../services/recovery-detect';
import type { SmsSender } from '../channels/sms';
import { createTwilioSender } from '../channels/twilio';
import { startOrSignalRecovery } from '../services/recovery-lifecycle';
import { getCase } from '../db/recovery';
import { insertCampaign } from '../db/campaigns';
import { parseCampaign } from '../core/campaign/definition';
import { campaignWorkflowId } from '../workflows/ids';
import { startTwilioSandbox, type TwilioSandbox } from '../sandbox/twilio-server';
import { recoveryWorkflowId } from '../workflows/ids';
import { recoveryReply, recoveryStatus, type RecoveryStatus } from '../workflows/messages/recovery';
import type { CampaignStatus } from '../workflows/messages/campaign';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';
import { timeSkippingEnv } from './helpers/time-skipping';
import { queryPlain } from './helpers/contacts';
import { phoneHash } from '../db/contacts';

// RecoveryWorkflow on the time-skipping server: the 72-hour wait, the reminder and the
// candidate's local window pass in seconds. The SMS go through the real twilio library to the
// local Twilio-shaped server; a "handset" wrapper answers on the candidate's behalf.
let env: TestWorkflowEnvironment;
let db: TestDatabase;
let sandbox: TwilioSandbox;
let worker: TestWorker;
/** A handset that answers at once, while the sending activity has not recorded the send yet. */
let handset: { reply: 'confirm' | 'refuse' | null; on: 'confirmation' | 'reminder' };

const OLD = '+8613800138001';
const NEW = '+8613900139002';
const authToken = randomBytes(16).toString('hex');

beforeAll(async () => {
  db = await isolatedDatabase();
  sandbox = await startTwilioSandbox({ authToken, defaultFrom: '+15005550006' });
});
afterAll(async () => {
  await sandbox?.stop();
  await db?.drop();
});
beforeEach(async () => {
  sandbox.clear();
  handset = { reply: null, on: 'confirmation' };
  await db.pool.query('TRUNCATE contacts, send_ledger, suppressions, consents, contact_emails, tier_history, recovery_cases, contact_aliases, merge_audit, orders, loyalty_points, coupons CASCADE');
  env = await timeSkippingEnv();
  const twilio = createTwilioSender({ accountSid: sandbox.accountSid, authToken, from: '+15005550006', apiBase: sandbox.url });
  const sms: SmsSender = {
    callTimeoutMs: twilio.callTimeoutMs,
    findSentSince: (to, since) => twilio.findSentSince(to, since),
    fetchMessage: (sid) => twilio.fetchMessage(sid),
    async send(m) {
      const r = await twilio.send(m);
      const kind = m.body.includes('提醒') || m.body.includes('Reminder') ? 'reminder' : 'confirmation';
      if (handset.reply && kind === handset.on && m.to === NEW) {
        const { rows } = await db.pool.query('SELECT contact_id FROM recovery_cases WHERE candidate_phone_hash = $1 ORDER BY id DESC LIMIT 1', [phoneHash(NEW)]);
        const signal = () => env.client.workflow.getHandle(recoveryWorkflowId(Number(rows[0].contact_id))).signal(recoveryReply, { reply: handset.reply! });
        await signal(); // the answer lands before the send is even recorded
      }
      return r;
    },
  };
  worker = await startTestWorker(defaultActivityDeps(db.pool, { sms, now: async () => new Date(await env.currentTimeMs()) }), { connection: env.nativeConnection });
});
afterEach(async () => {
  await worker?.stop();
  await env?.teardown();
});

/** A customer whose number died, and a newer account with the same e-mail; loyalty assets on the old one. */
async function seedChangedNumber(): Promise<{ oldId: number; newId: number }> {
  const [oldId, newId] = await seedContacts(db.pool, [
    { phone: OLD, email: 'li@example.com', name: 'Li', tier: 'A' },
    { phone: NEW, email: 'li@example.com', tier: 'D', consent: [] },
  ]);
  await db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '3 years', validity = 'unreachable', number_status = 'empty' WHERE id = $1`, [oldId]);
  await db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '10 days' WHERE id = $1`, [newId]);
  await db.pool.query(`INSERT INTO orders (contact_id, external_id, amount, placed_at) VALUES ($1, 'o-1', 129, now() - interval '1 year'), ($1, 'o-2', 58, now() - interval '200 days')`, [oldId]);
  await db.pool.query(`INSERT INTO loyalty_points (contact_id, delta, reason) VALUES ($1, 500, 'order o-1'), ($1, 120, 'order o-2')`, [oldId]);
  await db.pool.query(`INSERT INTO coupons (contact_id, code, value) VALUES ($1, 'WELCOME10', 10)`, [oldId]);
  return { oldId: oldId!, newId: newId! };
}

async function startCase(oldId: number, opts: { reminderAfterMs?: number; followUpCampaignId?: number } = {}) {
  const at = new Date(await env.currentTimeMs());
  const [d] = await detectAndMatch(db.pool, [{ contactId: oldId, reason: 'number_empty' }], at);
  expect(d!.matched).toBe(true);
  await startOrSignalRecovery(env.client, db.pool, d!.case, { taskQueue: worker.taskQueue, brand: 'Acme', ...opts });
  return { caseId: d!.case.id, handle: env.client.workflow.getHandle(recoveryWorkflowId(oldId)) };
}

/** Lets skipped time pass in quarter hours until the confirmation went out (no auto-skip past it). */
async function untilAsked(handle: ReturnType<typeof env.client.workflow.getHandle>): Promise<void> {
  for (let i = 0; i < 4 * 24 * 3; i++) {
    if ((await handle.query(recoveryStatus)).confirmationsSent > 0) return;
    await env.sleep(15 * 60_000);
  }
  throw new Error('the confirmation never went out');
}

const recoveryLedger = async () =>
  queryPlain(db.pool, `SELECT l.step, l.category, l.state, l.reserved_at, c.phone_enc FROM send_ledger l JOIN contacts c ON c.id = l.contact_id WHERE l.category = 'recovery' ORDER BY l.id`);

describe('RecoveryWorkflow', () => {
  it('Y: merges in one transaction; orders, points, coupons on the new contact, the old one an alias, audit written', async () => {
    const { oldId, newId } = await seedChangedNumber();
    const { caseId, handle } = await startCase(oldId);
    await untilAsked(handle);
    await env.sleep(3 * 3_600_000); // the customer answers three hours later
    await handle.signal(recoveryReply, { reply: 'confirm' });
    const status = (await handle.result()) as RecoveryStatus;
    expect(status.phase).toBe('confirmed');
    expect(sandbox.messages({ to: NEW, direction: 'outbound-api' }).map((m) => m.body)).toEqual(['【Acme】回复Y确认此为您的新号码，回复T退订']);
    const count = async (t: string, id: number) => Number((await db.pool.query(`SELECT count(*) FROM ${t} WHERE contact_id = $1`, [id])).rows[0].count);
    for (const t of ['orders', 'loyalty_points', 'coupons']) {
      expect(await count(t, oldId), t).toBe(0);
      expect(await count(t, newId), t).toBeGreaterThan(0);
    }
    expect((await db.pool.query('SELECT sum(delta)::int AS s FROM loyalty_points WHERE contact_id = $1', [newId])).rows[0].s).toBe(620);
    expect((await db.pool.query('SELECT contact_id FROM contact_aliases WHERE old_contact_id = $1', [oldId])).rows).toEqual([{ contact_id: String(newId) }]);
    const audit = (await db.pool.query('SELECT * FROM merge_audit WHERE case_id = $1', [caseId])).rows;
    expect(audit).toHaveLength(1);
    expect(audit[0].moved).toMatchObject({ orders: 2, loyalty_points: 2, coupons: 1, consents: 2 });
    expect(audit[0].actor).toBe(`recovery-workflow:${recoveryWorkflowId(oldId)}`);
    // Consents moved: the person's marketing consent follows them; the dead number is suppressed everywhere.
    expect(await count('consents', newId)).toBe(2);
    expect((await db.pool.query(`SELECT channel, kind FROM suppressions WHERE contact_id = $1`, [oldId])).rows).toEqual([{ channel: 'all', kind: 'manual' }]);
    // Scored again on the merged facts with the number now live: the seeds' tier A was a label; a
    // reachable mobile without activity in the window or recent orders is C under policy v1.
    expect((await db.pool.query('SELECT tier, number_status FROM contacts WHERE id = $1', [newId])).rows[0]).toEqual({ tier: 'C', number_status: 'active' });
    expect((await getCase(db.pool, caseId))!.state).toBe('confirmed');
    const ledger = await recoveryLedger();
    expect(ledger.map((r) => [r.step, r.category, r.phone_e164])).toEqual([[`recovery:${caseId}:confirmation`, 'recovery', NEW]]);
  });

  it('T: suppresses the candidate, closes as refused, sends nothing else', async () => {
    const { oldId, newId } = await seedChangedNumber();
    const { caseId, handle } = await startCase(oldId);
    await untilAsked(handle);
    await handle.signal(recoveryReply, { reply: 'refuse' });
    expect(((await handle.result()) as RecoveryStatus).phase).toBe('refused');
    expect((await db.pool.query(`SELECT channel, kind FROM suppressions WHERE contact_id = $1`, [newId])).rows).toEqual([{ channel: 'sms', kind: 'opt_out' }]);
    const k = (await getCase(db.pool, caseId))!;
    expect([k.state, k.replyKind]).toEqual(['refused', 'refuse']);
    expect(sandbox.messages({ to: NEW, direction: 'outbound-api' })).toHaveLength(1);
    expect(Number((await db.pool.query('SELECT count(*) FROM contact_aliases')).rows[0].count)).toBe(0);
  });

  it('no answer: exactly one reminder, then closes as expired after 72 h', async () => {
    const { oldId } = await seedChangedNumber();
    const { caseId, handle } = await startCase(oldId);
    const status = (await handle.result()) as RecoveryStatus;
    expect(status.phase).toBe('expired');
    expect(status.remindersSent).toBe(1);
    const bodies = sandbox.messages({ to: NEW, direction: 'outbound-api' }).map((m) => m.body);
    expect(bodies).toEqual(['【Acme】回复Y确认此为您的新号码，回复T退订', '【Acme】提醒：回复Y确认此为您的新号码，回复T退订']);
    const ledger = await recoveryLedger();
    expect(ledger.map((r) => r.step)).toEqual([`recovery:${caseId}:confirmation`, `recovery:${caseId}:reminder`]);
    const k = (await getCase(db.pool, caseId))!;
    expect([k.state, k.closeReason, k.reminders]).toEqual(['expired', 'no_answer', 1]);
    // Closed 72 h after the confirmation went out (the reminder waited for the window within that).
    const open = Date.parse(k.closedAt!) - Date.parse(k.confirmationSentAt!);
    expect(open).toBeGreaterThanOrEqual(72 * 3_600_000);
    expect(open).toBeLessThan(72 * 3_600_000 + 60_000); // plus the activities' own (real) run time
  });

  it('a second detection while the case runs signals it: one case, one workflow, one confirmation', async () => {
    const { oldId } = await seedChangedNumber();
    const { caseId, handle } = await startCase(oldId);
    const firstRun = (await handle.describe()).runId;
    const again = await detectAndMatch(db.pool, [{ contactId: oldId, reason: 'consecutive_failures' }], new Date(await env.currentTimeMs()));
    expect(again[0]!.case.id).toBe(caseId);
    expect(again[0]!.created).toBe(false);
    await startOrSignalRecovery(env.client, db.pool, again[0]!.case, { taskQueue: worker.taskQueue, brand: 'Acme' });
    expect((await handle.query(recoveryStatus)).detections).toBe(2);
    await handle.signal(recoveryReply, { reply: 'refuse' });
    expect(((await handle.result()) as RecoveryStatus).phase).toBe('refused');
    expect(Number((await db.pool.query('SELECT count(*) FROM recovery_cases')).rows[0].count)).toBe(1);
    expect((await handle.describe()).runId).toBe(firstRun);
  });

  it('a "Y" that arrives before the confirmation is recorded is still handled', async () => {
    const { oldId, newId } = await seedChangedNumber();
    handset.reply = 'confirm';
    const { handle } = await startCase(oldId);
    expect(((await handle.result()) as RecoveryStatus).phase).toBe('confirmed');
    expect((await db.pool.query('SELECT contact_id FROM contact_aliases WHERE old_contact_id = $1', [oldId])).rows).toEqual([{ contact_id: String(newId) }]);
  });

  it('defers the confirmation SMS to the candidate\'s local window (22:00 in Shanghai -> 10:00 next day)', async () => {
    const { oldId } = await seedChangedNumber();
    // Move the test server's clock to the next 22:00 in Shanghai.
    const now = DateTime.fromMillis(await env.currentTimeMs(), { zone: 'Asia/Shanghai' });
    let late = now.set({ hour: 22, minute: 0, second: 0, millisecond: 0 });
    if (late <= now) late = late.plus({ days: 1 });
    await env.sleep(late.toMillis() - now.toMillis());
    handset.reply = 'confirm';
    const { handle } = await startCase(oldId);
    expect(((await handle.result()) as RecoveryStatus).phase).toBe('confirmed');
    const [row] = await recoveryLedger();
    expect(DateTime.fromJSDate(row.reserved_at, { zone: 'Asia/Shanghai' }).toFormat('yyyy-MM-dd HH:mm')).toBe(late.plus({ days: 1 }).set({ hour: 10 }).toFormat('yyyy-MM-dd HH:mm'));
  });

  it('asks one number at most once in 30 days: a second customer pointing at it waits for the limit to pass', async () => {
    const { oldId } = await seedChangedNumber();
    // A second old account of the same e-mail (a duplicate of the customer) whose number died too.
    const [twinId] = await seedContacts(db.pool, [{ phone: '+8613800138003', email: 'li@example.com', tier: 'B' }]);
    await db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '2 years', validity = 'unreachable', number_status = 'empty' WHERE id = $1`, [twinId]);
    const first = await startCase(oldId, { reminderAfterMs: 0 });
    expect(((await first.handle.result()) as RecoveryStatus).phase).toBe('expired');
    const second = await startCase(twinId!, { reminderAfterMs: 0 });
    expect(((await second.handle.result()) as RecoveryStatus).phase).toBe('expired');
    const [a, b] = await recoveryLedger();
    expect([a.step, b.step]).toEqual([`recovery:${first.caseId}:confirmation`, `recovery:${second.caseId}:confirmation`]);
    expect(b.reserved_at.getTime() - a.reserved_at.getTime()).toBeGreaterThanOrEqual(30 * 86_400_000);
    expect(sandbox.messages({ to: NEW, direction: 'outbound-api' })).toHaveLength(2);
  });

  it('the welcome-back: a one-person copy of the follow-up campaign goes out after the merge, under marketing rules', async () => {
    const { oldId, newId } = await seedChangedNumber();
    // As its dead number left it: in the verification pool, like the new number (never checked).
    await db.pool.query(`UPDATE contacts SET tier = 'D' WHERE id = $1`, [oldId]);
    const templateId = await insertCampaign(
      db.pool,
      parseCampaign({ name: 'Welcome back', category: 'marketing', brand: 'Acme', channels: { A: 'sms', B: 'sms', C: 'sms' }, templates: { sms: { zh: '{{name}}，欢迎回来！本周会员8折。', en: 'Welcome back {{name}}: 20% off for members this week.' } } }),
    );
    const { caseId, handle } = await startCase(oldId, { followUpCampaignId: templateId });
    await untilAsked(handle);
    await handle.signal(recoveryReply, { reply: 'confirm' });
    expect(((await handle.result()) as RecoveryStatus).phase).toBe('confirmed');

    const { rows } = await db.pool.query('SELECT welcome_back_campaign_id FROM recovery_cases WHERE id = $1', [caseId]);
    const welcomeBack = Number(rows[0].welcome_back_campaign_id);
    expect(welcomeBack).toBeGreaterThan(templateId);
    const copy = (await db.pool.query('SELECT name, category, definition, workflow_id FROM campaigns WHERE id = $1', [welcomeBack])).rows[0];
    expect(copy).toMatchObject({ name: `Welcome back (welcome back, case ${caseId})`, category: 'marketing', workflow_id: campaignWorkflowId(welcomeBack) });
    expect(copy.definition.audience).toEqual({ contactIds: [newId] });
    const status = (await env.client.workflow.getHandle(campaignWorkflowId(welcomeBack)).result()) as CampaignStatus;
    expect(status).toMatchObject({ phase: 'completed', planned: 1, sentByChannel: { sms: 1 } });
    const bodies = sandbox.messages({ to: NEW, direction: 'outbound-api' }).map((m) => m.body);
    expect(bodies[0]).toBe('【Acme】回复Y确认此为您的新号码，回复T退订');
    expect(bodies.slice(1)).toEqual(['Li，欢迎回来！本周会员8折。回复T退订']); // the customer's consent moved with them; the opt-out footer added
    // The template itself is never launched.
    expect((await db.pool.query('SELECT workflow_id FROM campaigns WHERE id = $1', [templateId])).rows[0].workflow_id).toBeNull();
    // The answer proved the new number live: the customer was scored again and left tier D.
    const merged = (await db.pool.query('SELECT number_status, validity, tier FROM contacts WHERE id = $1', [newId])).rows[0];
    expect(merged).toMatchObject({ number_status: 'active', validity: 'reachable' });
    expect(merged.tier).not.toBe('D');
    const history = await db.pool.query('SELECT from_tier, to_tier FROM tier_history WHERE contact_id = $1 AND cause = $2', [newId, `recovery:confirmed:${caseId}`]);
    expect(history.rows).toEqual([{ from_tier: 'D', to_tier: merged.tier }]);
  });
});
