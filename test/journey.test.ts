import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { createSandboxSmsSender } from '../channels/sandbox-sms';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { shapeCampaignReport } from '../core/campaign/report';
import { readCampaignReport } from '../db/campaign-report';
import { campaignProgress } from '../db/campaign-progress';
import { renderReportText } from '../client/campaign-report/text';
import { PLAIN } from '../client/table';
import { recordSuppression } from '../db/suppressions';
import { campaignWorkflowId } from '../workflows/ids';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';
import { timeSkippingEnv } from './helpers/time-skipping';

// Journeys (issue 16) on the time-skipping server: step 1 an SMS, days later step 2 an e-mail to
// whoever did not click, reply or order since step 1; the holdout gets nothing; caps hold across
// steps. The activities' clock is the test server's, so the days between the steps pass in seconds.
let env: TestWorkflowEnvironment;
let db: TestDatabase;
let worker: TestWorker;
const sms = createSandboxSmsSender();


beforeAll(async () => {
  db = await isolatedDatabase();
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(async () => {
  await db.pool.query('TRUNCATE contacts, campaigns, send_ledger, suppressions, campaign_recipients, campaign_decisions, consents, contact_emails, events CASCADE');
  env = await timeSkippingEnv();
  worker = await startTestWorker(defaultActivityDeps(db.pool, { sms, now: async () => new Date(await env.currentTimeMs()) }), { connection: env.nativeConnection });
});
afterEach(async () => {
  await worker?.stop();
  await env?.teardown();
});

/** Monday 10:00 in New York at least two days ahead of the test server's clock. */
async function nextMondayInNewYork(): Promise<DateTime> {
  const t = DateTime.fromMillis(await env.currentTimeMs(), { zone: 'America/New_York' }).plus({ days: 2 }).startOf('day');
  return t.plus({ days: (8 - t.weekday) % 7 }).set({ hour: 10 });
}

async function launch(definition: Record<string, unknown>) {
  const id = await insertCampaign(db.pool, parseCampaign({ name: 'win-back', category: 'marketing', brand: 'Acme', window: { start: '09:00', end: '20:00' }, holidays: 'ignore', ...definition }));
  const handle = await env.client.workflow.start('campaignWorkflow', { taskQueue: worker.taskQueue, workflowId: campaignWorkflowId(id), args: [{ campaignId: id, lanes: 2, batchSize: 5 }] });
  return { id, handle };
}

async function run(definition: Record<string, unknown>) {
  const { id, handle } = await launch(definition);
  await handle.result();
  return id;
}

/** Sent ledger rows of a campaign: contact -> step -> when reserved. */
async function sent(campaignId: number): Promise<Map<number, Map<string, Date>>> {
  const { rows } = await db.pool.query(`SELECT contact_id, step, reserved_at FROM send_ledger WHERE campaign_id = $1 AND state = 'sent'`, [campaignId]);
  const out = new Map<number, Map<string, Date>>();
  for (const r of rows) out.set(Number(r.contact_id), (out.get(Number(r.contact_id)) ?? new Map()).set(r.step, r.reserved_at));
  return out;
}

const event = (contactId: number, tag: string, at: DateTime) =>
  db.pool.query(`INSERT INTO events (event_id, contact_id, tag, raw_tag, occurred_at, source) VALUES ($1, $2, $3, $3, $4, 'test')`, [`${tag}-${contactId}`, contactId, tag, at.toJSDate()]);

const TWO_STEPS = {
  audience: { tiers: ['A'] },
  exitOn: ['purchase', 'opt_out'],
  templates: { sms: { en: 'Hi {{name}}, we miss you: 20% off at {{brand}}.' } },
  steps: [
    { id: 's1', channels: { A: 'sms' } },
    { id: 's2', waitDays: 3, channels: { A: 'email' }, templates: { email: { en: { subject: 'Still 20% off', text: 'Hi {{name}}, your 20% is waiting.' } } }, audience: { noEngagementSinceStep: true } },
  ],
};

describe('win-back journey', () => {
  it('step 2 reaches exactly those without a click, reply or order since step 1; a purchase exits; the holdout gets nothing', async () => {
    const roles = ['none', 'click', 'purchase', 'reply'] as const;
    // 32 people, 8 per role: the holdout (a quarter, by a hash of campaign and contact ids, which
    // differ per run) takes every one of a role with odds of 0.25^8, where 4 per role failed 1 run in 60.
    const people = Array.from({ length: 32 }, (_, i) => ({ phone: `+1212555${String(150 + i).padStart(4, '0')}`, name: `P${i}`, email: `p${i}@example.com`, role: roles[i % roles.length]! }));
    const ids = await seedContacts(db.pool, people);
    const monday = await nextMondayInNewYork();
    // What each contact does between the steps (a day after step 1, two before step 2).
    for (const [i, p] of people.entries()) {
      if (p.role === 'click') await event(ids[i]!, 'link_click', monday.plus({ days: 1 }));
      if (p.role === 'purchase') await event(ids[i]!, 'purchase', monday.plus({ days: 1 }));
      if (p.role === 'reply') await event(ids[i]!, 'sms_reply', monday.plus({ days: 1 }));
    }
    const campaignId = await run({ ...TWO_STEPS, startAt: monday.toISO(), holdout: { share: 0.25 } });

    const { rows: hold } = await db.pool.query(`SELECT contact_id FROM campaign_recipients WHERE campaign_id = $1 AND holdout`, [campaignId]);
    const holdout = new Set(hold.map((r) => Number(r.contact_id)));
    expect(holdout.size).toBeGreaterThan(0);
    expect(holdout.size).toBeLessThan(people.length);
    const treated = people.map((p, i) => ({ ...p, id: ids[i]! })).filter((p) => !holdout.has(p.id));
    for (const role of roles) expect(treated.some((p) => p.role === role), `a treated contact does ${role}`).toBe(true);

    const byContact = await sent(campaignId);
    // The holdout: nothing on any step, and a SKIP holdout for each.
    for (const id of holdout) expect(byContact.has(id)).toBe(false);
    const { rows: holdSkips } = await db.pool.query(`SELECT count(*)::int AS n FROM campaign_decisions WHERE campaign_id = $1 AND decision = 'SKIP' AND rule = 'holdout'`, [campaignId]);
    expect(holdSkips[0].n).toBe(holdout.size);
    // Step 1: every treated contact, by SMS, on Monday 10:00 New York.
    expect(new Set([...byContact].filter(([, s]) => s.has('s1')).map(([id]) => id))).toEqual(new Set(treated.map((p) => p.id)));
    for (const p of treated) expect(DateTime.fromJSDate(byContact.get(p.id)!.get('s1')!, { zone: 'America/New_York' }).toFormat('ccc HH')).toBe('Mon 10');
    // Step 2: exactly the treated contacts who did nothing, by e-mail, due three days later and
    // held by the contact policy's tier cadence (tier A: weekly, across channels) to a week after step 1.
    expect(new Set([...byContact].filter(([, s]) => s.has('s2')).map(([id]) => id))).toEqual(new Set(treated.filter((p) => p.role === 'none').map((p) => p.id)));
    const { rows: s2 } = await db.pool.query(`SELECT DISTINCT channel FROM send_ledger WHERE campaign_id = $1 AND step = 's2'`, [campaignId]);
    expect(s2).toEqual([{ channel: 'email' }]);
    for (const p of treated.filter((x) => x.role === 'none')) {
      const [s1, s2] = [byContact.get(p.id)!.get('s1')!, byContact.get(p.id)!.get('s2')!];
      expect(s2.getTime() - s1.getTime()).toBeGreaterThanOrEqual(7 * 86_400_000);
      expect(DateTime.fromJSDate(s2, { zone: 'America/New_York' }).toFormat('ccc HH')).toBe('Mon 10');
      const { rows } = await db.pool.query(`SELECT decision, rule, until FROM campaign_decisions WHERE campaign_id = $1 AND contact_id = $2 AND step = 's2' ORDER BY id`, [campaignId, p.id]);
      expect(rows.map((r) => `${r.decision} ${r.rule ?? ''}`.trim())).toEqual(['DEFER cap:tier-cadence-A', 'SEND']);
      expect(DateTime.fromJSDate(rows[0].until, { zone: 'America/New_York' }).toISODate()).toBe(monday.plus({ days: 7 }).toISODate());
    }
    // The others are skipped at step 2's send time, each with the rule that decided it.
    const { rows: skips } = await db.pool.query(`SELECT contact_id, rule FROM campaign_decisions WHERE campaign_id = $1 AND step = 's2' AND decision = 'SKIP'`, [campaignId]);
    const rules = new Map(skips.map((r) => [Number(r.contact_id), r.rule]));
    const expected = { click: 'journey_engaged:click', reply: 'journey_engaged:reply', purchase: 'journey_exit:purchase' } as const;
    for (const p of treated.filter((x) => x.role !== 'none')) expect(rules.get(p.id), `${p.name} (${p.role})`).toBe(expected[p.role as keyof typeof expected]);
    expect(rules.size).toBe(treated.filter((x) => x.role !== 'none').length);

    // Where the rows stand, by step: step 1 holds the whole audience (the holdout skipped), step 2
    // a row only for the treated contacts step 1 reached; `planned` is their sum, not the audience.
    const progress = await campaignProgress(db.pool, campaignId, new Date(await env.currentTimeMs()));
    const engaged = treated.filter((p) => p.role !== 'none').length;
    expect(progress.byStep).toEqual({ s1: { sent: treated.length, skipped: holdout.size }, s2: { sent: treated.length - engaged, skipped: engaged } });
    expect(progress.planned).toBe(people.length + treated.length);

    // The report: the funnel by step and the holdout next to the treated.
    const report = (await readCampaignReport(db.pool, campaignId, { attributionMs: 7 * 86_400_000 }))!;
    const byStep = Object.fromEntries(report.groups.filter((g) => g.dimension === 'step').map((g) => [g.key, g.counts.sent]));
    expect(byStep).toEqual({ s1: treated.length, s2: treated.filter((p) => p.role === 'none').length });
    expect(report.decisions.find((d) => d.reason === 'holdout')?.contacts).toBe(holdout.size);
    // Orders within the window after the start: the holdout's against the messaged audience's.
    const buyers = (ps: Array<{ id: number; role: string }>) => ps.filter((p) => p.role === 'purchase').length;
    const held = people.map((p, i) => ({ ...p, id: ids[i]! })).filter((p) => holdout.has(p.id));
    expect(report.holdout).toEqual({ holdout: { contacts: held.length, ordered: buyers(held) }, treated: { contacts: treated.length, ordered: buyers(treated) } });
    const shaped = shapeCampaignReport(report, '7d');
    expect(shaped.holdout!.uplift).toBeCloseTo(buyers(treated) / treated.length - buyers(held) / held.length);
    expect(renderReportText(shaped, PLAIN)).toMatch(/^ {2}uplift [+-]\d+\.\d points$/m);
  });

  it('an opt-out between the steps ends the journey on every channel (exitOn opt_out)', async () => {
    const [ann, ben] = await seedContacts(db.pool, [
      { phone: '+12125550180', name: 'Ann', email: 'ann@example.com' },
      { phone: '+12125550181', name: 'Ben', email: 'ben@example.com' },
    ]);
    const monday = await nextMondayInNewYork();
    const { id: campaignId, handle } = await launch({ ...TWO_STEPS, startAt: monday.toISO() });
    // The server's clock to step 1; then, while the workflow waits for step 2, Ann texts STOP.
    await env.sleep(monday.plus({ hours: 1 }).toMillis() - (await env.currentTimeMs()));
    for (let i = 0; i < 300; i++) {
      const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 AND step = 's1' AND state = 'sent'`, [campaignId]);
      if (rows[0].n === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await sent(campaignId)).size).toBe(2);
    await recordSuppression(db.pool, { contactId: ann!, channel: 'sms', kind: 'opt_out', source: 'sms_keyword' });
    await handle.result();
    // A journey's history for the replay test (test/replay.test.ts): step 1, the wait, step 2.
    if (process.env.RECORD_HISTORIES) writeFileSync(path.join(__dirname, 'histories', 'journey-two-steps.json'), historyToJSON(await handle.fetchHistory()));

    const byContact = await sent(campaignId);
    expect([...byContact.get(ann!)!.keys()]).toEqual(['s1']);
    expect([...byContact.get(ben!)!.keys()].sort()).toEqual(['s1', 's2']);
    // An SMS opt-out alone would not stop an e-mail: the journey's exit does, with its rule.
    const { rows } = await db.pool.query(`SELECT decision, rule FROM campaign_decisions WHERE campaign_id = $1 AND contact_id = $2 AND step = 's2'`, [campaignId, ann]);
    expect(rows).toEqual([{ decision: 'SKIP', rule: 'journey_exit:opt_out' }]);
  });
});
