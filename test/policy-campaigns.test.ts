import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { createSandboxSmsSender } from '../channels/sandbox-sms';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { listDecisions, type DecisionRow } from '../db/decisions';
import { recordSuppression } from '../db/suppressions';
import { campaignWorkflowId } from '../workflows/ids';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, runCli, startTestWorker, temporalClient, type TestDatabase, type TestWorker } from './helpers/harness';

// The contact policy through real campaigns on the real stack (Temporal, PostgreSQL, the worker's
// activities): the law and the policy hold whatever the campaign file asks, and every DEFER/SKIP
// names the rule. The worker's clock is set per scenario; each campaign has a deadline an hour or
// two later, so a recipient the policy holds back ends as SKIP deadline_passed with the rule that
// held it, and the workflow completes.

const NY = '+12125550140'; // New York (212)
const NY_OTP = '+12125550141';
const NY_HOLIDAY = '+12125550144';
const NY_OPTED_OUT = '+12125550142';
const FL = '+13055550143'; // Florida (305)
const CN_HOLIDAY = '+8613800138001';
const CN_MAKEUP = '+8613800138002';
const CN_WEEKEND = '+8613800138003';

let db: TestDatabase;
let worker: TestWorker;
let client: Client;
let ids: Record<string, number>;
let clock = new Date();
const sms = createSandboxSmsSender();
const sentTo = (phone: string) => sms.sent().filter((m) => m.to === phone);

beforeAll(async () => {
  db = await isolatedDatabase();
  worker = await startTestWorker(defaultActivityDeps(db.pool, { sms, now: () => clock }));
  client = await temporalClient();
  const phones = [NY, NY_HOLIDAY, NY_OTP, NY_OPTED_OUT, FL, CN_HOLIDAY, CN_MAKEUP, CN_WEEKEND];
  const seeded = await seedContacts(db.pool, phones.map((phone) => ({ phone, name: 'Kim' })));
  ids = Object.fromEntries(phones.map((p, i) => [p, seeded[i]!]));
  await recordSuppression(db.pool, { contactId: ids[NY_OPTED_OUT]!, channel: 'sms', kind: 'opt_out', source: 'sms_keyword' });
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await db?.drop();
});

const TEMPLATES = { sms: { en: 'Hi {{name}}, 20% off this week.', zh: '{{name}}您好，本周8折。' } };

/** Creates and starts a campaign at the current clock, with a deadline `hours` later. */
async function start(phones: string[], over: Record<string, unknown>, hours = 1) {
  const def = parseCampaign({
    name: 'policy',
    category: 'marketing',
    audience: { contactIds: phones.map((p) => ids[p]!) },
    channels: { A: 'sms', B: 'sms', C: 'sms' },
    fallback: false,
    templates: TEMPLATES,
    deadline: new Date(clock.getTime() + hours * 3_600_000).toISOString(),
    ...over,
  });
  const campaignId = await insertCampaign(db.pool, def);
  const handle = await client.workflow.start('campaignWorkflow', { taskQueue: worker.taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, lanes: 1, batchSize: 50 }] });
  return { campaignId, done: handle.result() };
}

async function run(phones: string[], over: Record<string, unknown> = {}, hours = 1): Promise<Record<string, DecisionRow>> {
  const { campaignId, done } = await start(phones, over, hours);
  await done;
  return decisionsBy(campaignId);
}

/** The last decision per contact phone. */
async function decisionsBy(campaignId: number): Promise<Record<string, DecisionRow>> {
  const rows = await listDecisions(db.pool, campaignId, { reason: null, rule: null, contactId: null, limit: 1000 });
  const phoneOf = Object.fromEntries(Object.entries(ids).map(([p, id]) => [id, p]));
  return Object.fromEntries(rows.map((r) => [phoneOf[r.contactId]!, r]));
}

describe('the contact policy in real campaigns', () => {
  it('a 07:00–23:00 campaign sends nothing to New York at 22:30; the decision names the TCPA rule', async () => {
    clock = new Date('2026-11-18T22:30:00-05:00'); // a Wednesday (the day after is no holiday)
    const d = await run([NY], { window: { start: '07:00', end: '23:00' } });
    expect(d[NY]).toMatchObject({ decision: 'SKIP', reason: 'deadline_passed', rule: 'outside_window:us-tcpa-hours' });
    expect(d[NY]!.detail).toContain('2026-11-19T14:00:00.000Z'); // 09:00 EST, the product default's opening
    expect(sentTo(NY)).toHaveLength(0);
  });

  it('a Florida number gets at most 3 marketing SMS in 24 h across five concurrent campaigns (here 1: the policy caps bind first)', async () => {
    clock = new Date('2026-11-25T10:00:00-05:00');
    const started = await Promise.all(Array.from({ length: 5 }, () => start([FL], { caps: { sms: [{ max: 10, perHours: 24 }] } }, 2)));
    await Promise.all(started.map((s) => s.done));
    const decisions = await Promise.all(started.map((s) => decisionsBy(s.campaignId)));
    expect(sentTo(FL).length).toBeLessThanOrEqual(3);
    expect(sentTo(FL)).toHaveLength(1);
    const held = decisions.map((d) => d[FL]!).filter((d) => d.decision !== 'SEND');
    expect(held).toHaveLength(4);
    for (const d of held) expect(d.rule).toMatch(/^cap:(sms-daily|sms-weekly|tier-cadence-A|us-fl-ftsa)$/);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM send_ledger WHERE contact_id = $1 AND state <> 'released'`, [ids[FL]]);
    expect(rows[0].n).toBe(1);
  });

  it('New York at 22:30 the evening before Thanksgiving waits for Friday: the holiday of the recipient\'s state', async () => {
    clock = new Date('2026-11-25T22:30:00-05:00');
    const d = await run([NY_HOLIDAY]);
    expect(d[NY_HOLIDAY]).toMatchObject({ decision: 'SKIP', reason: 'deadline_passed', rule: 'holiday:US-NY' });
    expect(d[NY_HOLIDAY]!.detail).toContain('2026-11-27T14:00:00.000Z');
  });

  it('a Chinese recipient is held on National Day 2026-10-01, even by a campaign that says holidays: ignore', async () => {
    clock = new Date('2026-10-01T10:00:00+08:00');
    const d = await run([CN_HOLIDAY], { holidays: 'ignore' });
    expect(d[CN_HOLIDAY]).toMatchObject({ decision: 'SKIP', reason: 'deadline_passed', rule: 'holiday:CN' });
    expect(sentTo(CN_HOLIDAY)).toHaveLength(0);
  });

  it('a working-days campaign sends to China on the make-up workday 2026-09-20 (a Sunday) and holds on Saturday 2026-09-19', async () => {
    clock = new Date('2026-09-19T10:00:00+08:00');
    const saturday = await run([CN_WEEKEND], { workingDaysOnly: true });
    expect(saturday[CN_WEEKEND]).toMatchObject({ decision: 'SKIP', reason: 'deadline_passed', rule: 'holiday:campaign-working-days' });
    clock = new Date('2026-09-20T10:00:00+08:00');
    const sunday = await run([CN_MAKEUP], { workingDaysOnly: true });
    expect(sunday[CN_MAKEUP]).toMatchObject({ decision: 'SEND', reason: 'ok' });
    expect(sentTo(CN_MAKEUP)).toHaveLength(1);
    expect(sentTo(CN_WEEKEND)).toHaveLength(0);
  });

  it('a one-time code at 23:00 in New York goes at once; one to an opted-out number does not', async () => {
    clock = new Date('2026-12-25T23:00:00-05:00');
    const d = await run([NY_OTP, NY_OPTED_OUT], { category: 'transactional', urgent: true, templates: { sms: { en: 'Your code is 123456' } } });
    expect(d[NY_OTP]).toMatchObject({ decision: 'SEND', reason: 'ok' });
    expect(d[NY_OPTED_OUT]).toMatchObject({ decision: 'SKIP', reason: 'opted_out' });
    expect(sentTo(NY_OTP).map((m) => m.body)).toEqual(['Your code is 123456']);
    expect(sentTo(NY_OPTED_OUT)).toHaveLength(0);
    // Not counted against marketing caps.
    const { rows } = await db.pool.query(`SELECT category FROM send_ledger WHERE contact_id = $1`, [ids[NY_OTP]]);
    expect(rows).toEqual([{ category: 'transactional' }]);
  });
});

describe('reachloop policy', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-policy-'));
  const loose = path.join(dir, 'loose.yaml');
  writeFileSync(loose, `name: loose\ncategory: marketing\nwindow: { start: '07:00', end: '23:00' }\ncaps: { sms: [{ max: 10, perHours: 24 }] }\nholidays: ignore\ntemplates:\n  sms: { en: "Sale" }\n  email: { en: { subject: Sale, text: Sale } }\n`);

  it('show prints the policy with the citations of its legal rules', async () => {
    const r = await runCli(['policy', 'show', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.version).toBe('contact-policy.v1');
    expect(p.regionalRules.find((x: { id: string }) => x.id === 'us-fl-ftsa').citation).toContain('501.616');
    const human = await runCli(['policy', 'show']);
    expect(human.stdout).toContain('47 CFR 64.1200(c)(1)');
    expect(human.stdout).toContain('tier-cadence-B');
    for (const id of ['consent-explicit-eu', 'consent-double-opt-in', 'consent-never-purchased-list', 'complaint-block-list', 'device farms', 'opt-out footers']) expect(human.stdout).toContain(id);
  });

  it('check says what the policy clamps in a campaign file, and campaign create warns of it', async () => {
    const r = await runCli(['policy', 'check', loose, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.clamped.map((c: { rule: string }) => c.rule)).toEqual(expect.arrayContaining(['product-default-window', 'us-fl-ftsa', 'holidays', 'sms-daily']));
    const create = await runCli(['campaign', 'create', loose, '--json'], { DATABASE_URL: db.url });
    expect(create.code, create.stderr).toBe(0);
    expect(create.stderr).toMatch(/warning: window 07:00–23:00 is wider than the product default 09:00–21:00/);
  });

  it('usage errors exit 2 with one line: a directory, a missing file, an invalid campaign', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: x\ncategory: sometimes\n');
    for (const [file, message] of [[dir, /is not a file/], [path.join(dir, 'nope.yaml'), /no such file/], [bad, /category/]] as const) {
      const r = await runCli(['policy', 'check', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
