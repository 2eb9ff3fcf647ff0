import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { ParsedMail } from 'mailparser';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { phoneHash } from '../db/contacts';
import { webhookAuthToken } from '../infra/channels';
import { loadConfig } from '../infra/config';
import type { TwilioSandbox } from '../sandbox/twilio-server';
import { buildServer } from '../server';
import { campaignWorkflowId } from '../workflows/ids';
import type { CampaignStatus } from '../workflows/messages/campaign';
import { seedContacts, sealedText } from './helpers/contacts';
import { runCli, type TestDatabase, type TestWorker } from './helpers/harness';
import { startStack, type Stack } from './helpers/stack';

// The feedback loop end to end: campaigns send through the real `twilio` library to the local
// Twilio-shaped server and through nodemailer to a real SMTP server; the sandbox's signed status
// callbacks and handset replies reach the real HTTP server; outcomes, opt-outs and unsubscribes
// land on the contacts, visible through `reachloop contact show --json` (a child process).

// Decisions are taken at a pinned instant inside New York's send window (a Wednesday, no holiday);
// the HTTP server and the sandbox run in real time.
const NOW = new Date('2026-11-25T15:00:00Z'); // 10:00 in New York
const AUTH_TOKEN = randomBytes(16).toString('hex');
const SECRET = randomBytes(24).toString('base64url');
const FROM = '+15005550006';

const ANN = '+12125550101'; // replies STOP
const BEN = '+12125550102'; // delivered
const DEAD = '+12125550113'; // the sandbox answers 30003 every time
const LOST = '+12125550104'; // the API response of the first send is lost
const EVE = '+12125550105'; // e-mail only (tier B), unsubscribes with one click
const CARL = '+12125550106'; // HELP, START, replays

let stack: Stack;
let db: TestDatabase;
let sandbox: TwilioSandbox;
let worker: TestWorker;
let client: Client;
let publicBaseUrl: string;
let ids: Record<string, number>;
let mails: ParsedMail[];
let logs: string[];

beforeAll(async () => {
  stack = await startStack({
    now: () => NOW,
    authToken: AUTH_TOKEN,
    signingSecret: SECRET,
    sandbox: {
      inbound: true,
      rules: [
        { to: DEAD, errorCode: 30003 },
        { to: LOST, loseResponse: 'reset', times: 1 },
      ],
    },
    smtp: {
      onRcptTo(address, _session, cb) {
        if (address.address.startsWith('nobody@')) return cb(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
        cb();
      },
    },
    brand: 'Acme',
    server: (s) => ({ unsubscribe: { secret: SECRET, log: (l) => s.logs.push(l) } }),
  });
  ({ db, worker, client, publicBaseUrl, mails, logs } = stack);
  sandbox = stack.sandbox!;
  const seeded = await seedContacts(db.pool, [
    { phone: ANN, name: 'Ann' },
    { phone: BEN, name: 'Ben' },
    { phone: DEAD, name: 'Dee' },
    { phone: LOST, name: 'Lou' },
    { phone: EVE, name: 'Eve', tier: 'B', email: 'eve@example.net' },
    { phone: CARL, name: 'Carl' },
  ]);
  ids = Object.fromEntries([ANN, BEN, DEAD, LOST, EVE, CARL].map((p, i) => [p, seeded[i]!]));
});

afterAll(() => stack?.stop());

/**
 * Runs a marketing campaign to these contacts on one channel (every tier mapped to it: outcomes
 * re-score and re-tier the contacts as they go) and waits for it and every callback it causes.
 */
async function runCampaign(phones: string[], channel: 'sms' | 'email' = 'sms', category: 'marketing' | 'transactional' = 'marketing'): Promise<{ campaignId: number; status: CampaignStatus }> {
  const campaignId = await insertCampaign(
    db.pool,
    parseCampaign({
      name: `feedback ${channel}`,
      category,
      brand: 'Acme',
      audience: { contactIds: phones.map((p) => ids[p]!) },
      channels: { A: channel, B: channel, C: channel, D: channel },
      fallback: false,
      templates: channel === 'sms' ? { sms: { en: 'Hi {{name}}, 20% off at {{brand}} this week.' } } : { email: { en: { subject: 'Sale at {{brand}}', text: 'Hi {{name}}, 20% off this week.' } } },
      caps: { sms: [{ max: 10, perHours: 24 }], email: [{ max: 10, perHours: 24 }] },
    }),
  );
  const status = await client.workflow.execute('campaignWorkflow', { taskQueue: worker.taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, lanes: 1, batchSize: 50 }] });
  await sandbox.idle();
  return { campaignId, status: status as CampaignStatus };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function show(phone: string): Promise<any> {
  const r = await runCli(['contact', 'show', '--reason', 'test read', phone, '--json'], { DATABASE_URL: db.url });
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const decisionsOf = async (campaignId: number) =>
  Object.fromEntries(
    (await db.pool.query('SELECT contact_id, decision, reason FROM campaign_decisions WHERE campaign_id = $1 ORDER BY id', [campaignId])).rows.map((r) => [
      Number(r.contact_id),
      `${r.decision} ${r.reason}`,
    ]),
  );

/** A request signed as Twilio signs it (the twilio library), POSTed form-encoded. */
function signedPost(path: string, params: Record<string, string>, opts: { token?: string; tamper?: Record<string, string> } = {}) {
  const url = `${publicBaseUrl}${path}`;
  const signature = twilio.getExpectedTwilioSignature(opts.token ?? AUTH_TOKEN, url, params);
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams({ ...params, ...opts.tamper }).toString(),
  });
}

const inbound = (from: string, body: string, sid = `SM${randomBytes(16).toString('hex')}`) => ({
  AccountSid: sandbox.accountSid,
  ApiVersion: '2010-04-01',
  Body: body,
  From: from,
  MessageSid: sid,
  NumMedia: '0',
  SmsMessageSid: sid,
  SmsSid: sid,
  SmsStatus: 'received',
  To: FROM,
});

const suppressionsOf = async (phone: string) =>
  (await db.pool.query('SELECT channel, kind, source FROM suppressions WHERE contact_id = $1 ORDER BY channel, kind', [ids[phone]])).rows;

describe('the feedback loop, end to end', () => {
  let emailCampaign: number;

  it('a campaign sends through twilio and SMTP; signed status callbacks update the ledger and the contacts', async () => {
    const { campaignId, status } = await runCampaign([ANN, BEN, DEAD]);
    emailCampaign = (await runCampaign([EVE], 'email')).campaignId;
    expect(status.phase).toBe('completed');
    const ledger = Object.fromEntries(
      (await db.pool.query('SELECT contact_id, channel, state, provider_id, provider_status, error_code, feedback_at FROM send_ledger WHERE campaign_id = $1', [campaignId])).rows.map((r) => [
        Number(r.contact_id),
        r,
      ]),
    );
    expect(ledger[ids[BEN]!]).toMatchObject({ channel: 'sms', state: 'delivered', provider_status: 'delivered', error_code: null });
    expect(ledger[ids[BEN]!].feedback_at).not.toBeNull();
    expect(ledger[ids[DEAD]!]).toMatchObject({ state: 'undelivered', provider_status: 'undelivered', error_code: '30003' });
    expect(mails).toHaveLength(1);
    // Every callback was signed and accepted: none was refused.
    const callbacks = sandbox.messages({ direction: 'outbound-api' }).flatMap((m) => m.callbacks);
    expect(callbacks).toHaveLength(9); // queued, sent, delivered | undelivered for each of three
    expect(callbacks.every((c) => c.httpStatus === 200)).toBe(true);

    const ben = await show(BEN);
    expect(ben.validity).toBe('reachable');
    expect(ben.activity).toMatchObject({ messagesSent: 1, messagesDelivered: 1, consecutiveFailures: 0 });
    expect(ben.deliveries[0]).toMatchObject({ channel: 'sms', state: 'delivered', providerStatus: 'delivered' });

    const dee = await show(DEAD);
    expect(dee).toMatchObject({ numberStatus: 'switched_off', validity: 'suspected_disconnected', smsEligible: true });
    expect(dee.activity).toMatchObject({ consecutiveFailures: 1, messagesSent: 1, lastOutcome: { status: 'undelivered', errorCode: 30003 } });
    expect(dee.recheckAfter).not.toBeNull(); // re-verify within hours
    expect(dee.tierHistory.at(-1)).toMatchObject({ from: 'A', cause: 'outcome:30003' });
    expect(dee.recoveryCases).toEqual([]);
    expect(dee.phone).toBe('+121****0113'); // masked by default
  });

  it('reconciles the attempt whose API response was lost through the ledger id in its callback URL', async () => {
    const { campaignId } = await runCampaign([LOST]);
    const sent = sandbox.messages({ to: LOST, direction: 'outbound-api' });
    expect(sent).toHaveLength(1); // never sent twice
    expect(sent[0]!.responseLost).toBe(true);
    const { rows } = await db.pool.query('SELECT state, provider_id FROM send_ledger WHERE campaign_id = $1 AND contact_id = $2', [campaignId, ids[LOST]]);
    expect(rows).toEqual([{ state: 'delivered', provider_id: sent[0]!.sid }]);
  });

  it('a STOP reply suppresses SMS with its proof, and the next campaign skips the contact as opted_out', async () => {
    const r = await sandbox.reply(ANN, undefined, 'STOP');
    expect(r.httpStatus).toBe(200);
    const { rows } = await db.pool.query('SELECT channel, kind, source, proof FROM suppressions WHERE contact_id = $1', [ids[ANN]]);
    expect(rows).toEqual([{ channel: 'sms', kind: 'opt_out', source: 'sms_keyword', proof: expect.objectContaining({ messageSid: r.sid, body_sealed: sealedText('STOP'), keyword: 'STOP', receivedAt: expect.any(String) }) }]);
    const ann = await show(ANN);
    expect(ann.suppressions).toEqual([expect.objectContaining({ channel: 'sms', kind: 'opt_out', source: 'sms_keyword' })]);
  });

  it('an e-mail one-click unsubscribe POST (RFC 8058) suppresses e-mail; the GET only shows a confirmation', async () => {
    const mail = mails[0]!;
    const header = (name: string) => mail.headerLines.find((h) => h.key === name)?.line.replace(/\r?\n[ \t]+/g, ' ').replace(/^[^:]+:\s*/, '');
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const url = /^<(https?:[^>]+)>$/.exec(header('list-unsubscribe')!)![1]!;
    expect(url.startsWith(`${publicBaseUrl}/unsubscribe/`)).toBe(true);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<form method="post">/);
    expect(await suppressionsOf(EVE)).toEqual([]); // a prefetch changes nothing

    const bad = await fetch(`${url.slice(0, -3)}AAA`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(bad.status).toBe(400);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect(await suppressionsOf(EVE)).toEqual([{ channel: 'email', kind: 'opt_out', source: 'unsubscribe_link' }]);
    const eve = await show(EVE);
    expect(eve.suppressions[0].proof).toMatchObject({ method: 'one_click', campaignId: String(emailCampaign) });
    // The short form of the link works too, and a second use changes nothing.
    const token = url.split('/').at(-1)!;
    expect((await fetch(`${publicBaseUrl}/u/${token}`, { method: 'POST' })).status).toBe(200);
    expect(await suppressionsOf(EVE)).toHaveLength(1);
  });

  it('a second 30003 in a row demotes the number out of the SMS list and opens a recovery case', async () => {
    // After one 30003 the number is tier D: the policy allows it no marketing, so an order notice is what fails again.
    const { campaignId } = await runCampaign([ANN, DEAD], 'sms', 'transactional');
    const decisions = await decisionsOf(campaignId);
    expect(decisions[ids[ANN]!]).toBe('SKIP opted_out');
    const email = await runCampaign([EVE], 'email');
    expect((await decisionsOf(email.campaignId))[ids[EVE]!]).toBe('SKIP opted_out');
    expect(mails).toHaveLength(1);
    expect(decisions[ids[DEAD]!]).toBe('SEND ok');
    expect(sandbox.messages({ to: ANN, direction: 'outbound-api' })).toHaveLength(1); // only the first campaign's

    const dee = await show(DEAD);
    expect(dee).toMatchObject({ validity: 'unreachable', smsEligible: false });
    expect(dee.activity).toMatchObject({ consecutiveFailures: 2, messagesSent: 2 });
    expect(dee.recoveryCases).toEqual([expect.objectContaining({ reason: 'consecutive_failures', status: 'open' })]);
    expect(dee.tierHistory.map((h: { cause: string }) => h.cause)).toContain('outcome:30003');
    const { rows } = await db.pool.query('SELECT old_phone_hash FROM recovery_candidates WHERE contact_id = $1', [ids[DEAD]]);
    expect(rows[0].old_phone_hash).toMatch(/^[0-9a-f]{64}$/);

    // The next campaign, even a transactional one, no longer texts it.
    const third = await runCampaign([DEAD], 'sms', 'transactional');
    expect((await decisionsOf(third.campaignId))[ids[DEAD]!]).toBe('SKIP invalid_number');
    expect(sandbox.messages({ to: DEAD, direction: 'outbound-api' })).toHaveLength(2);
  });
});

describe('Twilio webhooks: signatures, replays, keywords', () => {
  it('hostile bytes: a signed STOP with a NUL byte is still a STOP, a NUL in a MessageSid is no 500, and no database error leaks', async () => {
    const stranger = '+12125550198';
    const stop = await signedPost('/webhooks/twilio/inbound', inbound(stranger, 'STOP\u0000'));
    expect(stop.status).toBe(200);
    const { rows } = await db.pool.query('SELECT channel FROM pending_opt_outs WHERE phone_hash = $1', [phoneHash(stranger)]);
    expect(rows).toEqual([{ channel: 'sms' }]);
    const status = await signedPost('/webhooks/twilio/status', { AccountSid: sandbox.accountSid, MessageSid: `SM\u0000${'1'.repeat(32)}`, MessageStatus: 'delivered', From: FROM, To: BEN, ApiVersion: '2010-04-01' });
    expect(status.status).toBeLessThan(500);
    const text = await status.text();
    expect(text).not.toMatch(/invalid byte sequence|22021|postgres/i);
  });

  it('rejects forged and tampered callbacks with 403 and a log line with the number masked', async () => {
    const before = await db.pool.query('SELECT count(*)::int AS n FROM twilio_webhooks');
    const params = { AccountSid: sandbox.accountSid, MessageSid: `SM${'0'.repeat(32)}`, MessageStatus: 'delivered', From: FROM, To: BEN, ApiVersion: '2010-04-01' };
    const forged = await signedPost('/webhooks/twilio/status', params, { token: 'not-the-auth-token' });
    expect(forged.status).toBe(403);
    const tampered = await signedPost('/webhooks/twilio/inbound', inbound(CARL, 'hello'), { tamper: { Body: 'STOP' } });
    expect(tampered.status).toBe(403);
    const unsigned = await fetch(`${publicBaseUrl}/webhooks/twilio/status`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
    expect(unsigned.status).toBe(403);
    // Signed for another URL (a query string added on the way).
    const url = `${publicBaseUrl}/webhooks/twilio/status`;
    const moved = await fetch(`${url}?ledgerId=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params) },
      body: new URLSearchParams(params).toString(),
    });
    expect(moved.status).toBe(403);
    expect(logs.filter((l) => l.startsWith('rejected'))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/rejected status callback: signature_mismatch .*To \+121\*\*\*\*0102/),
        expect.stringMatching(/rejected inbound message: signature_mismatch .*From \+121\*\*\*\*0106/),
        expect.stringMatching(/rejected status callback: missing_signature/),
      ]),
    );
    expect(logs.join('\n')).not.toContain(BEN);
    expect(await db.pool.query('SELECT count(*)::int AS n FROM twilio_webhooks')).toEqual(before);
    expect(await suppressionsOf(CARL)).toEqual([]);
  });

  it('answers a replayed callback 200 without applying it again; out-of-order statuses never move a message back', async () => {
    const { rows } = await db.pool.query(`SELECT id, provider_id FROM send_ledger WHERE contact_id = $1 AND state = 'delivered' LIMIT 1`, [ids[BEN]]);
    const sid = rows[0].provider_id as string;
    // Without SmsSid/SmsStatus: not byte-identical to the sandbox's own callbacks (those would be replays).
    const params = (status: string) => ({ AccountSid: sandbox.accountSid, ApiVersion: '2010-04-01', From: FROM, MessageSid: sid, MessageStatus: status, To: BEN });
    const late = await signedPost(`/webhooks/twilio/status?ledgerId=${rows[0].id}`, params('sent'));
    expect([late.status, await late.text()]).toEqual([200, 'stale']);
    const read = await signedPost(`/webhooks/twilio/status?ledgerId=${rows[0].id}`, params('read'));
    expect([read.status, await read.text()]).toEqual([200, 'applied']);
    const again = await signedPost(`/webhooks/twilio/status?ledgerId=${rows[0].id}`, params('read'));
    expect([again.status, await again.text()]).toEqual([200, 'replayed']);
    const ledger = await db.pool.query('SELECT state, provider_status FROM send_ledger WHERE id = $1', [rows[0].id]);
    expect(ledger.rows[0]).toEqual({ state: 'delivered', provider_status: 'read' });
    const ben = await show(BEN);
    expect(ben.activity).toMatchObject({ messagesSent: 1, messagesDelivered: 1 }); // counted once
    expect(logs.some((l) => /replayed request, not applied again/.test(l))).toBe(true);
  });

  it('HELP gets the auto-reply as TwiML; STOP then START re-subscribes; a replayed STOP does not opt out again', async () => {
    const help = await signedPost('/webhooks/twilio/inbound', inbound(CARL, 'help'));
    expect(help.status).toBe(200);
    expect(help.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await help.text()).toMatch(/<Response><Message>Acme: Msg frequency varies\..*Reply STOP to opt out\.<\/Message><\/Response>/);

    const stop = inbound(CARL, 'please stop texting me');
    const r1 = await signedPost('/webhooks/twilio/inbound', stop);
    expect(await r1.text()).toMatch(/You have been unsubscribed/);
    expect(await suppressionsOf(CARL)).toEqual([{ channel: 'sms', kind: 'opt_out', source: 'sms_keyword' }]);

    const start = await signedPost('/webhooks/twilio/inbound', inbound(CARL, 'START'));
    expect(await start.text()).toMatch(/subscribed again/);
    expect(await suppressionsOf(CARL)).toEqual([]);

    const replay = await signedPost('/webhooks/twilio/inbound', stop);
    expect(replay.status).toBe(200);
    expect(await replay.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect(await suppressionsOf(CARL)).toEqual([]);
  });

  it('a plain reply becomes an sms_reply event and raises activity', async () => {
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const res = await signedPost('/webhooks/twilio/inbound', inbound(BEN, 'Do you have it in blue?', sid));
    expect(await res.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    const { rows } = await db.pool.query('SELECT tag, contact_id, properties FROM events WHERE event_id = $1', [`twilio:${sid}`]);
    expect(rows).toEqual([{ tag: 'sms_reply', contact_id: String(ids[BEN]), properties: expect.objectContaining({ message_sid: sid, body_sealed: sealedText('Do you have it in blue?') }) }]);
    const ben = await show(BEN);
    expect(ben.activity.smsReplies).toBe(1);
    expect(ben.activity.messagesDelivered).toBe(1); // the events fold keeps the outcome counters
  });

  it('the provider refusing a send with 21610 suppresses the contact at once', async () => {
    const [id] = await seedContacts(db.pool, [{ phone: '+12125550199', name: 'Rex' }]);
    ids['+12125550199'] = id!;
    sandbox.setRules([{ to: '+12125550199', reject: { code: 21610, message: 'Attempt to send to unsubscribed recipient' } }]);
    const { campaignId } = await runCampaign(['+12125550199']);
    const { rows } = await db.pool.query('SELECT state, error_code FROM send_ledger WHERE campaign_id = $1', [campaignId]);
    expect(rows).toEqual([{ state: 'failed', error_code: '21610' }]);
    expect(await suppressionsOf('+12125550199')).toEqual([{ channel: 'sms', kind: 'opt_out', source: 'twilio:21610' }]);
  });

  it('an e-mail hard bounce (SMTP 550) suppresses e-mail', async () => {
    const [id] = await seedContacts(db.pool, [{ phone: '+12125550198', name: 'Nob', email: 'nobody@example.net' }]);
    ids['+12125550198'] = id!;
    const { campaignId } = await runCampaign(['+12125550198'], 'email');
    const { rows } = await db.pool.query('SELECT state, error_code FROM send_ledger WHERE campaign_id = $1', [campaignId]);
    expect(rows).toEqual([{ state: 'failed', error_code: '550' }]);
    expect(await suppressionsOf('+12125550198')).toEqual([{ channel: 'email', kind: 'bounce', source: 'smtp:550' }]);
  });
});

describe('reachloop sandbox messages | reply', () => {
  it('lists what the running sandbox sent (masked unless --unmask) and delivers a handset reply', async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), 'reachloop-sandbox-'));
    // What a worker with SMS_PROVIDER=sandbox writes (infra/channels.ts); this process keeps it alive.
    writeFileSync(path.join(state, 'twilio-sandbox.json'), JSON.stringify({ url: sandbox.url, accountSid: sandbox.accountSid, authToken: AUTH_TOKEN, pid: process.pid }));
    const env = { REACHLOOP_STATE_DIR: state };

    const listed = await runCli(['sandbox', 'messages', '--to', BEN, '--direction', 'outbound', '--json', '--unmask'], env);
    expect(listed.code).toBe(0);
    const messages = JSON.parse(listed.stdout);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ to: BEN, from: FROM, status: 'delivered', body: expect.stringMatching(/^Hi Ben, 20% off at Acme this week\.\s+Reply STOP to opt out$/) });
    // Recorded as they complete: the three callbacks race each other.
    expect(messages[0].callbacks.map((c: { status: string; httpStatus: number }) => `${c.status} ${c.httpStatus}`).sort()).toEqual(['delivered 200', 'queued 200', 'sent 200']);

    const human = await runCli(['sandbox', 'messages', '--to', BEN], env);
    expect(human.stdout).toContain('+121****0102');
    expect(human.stdout).not.toContain(BEN);

    const reply = await runCli(['sandbox', 'reply', '--from', '(212) 555-0106', '--default-country', 'US', '--body', 'STOP', '--json'], env);
    expect(reply.code).toBe(0);
    expect(JSON.parse(reply.stdout)).toMatchObject({ sid: expect.stringMatching(/^SM/), httpStatus: 200 });
    expect(await suppressionsOf(CARL)).toEqual([{ channel: 'sms', kind: 'opt_out', source: 'sms_keyword' }]);

    const none = await runCli(['sandbox', 'messages'], { REACHLOOP_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'reachloop-nosandbox-')) });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^error: no running Twilio sandbox/);
    const usage = await runCli(['sandbox', 'reply', '--from', 'not a number', '--body', 'hi'], env);
    expect(usage.code).toBe(2);
  });
});

describe('TWILIO_KEYWORD_REPLIES=twilio (the Messaging Service answers its own keywords)', () => {
  it('records STOP and HELP without a second reply, but still answers what Twilio\'s filter does not take', async () => {
    const served = buildServer({ pool: db.pool, twilio: { publicBaseUrl, authToken: () => AUTH_TOKEN, brand: 'Acme', keywordReplies: 'twilio' } });
    const url = `${publicBaseUrl}/webhooks/twilio/inbound`;
    const send = async (params: Record<string, string>) => {
      const r = await served.inject({
        method: 'POST',
        url: '/webhooks/twilio/inbound',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params) },
        payload: new URLSearchParams(params).toString(),
      });
      return r.body;
    };
    const empty = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
    expect(await send(inbound(BEN, 'HELP'))).toBe(empty);
    expect(await send(inbound(BEN, 'STOP'))).toBe(empty); // Twilio's own STOP reply went out already
    expect(await suppressionsOf(BEN)).toEqual([{ channel: 'sms', kind: 'opt_out', source: 'sms_keyword' }]); // recorded all the same
    expect(await send(inbound(BEN, 'START'))).toBe(empty);
    expect(await suppressionsOf(BEN)).toEqual([]);
    // Twilio does not block these: our confirmation is the only one the person gets.
    expect(await send(inbound(BEN, 'please stop texting me'))).toMatch(/You have been unsubscribed/);
    expect(await send(inbound(BEN, 'start'))).toMatch(/subscribed again/); // lower case: not Twilio's documented filter
    await served.close();
    expect(loadConfig({ SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: sandbox.accountSid, TWILIO_AUTH_TOKEN: 'x', TWILIO_FROM: FROM }).keywordReplies).toBe('twilio');
    expect(loadConfig({}).keywordReplies).toBe('reachloop');
    expect(() => loadConfig({ TWILIO_KEYWORD_REPLIES: 'both' })).toThrow(/TWILIO_KEYWORD_REPLIES must be twilio or reachloop/);
  });
});

describe('the webhook auth token of a separate `reachloop serve`', () => {
  it('is that of the sandbox a worker runs (its state file), or TWILIO_AUTH_TOKEN; without either the webhooks answer 503', async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), 'reachloop-serve-'));
    const served = buildServer({ pool: db.pool, twilio: { publicBaseUrl, authToken: webhookAuthToken(loadConfig({ REACHLOOP_STATE_DIR: state })) } });
    const params = inbound(BEN, 'thanks');
    const url = `${publicBaseUrl}/webhooks/twilio/inbound`;
    const send = (token: string) =>
      served.inject({ method: 'POST', url: '/webhooks/twilio/inbound', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(token, url, params) }, payload: new URLSearchParams(params).toString() });
    expect((await send(AUTH_TOKEN)).statusCode).toBe(503); // no sandbox running for this state folder
    await served.close();

    writeFileSync(path.join(state, 'twilio-sandbox.json'), JSON.stringify({ url: sandbox.url, accountSid: sandbox.accountSid, authToken: AUTH_TOKEN, pid: process.pid }));
    const again = buildServer({ pool: db.pool, twilio: { publicBaseUrl, authToken: webhookAuthToken(loadConfig({ REACHLOOP_STATE_DIR: state })) } });
    const ok = await again.inject({ method: 'POST', url: '/webhooks/twilio/inbound', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params) }, payload: new URLSearchParams(params).toString() });
    expect(ok.statusCode).toBe(200);
    await again.close();

    const prod = webhookAuthToken(loadConfig({ SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: sandbox.accountSid, TWILIO_AUTH_TOKEN: 'prod-token', TWILIO_FROM: FROM, REACHLOOP_STATE_DIR: state }));
    expect(prod()).toBe('prod-token');
  });
});
