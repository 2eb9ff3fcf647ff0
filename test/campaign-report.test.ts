import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCampaign } from '../core/campaign/definition';
import { emptyCounts, holdoutReport, type CampaignReport } from '../core/campaign/report';
import { chartLibrarySource } from '../client/campaign-report/chart-library';
import { renderReportHtml } from '../client/campaign-report/html';
import { insertCampaign } from '../db/campaigns';
import { publicIdOf } from '../db/public-ids';
import { projectRoot } from '../infra/paths';
import type { TwilioSandbox } from '../sandbox/twilio-server';
import { campaignWorkflowId } from '../workflows/ids';
import type { CampaignStatus } from '../workflows/messages/campaign';
import { renderedReport } from './helpers/browser';
import { seedContacts } from './helpers/contacts';
import { runCli, type TestDatabase, type TestWorker } from './helpers/harness';
import { startStack, type Stack } from './helpers/stack';

// `reachloop campaign report` on a real campaign: the worker (real Temporal, pinned clock) sends
// through the real `twilio` library to the local Twilio-shaped server and through nodemailer to a
// real SMTP server; the sandbox's signed status callbacks and handset replies (a question, a STOP)
// reach the real HTTP server, a tracked link is opened, orders come in through the events API.
// The report, run as a child process (text, --json, --html), must match the ledger exactly; the
// HTML file is opened in headless Chromium, which must draw every chart and fetch nothing.

const OCTOBER_AT = new Date('2026-10-23T15:00:00Z'); // a Friday, 11:00 in New York, 33 days before
const WARM_UP_AT = new Date('2026-11-25T15:00:00Z'); // a Wednesday, 10:00 in New York
const SEND_AT = new Date('2026-11-25T17:00:00Z'); // 12:00 in New York, 17:00 in London, 02:00 in Tokyo
const AUTH_TOKEN = randomBytes(16).toString('hex');
const SECRET = randomBytes(24).toString('base64url');
const API_TOKEN = randomBytes(16).toString('hex');
const PHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

const ANN = '+12125550501'; // delivered, opens the link, orders
const BEN = '+12125550502'; // delivered, replies with a question; ordered the day before (not counted)
const CAT = '+12125550503'; // tier C, delivered, replies STOP
const DEE = '+12125550513'; // undelivered 30003; orders eight days later (outside 7d, inside 9d)
const EVE = '+12125550505'; // tier B: e-mail
const LEO = '+447400000001'; // London: 17:00 local
const KEN = '+819012000001'; // Tokyo at 02:00: outside every window until past the deadline
const MAX = '+12125550506'; // texted by the warm-up two hours before: capped; his reply is the warm-up's
const ZOE = '+12125550507'; // texted in October too; her reply after this campaign is this campaign's, not October's

let stack: Stack;
let db: TestDatabase;
let sandbox: TwilioSandbox;
let worker: TestWorker;
let client: Client;
let publicBaseUrl: string;
let env: Record<string, string>;
let ids: Record<string, number>;
let clock = OCTOBER_AT; // the worker's decision clock
let serverClock = OCTOBER_AT; // the HTTP server's: replies, clicks and events happen after the sends
let october: number;
let warmUp: number;
let main: number;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-report-'));

beforeAll(async () => {
  stack = await startStack({
    now: () => clock,
    authToken: AUTH_TOKEN,
    signingSecret: SECRET,
    sandbox: { inbound: true, rules: [{ to: DEE, errorCode: 30003 }] },
    sms: { clockSkewMs: 10 * 365 * 86_400_000 },
    smtp: true,
    server: {
      twilio: { brand: 'Acme', now: () => serverClock },
      events: { apiToken: API_TOKEN, now: () => serverClock },
      unsubscribe: { secret: SECRET },
    },
  });
  ({ db, worker, client, publicBaseUrl, env } = stack);
  sandbox = stack.sandbox!;
  const people = [
    { phone: ANN, name: 'Ann' },
    { phone: BEN, name: 'Ben' },
    { phone: CAT, name: 'Cat', tier: 'C' as const },
    { phone: DEE, name: 'Dee' },
    { phone: EVE, name: 'Eve', tier: 'B' as const, email: 'eve@example.net' },
    { phone: LEO, name: 'Leo' },
    { phone: KEN, name: 'Ken' },
    { phone: MAX, name: 'Max' },
    { phone: ZOE, name: 'Zoe' },
  ];
  const seeded = await seedContacts(db.pool, people);
  ids = Object.fromEntries(people.map((p, i) => [p.phone, seeded[i]!]));

  october = await runCampaign('october', [ZOE]);
  clock = WARM_UP_AT;
  warmUp = await runCampaign('warm-up', [MAX]);
  clock = SEND_AT;
  main = await runCampaign('winter sale', Object.keys(ids));
  await sandbox.idle(); // every status callback applied

  // What recipients did afterwards, on the server's clock.
  serverClock = new Date(SEND_AT.getTime() + 3_600_000);
  const [code] = [...sandbox.messages({ to: ANN, direction: 'outbound-api' }).at(-1)!.body.matchAll(/\/l\/([0-9A-Za-z]+)/g)].map((m) => m[1]!);
  expect((await fetch(`${publicBaseUrl}/l/${code}`, { redirect: 'manual', headers: { 'user-agent': PHONE_UA } })).status).toBe(302);
  await sandbox.reply(BEN, undefined, 'Do you have the coat in blue?');
  await sandbox.reply(CAT, undefined, 'STOP');
  await sandbox.reply(MAX, undefined, 'Thanks, see you Saturday');
  await sandbox.reply(ZOE, undefined, 'Is the sale on in the Brooklyn shop?');
  await postOrders([
    { id: 'o-ann', contact: ANN, at: new Date(SEND_AT.getTime() + 2 * 3_600_000) },
    { id: 'o-ben', contact: BEN, at: new Date(SEND_AT.getTime() - 86_400_000) },
  ]);
  serverClock = new Date(SEND_AT.getTime() + 8 * 86_400_000);
  await postOrders([{ id: 'o-dee', contact: DEE, at: serverClock }]);
});

afterAll(() => stack?.stop());

async function runCampaign(name: string, phones: string[]): Promise<number> {
  const id = await insertCampaign(
    db.pool,
    parseCampaign({
      name,
      category: 'marketing',
      brand: 'Acme',
      audience: { contactIds: phones.map((p) => ids[p]!) },
      channels: { A: 'sms', B: 'email', C: 'sms' },
      fallback: false,
      templates: {
        sms: { en: 'Hi {{name}}, winter sale at {{brand}}: https://shop.example/winter' },
        email: { en: { subject: 'Winter sale, {{name}}', text: 'Hi {{name}}, winter sale at {{brand}}: https://shop.example/winter' } },
      },
      links: { track: true },
      deadline: new Date(clock.getTime() + 3_600_000).toISOString(),
    }),
  );
  const status = (await client.workflow.execute('campaignWorkflow', { taskQueue: worker.taskQueue, workflowId: campaignWorkflowId(id), args: [{ campaignId: id, lanes: 1, batchSize: 50 }] })) as CampaignStatus;
  expect(status.phase).toBe('completed');
  return id;
}

async function postOrders(orders: Array<{ id: string; contact: string; at: Date }>): Promise<void> {
  // The API names contacts by their reference (ct_…), as `contact show` prints it.
  const events = [];
  for (const o of orders) events.push({ event_id: o.id, event: 'order_paid', contact_id: await publicIdOf(db.pool, ids[o.contact]!), occurred_at: o.at.toISOString(), properties: { order_id: o.id, product_id: 'coat', price: 120 } });
  const r = await fetch(`${publicBaseUrl}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
  expect(r.status, await r.text()).toBe(200);
}

async function report(id: number, ...flags: string[]): Promise<CampaignReport> {
  const r = await runCli(['campaign', 'report', String(id), '--json', ...flags], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** The campaign's ledger as SQL sees it, without the report's code: what the report must match. */
async function ledgerTruth(campaignId: number) {
  const { rows } = await db.pool.query(
    `SELECT channel, state, count(*)::int AS n, COALESCE(sum(segments), 0)::int AS segments
     FROM send_ledger WHERE campaign_id = $1 AND state <> 'released' GROUP BY channel, state ORDER BY channel, state`,
    [campaignId],
  );
  return rows;
}

const counts = { messages: 0, sent: 0, delivered: 0, undelivered: 0, failed: 0, unknown: 0, pending: 0, clicked: 0, replied: 0, ordered: 0, optedOut: 0, clicks: 0, segments: 0 };

describe('reachloop campaign report', () => {
  it('--json: the funnel, decisions and caps match the ledger and what the recipients did', async () => {
    const truth = await ledgerTruth(main);
    expect(truth.map(({ channel, state, n }) => ({ channel, state, n }))).toEqual([
      { channel: 'email', state: 'sent', n: 1 },
      { channel: 'sms', state: 'delivered', n: 5 },
      { channel: 'sms', state: 'undelivered', n: 1 },
    ]);
    const segments = truth.reduce((s, r) => s + r.segments, 0);
    const sids = new Set((await db.pool.query('SELECT provider_id FROM send_ledger WHERE campaign_id = $1', [main])).rows.map((r) => r.provider_id));
    const billed = sandbox.messages({ direction: 'outbound-api' }).filter((m) => sids.has(m.sid));
    expect(billed).toHaveLength(6);
    expect(segments).toBe(billed.reduce((s, m) => s + m.numSegments, 0));

    const r = await report(main);
    expect(r.campaign).toMatchObject({ id: main, name: 'winter sale', category: 'marketing', status: 'completed' });
    expect(r.recipients).toEqual({ planned: 9, byState: { sent: 7, skipped: 2 } });
    const { rates, ...funnel } = r.funnel;
    expect(funnel).toEqual({ ...counts, messages: 7, sent: 7, delivered: 5, undelivered: 1, clicked: 1, replied: 2, ordered: 1, optedOut: 1, clicks: 1, segments });
    expect(rates).toEqual({ delivered: 5 / 7, clicked: 1 / 7, replied: 2 / 7, ordered: 1 / 7, optedOut: 1 / 7 });

    // Every decision stored, by kind, reason and rule; the two held back name their rules.
    const stored = await db.pool.query('SELECT decision, reason, rule, contact_id FROM campaign_decisions WHERE campaign_id = $1', [main]);
    expect(r.decisions.reduce((n, d) => n + d.decisions, 0)).toBe(stored.rows.length);
    expect(r.decisions[0]).toEqual({ decision: 'SEND', reason: 'ok', rule: null, decisions: 7, contacts: 7 });
    const held = Object.fromEntries(stored.rows.filter((d) => d.decision !== 'SEND').map((d) => [d.contact_id, d]));
    expect(held[ids[KEN]!]).toMatchObject({ decision: 'SKIP', reason: 'deadline_passed', rule: expect.stringMatching(/^outside_window:/) });
    expect(held[ids[MAX]!]).toMatchObject({ decision: 'SKIP', reason: 'deadline_passed', rule: expect.stringMatching(/^cap:/) });
    expect(r.decisions.slice(1)).toEqual(
      expect.arrayContaining([
        { decision: 'SKIP', reason: 'deadline_passed', rule: held[ids[KEN]!].rule, decisions: 1, contacts: 1 },
        { decision: 'SKIP', reason: 'deadline_passed', rule: held[ids[MAX]!].rule, decisions: 1, contacts: 1 },
      ]),
    );
    expect(r.caps).toEqual([{ rule: held[ids[MAX]!].rule, decisions: 1, contacts: 1 }]);
  });

  it('--json: by step, tier, channel, country and the recipient-local hour of the send', async () => {
    const r = await report(main);
    const segmentsOf = async (phones: string[]) =>
      (await db.pool.query('SELECT COALESCE(sum(segments), 0)::int AS s FROM send_ledger WHERE campaign_id = $1 AND contact_id = ANY($2::bigint[])', [main, phones.map((p) => ids[p])])).rows[0].s;
    const sms = { ...counts, messages: 6, sent: 6, delivered: 5, undelivered: 1, clicked: 1, replied: 2, ordered: 1, optedOut: 1, clicks: 1, segments: r.funnel.segments };
    const email = { ...counts, messages: 1, sent: 1 };
    expect(r.by.step).toEqual([{ key: 'main', ...sms, messages: 7, sent: 7 }]);
    expect(r.by.channel).toEqual([
      { key: 'sms', ...sms },
      { key: 'email', ...email },
    ]);
    // The tier each recipient had when the campaign was planned: Zoe's October delivery re-scored her into C.
    const tiers = await db.pool.query('SELECT contact_id, tier FROM campaign_recipients WHERE campaign_id = $1', [main]);
    expect(tiers.rows.find((t) => Number(t.contact_id) === ids[ZOE])!.tier).toBe('C');
    expect(r.by.tier).toEqual([
      { key: 'A', ...counts, messages: 4, sent: 4, delivered: 3, undelivered: 1, clicked: 1, replied: 1, ordered: 1, clicks: 1, segments: await segmentsOf([ANN, BEN, DEE, LEO]) },
      { key: 'B', ...email },
      { key: 'C', ...counts, messages: 2, sent: 2, delivered: 2, replied: 1, optedOut: 1, segments: await segmentsOf([CAT, ZOE]) },
    ]);
    expect(r.by.country).toEqual([
      { key: 'US', ...counts, messages: 6, sent: 6, delivered: 4, undelivered: 1, clicked: 1, replied: 2, ordered: 1, optedOut: 1, clicks: 1, segments: await segmentsOf([ANN, BEN, CAT, DEE, ZOE]) },
      { key: 'GB', ...counts, messages: 1, sent: 1, delivered: 1, segments: await segmentsOf([LEO]) },
    ]);
    // 17:00 UTC is 12:00 in New York (EST) and 17:00 in London (GMT).
    expect(r.by.localHour.map((h) => [h.key, h.sent])).toEqual([
      ['12', 6],
      ['17', 1],
    ]);
  });

  it('a reply goes to the contact\'s last message before it, within the window; --within moves the window', async () => {
    const w = await report(warmUp);
    expect(w.funnel).toMatchObject({ sent: 1, delivered: 1, replied: 1 }); // Max: this campaign held him back
    // Zoe answered after this campaign's message: 40 days reach back to October, but the credit is this campaign's.
    const oct = await report(october, '--within', '40d');
    expect(oct.funnel).toMatchObject({ sent: 1, delivered: 1, replied: 0, ordered: 0 });
    const nine = await report(main, '--within', '9d');
    expect(nine.funnel.ordered).toBe(2); // Dee's order eight days after the send
    expect(nine.attribution).toMatchObject({ window: '9d', windowMs: 9 * 86_400_000 });
    const bad = await runCli(['campaign', 'report', String(main), '--within', 'soon'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--within must be a duration/);
    const missing = await runCli(['campaign', 'report', '999999999999'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('error: no campaign 999999999999');
  });

  it('text: readable tables, plain when piped', async () => {
    const r = await runCli(['campaign', 'report', String(main)], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect(r.stdout).toMatch(/^campaign \d+ winter sale \(marketing\): completed$/m);
    expect(r.stdout).toMatch(/^ {2}recipients 9: sent 7, skipped 2$/m);
    expect(r.stdout).toMatch(/^ {2}sent +7 +100%$/m);
    expect(r.stdout).toMatch(/^ {2}delivered +5 +71\.4%$/m);
    expect(r.stdout).toMatch(/^ {2}SKIP +deadline_passed +cap:\S+ +1 +1$/m);
    expect(r.stdout).toMatch(/^by recipient-local hour of the send\n {2}hour .*\n {2}12 +6 +/m);
    const colour = await runCli(['campaign', 'report', String(main)], { ...env, FORCE_COLOR: '1' });
    expect(colour.stdout).toMatch(/\x1b\[1;36mcampaign \d+ winter sale/);
  });

  it('--html: a self-contained file whose charts Chromium draws with no network request', async () => {
    const file = path.join(dir, 'report.html');
    const r = await runCli(['campaign', 'report', String(main), '--html', file, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`HTML report written to ${file}`);
    const json: CampaignReport = JSON.parse(r.stdout);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|sourceMappingURL/);
    expect(html).toContain('Chart.js v4.6.2');

    const record = process.env.RECORD_SCREENSHOTS === '1';
    const shot = record ? path.join(projectRoot, 'docs', 'campaign-report.png') : path.join(dir, 'campaign-report.png');
    const page = await renderedReport(file, shot);
    expect(page.requests).toEqual([`file://${file}`]);
    expect(page.errors).toEqual([]);
    expect(page.charts.map((c) => c.id)).toEqual(['funnel', 'tier', 'decisions', 'local-hour', 'channel', 'country', 'step']);
    const funnel = page.charts.find((c) => c.id === 'funnel')!;
    expect(funnel.labels).toEqual(['sent', 'delivered', 'clicked', 'replied', 'ordered', 'opted out']);
    expect(funnel.datasets[0]!.data).toEqual([7, 5, 1, 2, 1, 1]);
    const hours = page.charts.find((c) => c.id === 'local-hour')!;
    expect(hours.labels).toHaveLength(24);
    expect(hours.datasets[0]!.data[12]).toBe(6);
    expect(hours.datasets[0]!.data[17]).toBe(1);
    expect(page.charts.find((c) => c.id === 'decisions')!.labels).toEqual(json.decisions.map((d) => `${d.decision} ${d.rule ?? d.reason}`));
    // Each non-empty dataset painted bars in its own colour.
    for (const c of page.charts) for (const d of c.datasets) if (d.data.some((v) => v > 0)) expect(d.paintedPixels, `${c.id} ${d.label}`).toBeGreaterThan(50);
    expect(page.tableText).toContain('Decisions');
    // One step and no holdout: no step funnels, no holdout section.
    expect(html).not.toContain('id="journey"');
    expect(existsSync(shot)).toBe(true);
  });

  it('--html of a journey with a holdout: each step\'s funnel and the holdout comparison, drawn', async () => {
    // The figures of a two-step journey with a holdout as the report shapes them (the database's
    // side is test/journey.test.ts's); the page must draw them.
    const base = await report(main);
    const step = (key: string, c: Partial<CampaignReport['funnel']>) => ({ key, ...emptyCounts(), ...c });
    const journey: CampaignReport = {
      ...base,
      by: { ...base.by, step: [step('s1', { messages: 40, sent: 40, delivered: 36, undelivered: 4, clicked: 9, replied: 3, ordered: 5, optedOut: 2 }), step('s2', { messages: 22, sent: 22, delivered: 22, clicked: 4, ordered: 2 })] },
      holdout: holdoutReport({ holdout: { contacts: 10, ordered: 1 }, treated: { contacts: 44, ordered: 7 } }),
    };
    const file = path.join(dir, 'journey-report.html');
    writeFileSync(file, renderReportHtml(journey, { chartLibrary: chartLibrarySource(), generatedAt: '2026-12-01T10:00:00Z' }));
    const page = await renderedReport(file, path.join(dir, 'journey-report.png'));
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([`file://${file}`]);
    expect(page.charts.map((c) => c.id)).toEqual(['funnel', 'tier', 'decisions', 'local-hour', 'channel', 'country', 'step', 'step-funnel-s1', 'step-funnel-s2', 'holdout']);
    const s1 = page.charts.find((c) => c.id === 'step-funnel-s1')!;
    expect(s1.labels).toEqual(['sent', 'delivered', 'clicked', 'replied', 'ordered', 'opted out']);
    expect(s1.datasets[0]!.data).toEqual([40, 36, 9, 3, 5, 2]);
    expect(page.charts.find((c) => c.id === 'step-funnel-s2')!.datasets[0]!.data).toEqual([22, 22, 4, 0, 2, 0]);
    // Conversion in per cent: 7 of 44 messaged (15.9%) against 1 of 10 held out (10%).
    const holdout = page.charts.find((c) => c.id === 'holdout')!;
    expect(holdout.labels).toEqual(['messaged', 'holdout']);
    expect(holdout.datasets[0]!.data).toEqual([15.9, 10]);
    for (const c of page.charts) for (const d of c.datasets) if (d.data.some((v) => v > 0)) expect(d.paintedPixels, `${c.id} ${d.label}`).toBeGreaterThan(50);
    expect(page.tableText).toMatch(/Holdout \(never messaged\) against the audience messaged/);
    expect(page.tableText).toMatch(/messaged\s+44\s+7\s+15\.9%/);
    expect(page.tableText).toMatch(/holdout\s+10\s+1\s+10(\.0)?%/);
    expect(page.tableText).toContain('+5.9 points');
    expect(page.tableText).toMatch(/By step\nstep\s+sent[^\n]*\ns1\s+40\s+36/);
  });
});
