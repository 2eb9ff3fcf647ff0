import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { createTwilioSender } from '../channels/twilio';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { recordSuppression } from '../db/suppressions';
import { startTwilioSandbox, type TwilioSandbox } from '../sandbox/twilio-server';
import { campaignWorkflowId } from '../workflows/ids';
import { approveCampaign, campaignStatus, cancelCampaign, pauseCampaign, resumeCampaign, type CampaignInput } from '../workflows/messages/campaign';
import { plain, seedContacts } from './helpers/contacts';
import { isolatedDatabase, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';
import { timeSkippingEnv } from './helpers/time-skipping';

// Campaigns on the time-skipping server: days pass in seconds, and the activities' clock is the
// test server's, so local windows, holidays, deadlines and caps are decided at skipped time.
let env: TestWorkflowEnvironment;
let db: TestDatabase;
let sandbox: TwilioSandbox;
let worker: TestWorker;

const authToken = randomBytes(16).toString('hex');

beforeAll(async () => {
  db = await isolatedDatabase();
  sandbox = await startTwilioSandbox({ authToken, defaultFrom: '+15005550006' });
});
afterAll(async () => {
  await sandbox?.stop();
  await db?.drop();
});
// A time-skipping server per test: its clock only moves forward (and jumps when a workflow
// ends), so each test starts from today and picks its calendar dates from there.
beforeEach(async () => {
  sandbox.clear();
  await db.pool.query('TRUNCATE contacts, campaigns, send_ledger, suppressions, campaign_recipients, campaign_decisions, consents, contact_emails, tier_history CASCADE');
  env = await timeSkippingEnv();
  const sms = createTwilioSender({ accountSid: sandbox.accountSid, authToken, from: '+15005550006', apiBase: sandbox.url });
  worker = await startTestWorker(
    defaultActivityDeps(db.pool, { sms, now: async () => new Date(await env.currentTimeMs()) }),
    { connection: env.nativeConnection },
  );
});
afterEach(async () => {
  await worker?.stop();
  await env?.teardown();
});

const SMS_ONLY = { templates: { sms: { en: 'Hi {{name}}, 20% off at {{brand}} this week.', zh: '{{name}}您好，本周8折。' } }, channels: { A: 'sms', B: 'sms', C: 'sms' } };

async function launch(definition: Record<string, unknown>, input: Partial<CampaignInput> = {}) {
  const id = await insertCampaign(db.pool, parseCampaign({ name: 'test', category: 'marketing', brand: 'Acme', ...SMS_ONLY, ...definition }));
  const handle = await env.client.workflow.start('campaignWorkflow', {
    taskQueue: worker.taskQueue,
    workflowId: campaignWorkflowId(id),
    args: [{ campaignId: id, lanes: 2, batchSize: 50, ...input }],
  });
  return { id, handle };
}

/** Sent messages per E.164 number, from the ledger, with the instant each was reserved. */
async function sentByNumber(campaignId?: number): Promise<Map<string, Date[]>> {
  const { rows } = await db.pool.query(
    `SELECT c.phone_enc, l.reserved_at FROM send_ledger l JOIN contacts c ON c.id = l.contact_id
     WHERE l.state = 'sent' AND ($1::bigint IS NULL OR l.campaign_id = $1) ORDER BY l.reserved_at`,
    [campaignId ?? null],
  );
  const out = new Map<string, Date[]>();
  for (const r of plain(rows)) out.set(r.phone_e164, [...(out.get(r.phone_e164) ?? []), r.reserved_at]);
  return out;
}

/** The test server's clock; expected instants are computed by hand from it with luxon. */
const serverNow = async () => DateTime.fromMillis(await env.currentTimeMs(), { zone: 'UTC' });

/** Next Monday 00:00 UTC at least two days ahead. */
async function nextMonday(): Promise<DateTime> {
  const t = (await serverNow()).plus({ days: 2 }).startOf('day');
  return t.plus({ days: (8 - t.weekday) % 7 });
}

/** Moves the test server's clock to `iso`.*/
async function skipTo(iso: string): Promise<void> {
  const ms = Date.parse(iso) - (await env.currentTimeMs());
  if (ms > 0) await env.sleep(ms);
}

const localHour = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat('yyyy-MM-dd HH:mm');

describe('CampaignWorkflow', () => {
  it('defers past a public holiday in the recipient\'s country (New York, New Year 2027)', async () => {
    const [id] = await seedContacts(db.pool, [{ phone: '+12125550145', name: 'Eve' }]);
    // The next New Year's Day that falls Monday-Thursday (so the 2nd is an ordinary weekday).
    let year = (await serverNow()).year + 1;
    while (DateTime.utc(year, 1, 1).weekday > 4) year++;
    const newYear = DateTime.fromObject({ year, month: 1, day: 1, hour: 10 }, { zone: 'America/New_York' });
    const { id: campaignId, handle } = await launch({ window: { start: '09:00', end: '20:00' }, holidays: 'defer', startAt: newYear.toUTC().toISO()! });
    await handle.result();
    const [at] = (await sentByNumber()).get('+12125550145')!;
    expect(localHour(at!, 'America/New_York')).toBe(`${year}-01-02 09:00`);
    const { rows } = await db.pool.query('SELECT decision, reason FROM campaign_decisions WHERE campaign_id = $1 AND contact_id = $2 ORDER BY id', [campaignId, id]);
    expect(rows).toEqual([
      { decision: 'DEFER', reason: 'holiday' },
      { decision: 'SEND', reason: 'ok' },
    ]);
  });

  it('sends each recipient in its own local window: Shanghai, New York, Honolulu, London, Sydney', async () => {
    await seedContacts(db.pool, [
      { phone: '+8613800138001', name: 'Li' },
      { phone: '+12125550143', name: 'Bob' },
      { phone: '+18085550100', name: 'Kai' },
      { phone: '+447911123457', name: 'Jane', timeZones: ['Europe/London'] },
      { phone: '+61412345678', name: 'Sam', timeZones: ['Australia/Sydney'] },
    ]);
    // A Monday 00:00 UTC: Shanghai 08:00, New York Sunday 19:00 (or 20:00 in summer time),
    // Honolulu Sunday 14:00, London 00:00 or 01:00, Sydney 10:00 or 11:00.
    const monday = await nextMonday();
    const { handle } = await launch({ window: { start: '09:00', end: '21:00' }, startAt: monday.toISO()! });
    const status = await handle.result();
    expect(status.phase).toBe('completed');
    expect(status.byState).toMatchObject({ sent: 5 });
    const sent = await sentByNumber();
    const at = (n: string) => sent.get(n)![0]!.toISOString().slice(0, 16);
    const d = monday.toISODate();
    expect(at('+12125550143')).toBe(`${d}T00:00`); // 19:00/20:00 in New York: open
    expect(at('+18085550100')).toBe(`${d}T00:00`); // 14:00 in Honolulu: open
    expect(at('+61412345678')).toBe(`${d}T00:00`); // 10:00/11:00 in Sydney: open
    expect(at('+8613800138001')).toBe(`${d}T01:00`); // deferred to 09:00 in Shanghai (UTC+8, no DST)
    expect(localHour(sent.get('+447911123457')![0]!, 'Europe/London')).toBe(`${d} 09:00`); // deferred to 09:00 in London
    expect(sandbox.messages({ direction: 'outbound-api' })).toHaveLength(5);
    // Marketing SMS end with the opt-out instruction of their language.
    const zh = sandbox.messages({ to: '+8613800138001' })[0]!;
    expect(zh.body).toMatch(/回复T退订$/);
    expect(sandbox.messages({ to: '+12125550143' })[0]!.body).toMatch(/Reply STOP to opt out\.?$/);
    // No raw number or name in the workflow's history.
    const history = JSON.stringify(await handle.fetchHistory());
    for (const secret of ['8613800138001', '12125550143', 'Jane']) expect(history).not.toContain(secret);
    if (process.env.RECORD_HISTORIES) writeFileSync(path.join(__dirname, 'histories', 'campaign-five-cities.json'), historyToJSON(await handle.fetchHistory()));
  });

  it('an opt-out written while the campaign runs stops the next send to that contact', async () => {
    const [, london] = await seedContacts(db.pool, [{ phone: '+12125550146' }, { phone: '+447911123458', timeZones: ['Europe/London'] }]);
    // New York is open at 00:00 UTC (19:00); London waits for 09:00 UTC.
    const monday = await nextMonday();
    const { id, handle } = await launch({ window: { start: '09:00', end: '21:00' }, startAt: monday.toISO()! });
    await skipTo(monday.plus({ seconds: 30 }).toISO()!);
    await expect.poll(async () => (await handle.query(campaignStatus)).byState.sent ?? 0, { timeout: 30_000 }).toBe(1);
    await recordSuppression(db.pool, { contactId: london!, channel: 'sms', kind: 'opt_out', source: 'inbound:STOP', proof: { body: 'STOP' } });
    const status = await handle.result();
    expect(status.skippedByReason).toEqual({ opted_out: 1 });
    expect(sandbox.messages({ to: '+447911123458' })).toHaveLength(0);
    const { rows } = await db.pool.query(`SELECT decision, reason FROM campaign_decisions WHERE campaign_id = $1 AND contact_id = $2 ORDER BY id`, [id, london]);
    expect(rows.at(-1)).toEqual({ decision: 'SKIP', reason: 'opted_out' });
  });

  it('waits for approval, pauses, resumes and cancels, and status shows each', async () => {
    await seedContacts(db.pool, [{ phone: '+12125550147' }, { phone: '+447911123459', timeZones: ['Europe/London'] }, { phone: '+8613800138002' }]);
    const monday = await nextMonday();
    const { id, handle } = await launch({ requireApproval: true, window: { start: '09:00', end: '21:00' }, startAt: monday.toISO()! });
    await expect.poll(async () => (await handle.query(campaignStatus)).phase, { timeout: 15_000 }).toBe('awaiting_approval');
    expect(sandbox.messages()).toHaveLength(0);
    await handle.signal(approveCampaign, { by: 'ops-lead' });
    await skipTo(monday.plus({ seconds: 30 }).toISO()!);
    // After approval: New York is sent; Shanghai (01:00 UTC) and London (09:00 UTC) wait.
    await expect.poll(async () => (await handle.query(campaignStatus)).byState.sent ?? 0, { timeout: 30_000 }).toBe(1);
    expect((await handle.query(campaignStatus)).approvedBy).toBe('ops-lead');
    await handle.signal(pauseCampaign);
    await expect.poll(async () => (await handle.query(campaignStatus)).phase, { timeout: 15_000 }).toBe('paused');
    await env.sleep('3 hours'); // Shanghai's window opens, but the campaign is paused
    expect(sandbox.messages({ to: '+8613800138002' })).toHaveLength(0);
    await handle.signal(resumeCampaign);
    await expect.poll(async () => (await handle.query(campaignStatus)).byState.sent ?? 0, { timeout: 30_000 }).toBe(2);
    await handle.signal(cancelCampaign, { reason: 'budget cut' });
    const status = await handle.result();
    expect(status).toMatchObject({ phase: 'cancelled', cancelReason: 'budget cut' });
    expect(sandbox.messages({ to: '+447911123459' })).toHaveLength(0);
    const { rows } = await db.pool.query('SELECT status, approved_by, cancel_reason FROM campaigns WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ status: 'cancelled', approved_by: 'ops-lead', cancel_reason: 'budget cut' });
    const left = await db.pool.query(`SELECT last_reason FROM campaign_recipients WHERE campaign_id = $1 AND state = 'skipped'`, [id]);
    expect(left.rows).toEqual([{ last_reason: 'cancelled' }]);
  });

  it('on a DST day, 09:00 is 09:00 local wall time (New York, spring forward 2027-03-14)', async () => {
    await seedContacts(db.pool, [{ phone: '+12125550144', name: 'Ann' }]);
    // The second Sunday of March of next year: clocks go from 02:00 EST to 03:00 EDT. Start at
    // 00:00 EST (05:00 UTC); 09:00 that morning is EDT (UTC-4) = 13:00 UTC.
    const year = (await serverNow()).year + 1;
    const march1 = DateTime.utc(year, 3, 1);
    const sunday = march1.plus({ days: ((7 - march1.weekday) % 7) + 7 });
    const { handle } = await launch({ window: { start: '09:00', end: '20:00' }, startAt: `${sunday.toISODate()}T05:00:00Z` });
    await handle.result();
    const [at] = (await sentByNumber()).get('+12125550144')!;
    expect(at!.toISOString().slice(0, 16)).toBe(`${sunday.toISODate()}T13:00`);
  });
});
