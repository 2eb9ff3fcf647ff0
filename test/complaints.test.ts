import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { ParsedMail } from 'mailparser';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { campaignWorkflowId } from '../workflows/ids';
import { seedContacts } from './helpers/contacts';
import { runCli, type TestDatabase, type TestWorker } from './helpers/harness';
import { startStack, type Stack } from './helpers/stack';

// Complaints end to end: e-mail campaigns go through nodemailer to a real SMTP server, the
// messages that arrive there are reported back as RFC 5965 ARF reports and as a provider's JSON
// spam report through the real HTTP server; an SMS complaint reply arrives signed like Twilio's.
// The next campaign's decisions, taken at send time, read what the complaints wrote.

const NOW = new Date('2026-11-25T15:00:00Z'); // Wednesday 10:00 in New York
/** The worker's clock: the second e-mail goes after tier B's cadence (one marketing message per 14 days) has passed. */
let clock = NOW;
const AUTH_TOKEN = randomBytes(16).toString('hex');
const COMPLAINT_TOKEN = randomBytes(16).toString('hex');
const SECRET = randomBytes(24).toString('base64url');
const FROM = '+15005550006';
const EVE = '+12125550105';
const ZED = '+12125550107';

let stack: Stack;
let db: TestDatabase;
let worker: TestWorker;
let client: Client;
let base: string;
let ids: Record<string, number>;
let mails: ParsedMail[];
let logs: string[];

beforeAll(async () => {
  stack = await startStack({
    now: () => clock,
    authToken: AUTH_TOKEN,
    signingSecret: SECRET,
    sandbox: false,
    smtp: true,
    brand: 'Acme',
    server: (s) => ({ complaints: { token: COMPLAINT_TOKEN, now: () => NOW, log: (l) => s.logs.push(l) } }),
  });
  ({ db, worker, client, mails, logs } = stack);
  base = stack.publicBaseUrl;
  const seeded = await seedContacts(db.pool, [
    { phone: EVE, name: 'Eve', tier: 'B', email: 'eve@example.net' },
    { phone: ZED, name: 'Zed' },
  ]);
  ids = { [EVE]: seeded[0]!, [ZED]: seeded[1]! };
});

afterAll(() => stack?.stop());

/** A marketing campaign to these contacts, every tier (D too) mapped to one channel, run to its end. */
async function runCampaign(phones: string[], channel: 'sms' | 'email'): Promise<number> {
  const campaignId = await insertCampaign(
    db.pool,
    parseCampaign({
      name: `complaints ${channel}`,
      category: 'marketing',
      brand: 'Acme',
      audience: { contactIds: phones.map((p) => ids[p]!) },
      channels: { A: channel, B: channel, C: channel, D: channel },
      fallback: false,
      templates: channel === 'sms' ? { sms: { en: 'Hi {{name}}, 20% off at {{brand}}.' } } : { email: { en: { subject: 'Sale at {{brand}}', text: 'Hi {{name}}, 20% off this week.' } } },
      caps: { sms: [{ max: 10, perHours: 24 }], email: [{ max: 10, perHours: 24 }] },
    }),
  );
  await client.workflow.execute('campaignWorkflow', { taskQueue: worker.taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, lanes: 1, batchSize: 50 }] });
  return campaignId;
}

/** An ARF report (RFC 5965 appendix B.2's shape) of a message we sent, as a mailbox provider forwards it. */
function arf(original: ParsedMail, opts: { rcpt?: string | null; feedbackType?: string } = {}): string {
  const b = `arf_${randomBytes(6).toString('hex')}`;
  const rcpt = opts.rcpt === null ? [] : [`Original-Rcpt-To: <${opts.rcpt ?? 'eve@example.net'}>`];
  return [
    'From: <fbl@mailbox.example>',
    'To: <fbl@acme.example>',
    'Subject: FW: Sale at Acme',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=feedback-report;\r\n\tboundary="${b}"`,
    '',
    `--${b}`,
    'Content-Type: text/plain; charset="US-ASCII"',
    '',
    'This is an email abuse report for an email message received on Wed, 25 Nov 2026 15:01:00 +0000.',
    '',
    `--${b}`,
    'Content-Type: message/feedback-report',
    '',
    `Feedback-Type: ${opts.feedbackType ?? 'abuse'}`,
    'User-Agent: MailboxFBL/2.0',
    'Version: 1',
    'Original-Mail-From: <news@acme.example>',
    ...rcpt,
    'Arrival-Date: Wed, 25 Nov 2026 15:01:00 +0000',
    'Source-IP: 192.0.2.1',
    '',
    `--${b}`,
    'Content-Type: text/rfc822-headers',
    '',
    'From: news@acme.example',
    'To: redacted@mailbox.example',
    `Subject: ${original.subject}`,
    `Message-ID: ${original.messageId}`,
    '',
    `--${b}--`,
    '',
  ].join('\r\n');
}

const post = (path: string, body: string, type: string, token: string | null = COMPLAINT_TOKEN) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });

const contactRow = async (phone: string) =>
  (await db.pool.query('SELECT complaints, risk_points, score, tier, quarantined FROM contacts WHERE id = $1', [ids[phone]])).rows[0];
const suppressionsOf = async (phone: string) =>
  (await db.pool.query('SELECT channel, kind FROM suppressions WHERE contact_id = $1 ORDER BY channel, kind', [ids[phone]])).rows.map((r) => `${r.channel}:${r.kind}`);

describe('complaints, end to end', () => {
  let first: ParsedMail;
  let second: ParsedMail;

  it('two e-mail campaigns reach Eve through SMTP, each Message-ID naming its ledger row', async () => {
    await runCampaign([EVE], 'email');
    clock = new Date(NOW.getTime() + 15 * 86_400_000);
    await runCampaign([EVE], 'email');
    expect(mails).toHaveLength(2);
    [first, second] = mails as [ParsedMail, ParsedMail];
    const ledger = (await db.pool.query(`SELECT id, provider_id FROM send_ledger WHERE contact_id = $1 ORDER BY id`, [ids[EVE]])).rows;
    expect(ledger.map((l) => l.provider_id)).toEqual([first.messageId, second.messageId]);
    expect(first.messageId).toBe(`<rl-${ledger[0].id}@acme.example>`);
  });

  it('the webhooks refuse requests without the token, and bad input with a clear 4xx', async () => {
    expect((await post('/webhooks/email/arf', arf(first), 'message/rfc822', null)).status).toBe(401);
    expect((await post('/webhooks/email/arf', arf(first), 'message/rfc822', 'x'.repeat(32))).status).toBe(401);
    expect((await post('/webhooks/email/complaint', '{}', 'application/json', null)).status).toBe(401);
    const notArf = await post('/webhooks/email/arf', 'Subject: hello\r\n\r\nhi', 'message/rfc822');
    expect(notArf.status).toBe(400);
    expect(((await notArf.json()) as { error: string }).error).toMatch(/not an ARF feedback report/);
    expect((await post('/webhooks/email/complaint', '{not json', 'application/json')).status).toBe(400);
    const missing = await post('/webhooks/email/complaint', JSON.stringify({ email: 'eve@example.net' }), 'application/json');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toMatch(/message_id/);
    const foreign = await post('/webhooks/email/arf', arf({ ...first, messageId: '<8787KJKJ3K4J3K4J3K4J3.mail@example.net>' } as ParsedMail), 'message/rfc822');
    expect(foreign.status).toBe(422);
    const forged = await post('/webhooks/email/arf', arf({ ...first, messageId: first.messageId!.replace('acme.example', 'evil.example') } as ParsedMail), 'message/rfc822');
    expect(forged.status).toBe(422);
    // Somebody else's address with Eve's message: nobody can mark a contact with another's report.
    const mismatch = await post('/webhooks/email/complaint', JSON.stringify({ email: 'mallory@example.org', message_id: first.messageId, event: 'spamreport' }), 'application/json');
    expect(mismatch.status).toBe(422);
    expect(await mismatch.json()).toMatchObject({ result: 'recipient_mismatch' });
    const notAbuse = await post('/webhooks/email/arf', arf(first, { feedbackType: 'not-spam' }), 'message/rfc822');
    expect(await notAbuse.json()).toEqual({ result: 'ignored', feedback_type: 'not-spam' });
    expect((await contactRow(EVE)).complaints).toBe(0);
    expect(logs.join('\n')).not.toContain('mallory@example.org');
  });

  it('an ARF report of the first e-mail: one complaint, e-mail suppressed, more risk; its replay changes nothing', async () => {
    const before = await contactRow(EVE);
    const r = await post('/webhooks/email/arf', arf(first), 'message/rfc822');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ result: 'recorded', complaints: 1, blocked: false });
    const after = await contactRow(EVE);
    expect(after.complaints).toBe(1);
    expect(after.risk_points).toBe(before.risk_points + 25); // score policy risk.complaints.pointsEach
    const parts = (await db.pool.query('SELECT score_parts FROM contacts WHERE id = $1', [ids[EVE]])).rows[0].score_parts;
    expect(parts).toContainEqual(['risk', 'complaints', 1, -25, 'risk.complaints']);
    expect(after.tier).not.toBe('D');
    expect(await suppressionsOf(EVE)).toEqual(['email:complaint']);

    const replay = await post('/webhooks/email/arf', arf(first), 'message/rfc822');
    expect(await replay.json()).toEqual({ result: 'replayed' });
    // The same message reported again by the provider's webhook is the same complaint.
    const again = await post('/webhooks/email/complaint', JSON.stringify([{ email: 'EVE@example.net', message_id: first.messageId, event: 'spamreport', timestamp: 1795575000 }]), 'application/json');
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ results: [{ index: 0, result: 'replayed' }] });
    expect(await contactRow(EVE)).toEqual(after);
    expect(await suppressionsOf(EVE)).toEqual(['email:complaint']);
  });

  it('a second complaint (the provider spam report of the second e-mail) reaches the threshold: tier D and the block list', async () => {
    const r = await post('/webhooks/email/complaint', JSON.stringify({ email: 'eve@example.net', message_id: second.messageId, event: 'spamreport' }), 'application/json');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ result: 'recorded', complaints: 2, blocked: true });
    const row = await contactRow(EVE);
    expect(row).toMatchObject({ complaints: 2, tier: 'D' });
    expect(await suppressionsOf(EVE)).toEqual(['all:complaint', 'email:complaint']);
    const history = (await db.pool.query('SELECT to_tier, cause, reasons FROM tier_history WHERE contact_id = $1 ORDER BY at, id', [ids[EVE]])).rows;
    expect(history.at(-1)).toMatchObject({ to_tier: 'D', cause: 'complaint:email' });
    expect(history.at(-1).reasons.join(' ')).toMatch(/complaints 2 >= 2: block list \(complaint-block-list\)/);
  });

  it('the next marketing campaign skips her, on SMS too', async () => {
    const campaignId = await runCampaign([EVE], 'sms');
    const d = (await db.pool.query('SELECT decision, reason FROM campaign_decisions WHERE campaign_id = $1', [campaignId])).rows;
    // Two complaints are also the score policy's quarantine (2 x 25 risk points = 50), which the
    // decision checks first; the block list's own SKIP 'complaint' is in the decision table tests.
    expect(d).toEqual([{ decision: 'SKIP', reason: 'quarantined' }]);
    expect((await contactRow(EVE)).quarantined).toBe(true);
    expect(mails).toHaveLength(2);
  });

  it('an SMS reply that complains (骚扰) is a complaint with its proof, not an engagement', async () => {
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const params = { AccountSid: `AC${'0'.repeat(32)}`, Body: '别再发了，这是骚扰短信', From: ZED, To: FROM, MessageSid: sid, SmsSid: sid, SmsStatus: 'received', NumMedia: '0' };
    const url = `${base}/webhooks/twilio/inbound`;
    const send = () =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params) }, body: new URLSearchParams(params).toString() });
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200); // replayed
    expect((await contactRow(ZED)).complaints).toBe(1);
    expect(await suppressionsOf(ZED)).toContain('sms:complaint');
    const [c] = (await db.pool.query('SELECT channel, source, report_key, proof FROM complaints WHERE contact_id = $1', [ids[ZED]])).rows;
    expect(c).toMatchObject({ channel: 'sms', source: 'sms_reply', report_key: `sms:reply:${sid}`, proof: { messageSid: sid, keyword: '骚扰' } });
    const replies = await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE contact_id = $1 AND tag = 'sms_reply'`, [ids[ZED]]);
    expect(replies.rows[0].n).toBe(0);
  });

  it('reachloop contact show lists the complaints', async () => {
    const r = await runCli(['contact', 'show', '--reason', 'test read', EVE, '--json'], { DATABASE_URL: db.url });
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.complaints.count).toBe(2);
    expect(p.complaints.list.map((k: { channel: string; source: string }) => `${k.channel} ${k.source}`)).toEqual(['email arf', 'email provider_webhook']);
    expect(p.complaints.list[0].proof).toMatchObject({ feedbackType: 'abuse', recipient: 'e***@example.net', messageId: first.messageId });
    const text = await runCli(['contact', 'show', '--reason', 'test read', EVE], { DATABASE_URL: db.url });
    expect(text.stdout).toMatch(/complaints: 2/);
  });
});
