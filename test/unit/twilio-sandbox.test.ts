// The real `twilio` library (through channels/twilio.ts) against the local Twilio-shaped server
// over HTTP; status callbacks and inbound replies land on a real HTTP receiver and are checked
// with the product's own signature verification (server/twilio-signature.ts).
import { randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import { ApplicationFailure } from '@temporalio/common';
import Fastify, { type FastifyInstance } from 'fastify';
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelConfigError, TransientChannelError } from '../../channels/errors';
import { ledgerIdFromCallbackUrl, type SmsSender } from '../../channels/sms';
import { ApiBaseRequestClient, createTwilioSender } from '../../channels/twilio';
import { sandboxAdminClient } from '../../sandbox/twilio-admin-client';
import { startTwilioSandbox, type TwilioSandbox } from '../../sandbox/twilio-server';
import { verifyTwilioRequest } from '../../server/twilio-signature';

interface Hook {
  kind: 'status' | 'inbound';
  url: string;
  params: Record<string, string>;
  signature: string | undefined;
}

const authToken = randomBytes(16).toString('hex');
const accountSid = `AC${randomBytes(16).toString('hex')}`;
const FROM = '+15005550006';
const SERVICE = `MG${randomBytes(16).toString('hex')}`;

let receiver: FastifyInstance;
let receiverUrl: string;
let hooks: Hook[] = [];
let sandbox: TwilioSandbox;
let sender: SmsSender;

const statusUrl = () => `${receiverUrl}/twilio/status`;
const out = (to: string, ledgerId = `L-${randomBytes(4).toString('hex')}`, body = 'Your code is 1234') => ({
  to,
  body,
  statusCallbackUrl: statusUrl(),
  ledgerId,
});
const verified = (h: Hook) => verifyTwilioRequest({ authToken, url: h.url, params: h.params, signature: h.signature });
const statusHooksFor = (sid: string) => hooks.filter((h) => h.kind === 'status' && h.params.MessageSid === sid);

beforeAll(async () => {
  receiver = Fastify();
  await receiver.register(formbody);
  // Answers 503 to the first two tries of each (message, status): a server whose database is away.
  const tries = new Map<string, number>();
  receiver.post('/twilio/flaky', async (req, reply) => {
    const p = req.body as Record<string, string>;
    const key = `${p.MessageSid}:${p.MessageStatus}`;
    tries.set(key, (tries.get(key) ?? 0) + 1);
    hooks.push({ kind: 'status', url: `${receiverUrl}${req.url}`, params: p, signature: undefined });
    return tries.get(key)! <= 2 ? reply.code(503).send({ error: 'internal error' }) : '<Response/>';
  });
  for (const kind of ['status', 'inbound'] as const) {
    receiver.post(`/twilio/${kind}`, async (req) => {
      const signature = req.headers['x-twilio-signature'];
      hooks.push({ kind, url: `${receiverUrl}${req.url}`, params: req.body as Record<string, string>, signature: typeof signature === 'string' ? signature : undefined });
      return '<Response/>';
    });
  }
  receiverUrl = await receiver.listen({ port: 0, host: '127.0.0.1' });
  sandbox = await startTwilioSandbox({
    authToken,
    accountSid,
    defaultFrom: FROM,
    inboundWebhookUrl: `${receiverUrl}/twilio/inbound`,
    callbackRetry: { initialDelayMs: 20, maxDelayMs: 200 },
  });
  sender = createTwilioSender({ accountSid, authToken, from: FROM, apiBase: sandbox.url, timeoutMs: 2_000 });
});

afterAll(async () => {
  await sandbox?.stop();
  await receiver?.close();
});

beforeEach(async () => {
  sandbox.setRules([]);
  sandbox.clear(); // also cancels callbacks still scheduled
  await sandbox.idle();
  hooks = [];
});

describe('sending through the twilio library to the sandbox', () => {
  it('accepts a message, answers like Twilio, and replays queued -> sent -> delivered, signed', async () => {
    const result = await sender.send({ ...out('+15551230001', 'ledger-1'), validityPeriodSeconds: 600 });
    expect(result).toEqual({ ok: true, providerId: expect.stringMatching(/^SM[0-9a-f]{32}$/), status: 'queued' });
    if (!result.ok) return;

    const [recorded] = sandbox.messages();
    expect(recorded).toMatchObject({ sid: result.providerId, to: '+15551230001', from: FROM, body: 'Your code is 1234', validityPeriod: 600 });
    expect(ledgerIdFromCallbackUrl(recorded!.statusCallback!)).toBe('ledger-1');

    await sandbox.idle();
    const got = statusHooksFor(result.providerId);
    // Separate HTTP requests: compared as a set (a loaded machine can deliver two in either order).
    expect(got.map((h) => h.params.MessageStatus).sort()).toEqual(['delivered', 'queued', 'sent']);
    expect(sandbox.messages()[0]).toMatchObject({ status: 'delivered' });
    for (const h of got) {
      expect(verified(h)).toEqual({ ok: true });
      expect(ledgerIdFromCallbackUrl(h.url)).toBe('ledger-1');
      expect(h.params).toMatchObject({ AccountSid: accountSid, From: FROM, To: '+15551230001', SmsSid: result.providerId, ApiVersion: '2010-04-01' });
      expect(h.params.ErrorCode).toBeUndefined();
    }
    // A changed parameter no longer verifies: the signature covers the params.
    expect(verified({ ...got[2]!, params: { ...got[2]!.params, MessageStatus: 'failed' } })).toEqual({ ok: false, reason: 'signature_mismatch' });

    // GET by SID through the library reflects the final state.
    const client = twilio(accountSid, authToken, { httpClient: new ApiBaseRequestClient(sandbox.url) });
    const fetched = await client.messages(result.providerId).fetch();
    expect(fetched).toMatchObject({ sid: result.providerId, status: 'delivered', errorCode: null, numSegments: '1', direction: 'outbound-api' });
    expect(fetched.dateSent).toBeInstanceOf(Date);
  });

  it('sends through a Messaging Service: accepted first, the number is picked when queued', async () => {
    const viaService = createTwilioSender({ accountSid, authToken, messagingServiceSid: SERVICE, apiBase: sandbox.url });
    const result = await viaService.send(out('+15551230002'));
    expect(result).toMatchObject({ ok: true, status: 'accepted' });
    await sandbox.idle();
    const [m] = sandbox.messages();
    expect(m).toMatchObject({ messagingServiceSid: SERVICE, from: FROM, status: 'delivered' });
    expect(statusHooksFor(m!.sid).every((h) => h.params.MessagingServiceSid === SERVICE && verified(h).ok)).toBe(true);
  });

  it('returns permanent refusals typed and records nothing', async () => {
    sandbox.setRules([{ to: '+15551239999', reject: { code: 21610, message: 'Attempt to send to unsubscribed recipient' } }]);
    // Twilio names the number in its text; the sender keeps the text with the number masked.
    expect(await sender.send(out('12345'))).toEqual({ ok: false, permanent: true, code: 21211, message: "The 'To' number 123**** is not a valid phone number." });
    expect(await sender.send(out('+15551239999'))).toEqual({ ok: false, permanent: true, code: 21610, message: 'Attempt to send to unsubscribed recipient' });
    expect(await sender.send(out('+15551230003', undefined, ''))).toMatchObject({ ok: false, permanent: true, code: 21602 });
    expect(sandbox.messages()).toEqual([]);
  });
});

describe('scripted outcomes', () => {
  it('numbers ending in 13 go undelivered with 30003; one number is undelivered 30005; failed skips sent', async () => {
    sandbox.setRules([
      { toEndsWith: '13', errorCode: 30003 },
      { to: '+15551230005', outcome: 'undelivered', errorCode: 30005 },
      { to: '+15551230006', outcome: 'failed', errorCode: 30007 },
    ]);
    const sids: Record<string, string> = {};
    for (const to of ['+15551230013', '+15551230005', '+15551230006', '+15551230007']) {
      const r = await sender.send(out(to));
      if (r.ok) sids[to] = r.providerId;
    }
    await sandbox.idle();
    // The callbacks fired per message. They are separate HTTP requests: on a loaded machine two of
    // them can arrive in either order (the receiver keeps the furthest status), so they are compared
    // as sets, and the final status of each message is checked on its own below.
    const seen = (to: string) => statusHooksFor(sids[to]!).map((h) => `${h.params.MessageStatus}${h.params.ErrorCode ? `:${h.params.ErrorCode}` : ''}`).sort();
    expect(seen('+15551230013')).toEqual(['queued', 'sent', 'undelivered:30003'].sort());
    expect(seen('+15551230005')).toEqual(['queued', 'sent', 'undelivered:30005'].sort());
    expect(seen('+15551230006')).toEqual(['queued', 'failed:30007'].sort());
    expect(seen('+15551230007')).toEqual(['queued', 'sent', 'delivered'].sort());
    expect(sandbox.messages({ to: '+15551230005' })[0]).toMatchObject({ status: 'undelivered', errorCode: 30005 });
    expect(sandbox.messages({ to: '+15551230006' })[0]).toMatchObject({ status: 'failed', errorCode: 30007 });
    expect(sandbox.messages({ to: '+15551230007' })[0]).toMatchObject({ status: 'delivered' });
    expect(hooks.every((h) => verified(h).ok)).toBe(true);
    expect(sandbox.messages({ to: '+15551230013' })[0]).toMatchObject({ status: 'undelivered', errorCode: 30003 });
  });

  it('fires callbacks out of order when the delays cross, and the message never moves backwards', async () => {
    sandbox.setRules([{ delaysMs: { queued: 0, sent: 150, final: 30 } }]);
    const r = await sender.send(out('+15551230010'));
    await sandbox.idle();
    const sid = r.ok ? r.providerId : '';
    expect(statusHooksFor(sid).map((h) => h.params.MessageStatus)).toEqual(['queued', 'delivered', 'sent']);
    expect(sandbox.messages()[0]!.status).toBe('delivered');
  });

  it('sends a signed inbound reply to the webhook, on demand and scripted after delivery', async () => {
    const manual = await sandbox.reply('+15551230020', undefined, 'STOP');
    expect(manual).toMatchObject({ sid: expect.stringMatching(/^SM[0-9a-f]{32}$/), httpStatus: 200 });
    sandbox.setRules([{ to: '+15551230021', reply: { body: 'Y', afterMs: 10 } }]);
    await sender.send(out('+15551230021'));
    await sandbox.idle();

    const inbound = hooks.filter((h) => h.kind === 'inbound');
    expect(inbound.map((h) => [h.params.From, h.params.To, h.params.Body])).toEqual([
      ['+15551230020', FROM, 'STOP'],
      ['+15551230021', FROM, 'Y'],
    ]);
    for (const h of inbound) {
      expect(verified(h)).toEqual({ ok: true });
      expect(h.params).toMatchObject({ MessageSid: expect.stringMatching(/^SM/), SmsStatus: 'received', AccountSid: accountSid, NumMedia: '0' });
    }
    expect(sandbox.messages({ direction: 'inbound' })).toHaveLength(2);
  });
});

describe('failures the exactly-once path depends on', () => {
  it('loses the response after recording: the sender throws, findSentSince finds it, the callback names the ledger', async () => {
    sandbox.setRules([{ to: '+15551230030', loseResponse: 'reset', times: 1 }]);
    const since = new Date();
    const err = await sender.send(out('+15551230030', 'ledger-lost')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientChannelError);
    expect((err as TransientChannelError).maybeAccepted).toBe(true);
    expect(err).not.toBeInstanceOf(ApplicationFailure); // retryable: Temporal retries, the retry reconciles

    const found = await sender.findSentSince('+15551230030', since);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ to: '+15551230030', body: 'Your code is 1234', from: FROM });
    expect(sandbox.messages()[0]).toMatchObject({ sid: found[0]!.providerId, responseLost: true });
    await sandbox.idle();
    expect(statusHooksFor(found[0]!.providerId).map((h) => ledgerIdFromCallbackUrl(h.url))).toEqual(['ledger-lost', 'ledger-lost', 'ledger-lost']);

    // `times: 1`: the rule is used up, the next send is answered normally.
    expect(await sender.send(out('+15551230030'))).toMatchObject({ ok: true });
  });

  it('a response that never comes times out the client: thrown, maybe accepted', async () => {
    sandbox.setRules([{ loseResponse: 'hang' }]);
    const impatient = createTwilioSender({ accountSid, authToken, from: FROM, apiBase: sandbox.url, timeoutMs: 300 });
    const err = await impatient.send(out('+15551230031')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientChannelError);
    expect((err as TransientChannelError).maybeAccepted).toBe(true);
    expect(sandbox.messages()).toHaveLength(1);
  });

  it('throws 5xx and 429 as transient; a refused connection proves nothing was sent', async () => {
    sandbox.setRules([
      { to: '+15551230040', reject: { code: 20500, status: 503 }, times: 1 },
      { to: '+15551230041', reject: { code: 20429, status: 429 } },
    ]);
    const e503 = await sender.send(out('+15551230040')).catch((e: unknown) => e);
    expect(e503).toBeInstanceOf(TransientChannelError);
    expect((e503 as TransientChannelError).details).toMatchObject({ httpStatus: 503, providerCode: 20500, maybeAccepted: true });
    expect(await sender.send(out('+15551230040'))).toMatchObject({ ok: true });
    const e429 = await sender.send(out('+15551230041')).catch((e: unknown) => e);
    expect((e429 as TransientChannelError).details).toMatchObject({ httpStatus: 429, maybeAccepted: false });

    const closed = Fastify();
    const closedUrl = await closed.listen({ port: 0, host: '127.0.0.1' });
    await closed.close();
    const nowhere = createTwilioSender({ accountSid, authToken, from: FROM, apiBase: closedUrl });
    const refused = await nowhere.send(out('+15551230042')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TransientChannelError);
    expect((refused as TransientChannelError).maybeAccepted).toBe(false);
  });

  it('wrong credentials: 401 thrown as a non-retryable configuration error', async () => {
    const wrongToken = createTwilioSender({ accountSid, authToken: 'not-the-token', from: FROM, apiBase: sandbox.url });
    const err = await wrongToken.send(out('+15551230050')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelConfigError);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ nonRetryable: true, type: 'ChannelConfigError', providerCode: 20003 });
    expect(String((err as Error).message)).toContain('HTTP 401');
    await expect(wrongToken.findSentSince('+15551230050', new Date(0))).rejects.toBeInstanceOf(ChannelConfigError);
    expect(sandbox.messages()).toEqual([]);
  });
});

describe('status callbacks the webhook could not take', () => {
  it('a 5xx answer is tried again with backoff until the webhook takes it', async () => {
    const r = await sender.send({ ...out('+15551230060'), statusCallbackUrl: `${receiverUrl}/twilio/flaky` });
    await sandbox.idle();
    const [m] = sandbox.messages();
    expect(m!.status).toBe('delivered');
    for (const c of m!.callbacks) {
      expect(c.httpStatus).toBe(200);
      expect(c.tries.map((t) => t.httpStatus)).toEqual([503, 503, 200]);
    }
    expect(statusHooksFor(r.ok ? r.providerId : '').map((h) => h.params.MessageStatus).sort()).toEqual(['delivered', 'delivered', 'delivered', 'queued', 'queued', 'queued', 'sent', 'sent', 'sent']);
  });

  it('a refused connection is tried again: a webhook server that comes back gets every callback', async () => {
    const later = Fastify();
    await later.register(formbody);
    const got: string[] = [];
    later.post('/twilio/status', async (req) => void got.push((req.body as Record<string, string>).MessageStatus!));
    const port = Number(new URL(await later.listen({ port: 0, host: '127.0.0.1' })).port);
    await later.close();
    const back = Fastify();
    await back.register(formbody);
    back.post('/twilio/status', async (req) => void got.push((req.body as Record<string, string>).MessageStatus!));
    try {
      await sender.send({ ...out('+15551230061'), statusCallbackUrl: `http://127.0.0.1:${port}/twilio/status` });
      // Every callback has failed once before the server comes back.
      await expect.poll(() => sandbox.messages()[0]!.callbacks.filter((c) => c.tries.length > 0).length, { timeout: 5_000 }).toBe(3);
      expect(sandbox.messages()[0]!.callbacks.every((c) => c.error !== undefined)).toBe(true);
      await back.listen({ port, host: '127.0.0.1' });
      await sandbox.idle();
      expect(got.sort()).toEqual(['delivered', 'queued', 'sent']);
      expect(sandbox.messages()[0]!.callbacks.every((c) => c.httpStatus === 200 && c.tries.length >= 2 && c.tries[0]!.error !== undefined)).toBe(true);
    } finally {
      await back.close();
    }
  });

  it('a 4xx is final; a dropped callback is never sent, the message keeps its status', async () => {
    sandbox.setRules([{ to: '+15551230063', dropCallbacks: ['delivered'] }]);
    await sender.send({ ...out('+15551230062'), statusCallbackUrl: `${receiverUrl}/twilio/none` });
    await sender.send(out('+15551230063'));
    await sandbox.idle();
    const [four, dropped] = [sandbox.messages({ to: '+15551230062' })[0]!, sandbox.messages({ to: '+15551230063' })[0]!];
    expect(four.callbacks.every((c) => c.httpStatus === 404 && c.tries.length === 1)).toBe(true);
    expect(dropped.status).toBe('delivered');
    expect(dropped.callbacks.find((c) => c.status === 'delivered')).toMatchObject({ dropped: true, tries: [] });
    expect(statusHooksFor(dropped.sid).map((h) => h.params.MessageStatus).sort()).toEqual(['queued', 'sent']);
    // What the sweep reads instead: the message resource (client.messages(sid).fetch()).
    expect(await sender.fetchMessage(dropped.sid)).toMatchObject({ providerId: dropped.sid, to: '+15551230063', status: 'delivered', errorCode: null });
    expect(await sender.fetchMessage(`SM${'0'.repeat(32)}`)).toBe(null);
  });
});

describe('the list endpoint', () => {
  it('findSentSince keeps the number and the time window, newest first', async () => {
    await sender.send(out('+15551230060', undefined, 'older'));
    await sender.send(out('+15551230061', undefined, 'other number'));
    const since = new Date(Date.now() + 2_000);
    const skewless = createTwilioSender({ accountSid, authToken, from: FROM, apiBase: sandbox.url, clockSkewMs: 0 });
    expect(await skewless.findSentSince('+15551230060', since)).toEqual([]);
    const all = await sender.findSentSince('+15551230060', new Date(Date.now() - 60_000));
    expect(all.map((m) => m.body)).toEqual(['older']);
  });

  it('filters by To and DateSent like Twilio and pages through next_page_uri', async () => {
    sandbox.setRules([{ delaysMs: { queued: 0, sent: 0, final: 0 } }]);
    for (let i = 0; i < 5; i++) await sender.send(out('+15551230070', undefined, `m${i}`));
    sandbox.setRules([{ to: '+15551230070', delaysMs: { queued: 0, sent: 60_000, final: 60_000 } }]);
    await sender.send(out('+15551230070', undefined, 'still queued'));
    await new Promise((r) => setTimeout(r, 50));

    const client = twilio(accountSid, authToken, { httpClient: new ApiBaseRequestClient(sandbox.url) });
    const paged = await client.messages.list({ to: '+15551230070', pageSize: 2 });
    expect(paged.map((m) => m.body)).toEqual(['still queued', 'm4', 'm3', 'm2', 'm1', 'm0']);
    // A date filter selects on date_sent, which a queued message does not have yet.
    const sentToday = await client.messages.list({ to: '+15551230070', dateSentAfter: new Date(Date.now() - 60_000) });
    expect(sentToday.map((m) => m.body)).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);
    expect(await client.messages.list({ to: '+15551230070', dateSentBefore: new Date('2000-01-01') })).toEqual([]);
    // The sender's reconciliation sees the queued one too (it filters by To only).
    expect((await sender.findSentSince('+15551230070', new Date(Date.now() - 60_000))).map((m) => m.body)[0]).toBe('still queued');
  });
});

describe('admin API (for `reachloop sandbox`)', () => {
  it('lists messages, sends replies and replaces rules over HTTP with the same credentials', async () => {
    const admin = sandboxAdminClient({ url: sandbox.url, accountSid, authToken });
    await sender.send(out('+15551230080'));
    expect((await admin.messages({ to: '+15551230080' })).map((m) => m.to)).toEqual(['+15551230080']);
    const r = await admin.reply({ from: '+15551230080', body: 'TD' });
    expect(r.httpStatus).toBe(200);
    expect(await admin.setRules([{ toEndsWith: '13', errorCode: 30003 }])).toEqual([{ toEndsWith: '13', errorCode: 30003 }]);
    expect(sandbox.rules()).toEqual([{ toEndsWith: '13', errorCode: 30003 }]);
    await expect(admin.setRules([{ toEndsWith: 'abc' } as never])).rejects.toThrow(/toEndsWith must be digits/);
    const intruder = sandboxAdminClient({ url: sandbox.url, accountSid, authToken: 'guess' });
    await expect(intruder.messages()).rejects.toThrow(/Authenticate \(code 20003\)/);
    await admin.clear();
    expect(sandbox.messages()).toEqual([]);
  });
});
