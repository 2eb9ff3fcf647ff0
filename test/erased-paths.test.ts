import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askSmsDoubleOptIn } from '../client/consent/confirm-sms';
import { DEFAULT_API_RATE } from '../core/api-tokens';
import { CONTACT_POLICY } from '../core/policy/contact-policy';
import { createApiToken } from '../db/api-tokens';
import { emailHash, phoneHash } from '../db/contacts';
import { listDecisions } from '../db/decisions';
import { erasedContacts } from '../db/privacy';
import { publicIdOf } from '../db/public-ids';
import { reportNumberChange } from '../services/number-change';
import { SCORE_POLICY_V1 } from '../core/score-policy';
import { applyInboundSms } from '../services/inbound';
import { erasePerson } from '../services/privacy';
import { scanDeadContacts } from '../services/recovery-detect';
import { recoveryLink, startOrSignalRecovery } from '../services/recovery-lifecycle';
import { messagesLink } from '../services/transactional-message';
import { seal, seedContacts } from './helpers/contacts';
import { temporalClient } from './helpers/harness';
import { closedCaseOfContact, eventually, type RecoveryStack } from './helpers/recovery-stack';
import { startStack } from './helpers/stack';

// Issue 17 item 4: an erased person is never messaged again, on any path that sends. Each scenario
// erases a person (services/privacy.ts, as `reachloop privacy erase` does), lets their e-mail
// address come back on a new number (or offers their number as a recovery candidate), drives the
// path through the real parts (HTTP server, Temporal worker, PostgreSQL, the twilio library against
// the local Twilio-shaped server whose scripted handsets answer "Y", nodemailer against a real SMTP
// server) and asserts that nothing reached the handset or the SMTP sink, and why.

const NOW = new Date('2026-11-25T15:00:00Z'); // a Wednesday: 10:00 in New York, 16:00 in Berlin
const WHO = { actor: 'test', reason: 'DSR-120 erasure request' };

// Each person: the erased contact, and a contact that came back holding their e-mail (or number).
const MSG = { erased: '+12125550301', back: '+12125550302', email: 'msg.erased@example.com' };
const DOI = { erased: '+4915112340301', back: '+4915112340302', control: '+4915112340303', email: 'doi.erased@example.com' };
const SCAN = { erased: '+12125550311', dead: '+12125550312', back: '+12125550313', email: 'scan.erased@example.com' };
const DEVICE = { erased: '+12125550321', dead: '+12125550322', back: '+12125550323', email: 'device.erased@example.com' };
const CHANGE = { erased: '+12125550331', customer: '+12125550332', back: '+12125550333', email: 'change.erased@example.com' };
const LATE = { dead: '+12125550341', reported: '+12125550342', customer: '+12125550343', reported2: '+12125550344', email: 'late.erased@example.com', erased: '+12125550345' };
const HANDSETS = [MSG.back, DOI.back, DOI.control, SCAN.back, DEVICE.back, CHANGE.erased, CHANGE.customer, CHANGE.back, LATE.reported, LATE.customer, LATE.reported2];

let s: RecoveryStack;
let token: string;
const ids: Record<string, number> = {};

beforeAll(async () => {
  const brand = 'Acme';
  const stack = await startStack({
    now: () => NOW,
    sandbox: { inbound: true, rules: HANDSETS.map((to) => ({ to, reply: { body: 'Y', afterMs: 50 } })) },
    smtp: true,
    sms: { timeoutMs: 10_000 },
    brand,
    server: (p) => ({
      recovery: recoveryLink(temporalClient, p.db.pool, { taskQueue: p.worker!.taskQueue, brand, currentAnswerWithinMs: 2_000 }),
      messages: messagesLink(temporalClient, { taskQueue: p.worker!.taskQueue }),
    }),
  });
  s = { ...stack, sandbox: stack.sandbox!, apiToken: '', contactsToken: '' };
  token = (await createApiToken(s.db.pool, { name: 'erased-paths', scopes: ['contacts:write', 'messages:send'], rate: DEFAULT_API_RATE })).secret;
  const seed = async (key: string, c: Parameters<typeof seedContacts>[1][number]) => (ids[key] = (await seedContacts(s.db.pool, [c]))[0]!);
  // The people erased, each with their number and address.
  for (const [key, p] of Object.entries({ MSG, DOI, SCAN, DEVICE, CHANGE, LATE })) await seed(`${key}.erased`, { phone: p.erased, email: p.email, name: 'Erasable' });
  for (const key of ['MSG', 'DOI', 'SCAN', 'DEVICE', 'CHANGE', 'LATE']) await erasePerson(s.db.pool, ids[`${key}.erased`]!, WHO, NOW, 'cli');
  // Customers of three years with a dead number, or a reachable one.
  await seed('SCAN.dead', { phone: SCAN.dead, email: SCAN.email, name: 'Dead' });
  await seed('DEVICE.dead', { phone: DEVICE.dead, name: 'Dead' });
  await seed('LATE.dead', { phone: LATE.dead, name: 'Dead' });
  await seed('CHANGE.customer', { phone: CHANGE.customer, name: 'Customer' });
  await seed('LATE.customer', { phone: LATE.customer, name: 'Customer' });
  await s.db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '3 years' WHERE id = ANY($1::bigint[])`, [[ids['SCAN.dead'], ids['DEVICE.dead'], ids['LATE.dead'], ids['CHANGE.customer'], ids['LATE.customer']]]);
  await s.db.pool.query(`UPDATE contacts SET number_status = 'empty', validity = 'unreachable' WHERE id = ANY($1::bigint[])`, [[ids['SCAN.dead'], ids['DEVICE.dead'], ids['LATE.dead']]]);
  await s.db.pool.query(`UPDATE contacts SET device_ids = '{dev-erased-42}' WHERE id = $1`, [ids['DEVICE.dead']]);
  // The erased addresses imported again, on new numbers (and DOI's control, never erased).
  await seed('MSG.back', { phone: MSG.back, email: MSG.email, name: 'Back' });
  await seed('DOI.back', { phone: DOI.back, email: DOI.email, name: 'Back', consent: ['sms'] });
  await seed('DOI.control', { phone: DOI.control, email: 'doi.control@example.com', name: 'Control', consent: ['sms'] });
  await seed('SCAN.back', { phone: SCAN.back, email: SCAN.email, name: 'Back' });
  await seed('DEVICE.back', { phone: DEVICE.back, email: DEVICE.email, name: 'Back' });
  await seed('CHANGE.back', { phone: CHANGE.back, email: CHANGE.email, name: 'Back' });
  await s.db.pool.query(`UPDATE contacts SET device_ids = '{dev-erased-42}' WHERE id = $1`, [ids['DEVICE.back']]);
}, 120_000);

afterAll(async () => s?.stop());

const outbound = (to: string) => s.sandbox.messages({ to, direction: 'outbound-api' }).map((m) => m.body);
const mailsTo = (address: string) => s.mails.filter((m) => JSON.stringify(m.to).includes(address));
const casesOf = async (contactId: number) => (await s.db.pool.query('SELECT * FROM recovery_cases WHERE contact_id = $1 ORDER BY id', [contactId])).rows;
const api = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${s.publicBaseUrl}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

describe('an erased person is never messaged again', () => {
  it('the one query: a contact erased, holding an erased address, or an erased number\'s hash (no anonymised row left) is erased', async () => {
    const [stray] = await seedContacts(s.db.pool, [{ phone: '+12125550399', name: 'Stray' }]);
    expect(await erasedContacts(s.db.pool, [ids['MSG.erased']!, ids['MSG.back']!, ids['DOI.control']!, stray!])).toEqual(new Set([ids['MSG.erased'], ids['MSG.back']]));
    await s.db.pool.query(`INSERT INTO erased_identifiers (kind, hash, contact_id, erased_at) VALUES ('phone', $1, 0, $2)`, [phoneHash('+12125550399'), NOW]);
    expect(await erasedContacts(s.db.pool, [stray!])).toEqual(new Set([stray]));
  });

  it('POST /v1/messages (SMS and e-mail) to the contact holding the erased address: accepted, SKIP suppressed, nothing sent', async () => {
    const ref = (await publicIdOf(s.db.pool, ids['MSG.back']!))!;
    for (const [channel, extra] of [['sms', {}], ['email', { subject: 'Your receipt' }]] as const) {
      const r = await api('POST', '/v1/messages', { contact_id: ref, channel, text: 'Your code is 123456', ...extra }, { 'idempotency-key': `erased-${channel}-${randomBytes(4).toString('hex')}` });
      expect(r.status).toBe(202);
      const campaignId = Number((await s.db.pool.query('SELECT campaign_id FROM api_messages WHERE id = $1', [r.body.message_id])).rows[0].campaign_id);
      const [decision] = await eventually(async () => {
        const d = await listDecisions(s.db.pool, campaignId, { reason: null, rule: null, contactId: null, limit: 10 });
        return d.length ? d : undefined;
      }, 60_000, `the decision of the ${channel} message`);
      expect(decision).toMatchObject({ contactId: ids['MSG.back'], decision: 'SKIP', reason: 'suppressed' });
    }
    expect(outbound(MSG.back)).toEqual([]);
    expect(mailsTo(MSG.email)).toEqual([]);
    expect((await s.db.pool.query(`SELECT count(*)::int AS n FROM send_ledger WHERE contact_id = $1`, [ids['MSG.back']])).rows[0].n).toBe(0);
  });

  it('consent confirm-sms: the contact holding the erased address is not asked (nor counted, nor recorded); the control is', async () => {
    const r = await askSmsDoubleOptIn({ pool: s.db.pool, client: s.client, policy: CONTACT_POLICY }, { countries: ['DE'], dryRun: false, brand: 'Acme', taskQueue: s.worker.taskQueue, at: NOW });
    expect(r).toMatchObject({ asked: 1, byCountry: { DE: 1 } });
    await s.client.workflow.getHandle(r.workflowId!).result();
    expect(outbound(DOI.control)).toEqual(['[Acme] Reply YES to receive offers by SMS, STOP to opt out']);
    expect(outbound(DOI.back)).toEqual([]);
    expect((await s.db.pool.query(`SELECT contact_id FROM consent_confirmations ORDER BY contact_id`)).rows.map((x) => Number(x.contact_id))).toEqual([ids['DOI.control']]);
  });

  it('recovery scan: a dead customer sharing the erased address gets no case, so the candidate holding it is never asked', async () => {
    let page;
    let afterId = 0;
    do {
      page = await scanDeadContacts(s.db.pool, { afterId, limit: 100, minFailures: 2, at: NOW, start: (k) => startOrSignalRecovery(s.client, s.db.pool, k, { taskQueue: s.worker.taskQueue, brand: 'Acme' }) });
      afterId = page.lastId ?? 0;
    } while (page.lastId !== null);
    expect(await casesOf(ids['SCAN.dead']!)).toEqual([]);
    expect(await casesOf(ids['SCAN.erased']!)).toEqual([]);
    // The customer linked to the erased candidate by a device only: a case, but the candidate excluded as erased, nobody asked.
    const [k] = await casesOf(ids['DEVICE.dead']!);
    expect(k).toMatchObject({ state: 'detected', candidate_contact_id: null, workflow_id: null });
    expect(k.excluded).toEqual([expect.objectContaining({ contactId: ids['DEVICE.back'], reason: 'erased' })]);
    await new Promise((r) => setTimeout(r, 1_000)); // a confirmation started by mistake would have gone out by now
    expect(outbound(SCAN.back)).toEqual([]);
    expect(outbound(DEVICE.back)).toEqual([]);
  });

  it('number change to an erased person\'s number: 422 unusable (excluded as erased); nobody asked, the current number not told', async () => {
    const ref = (await publicIdOf(s.db.pool, ids['CHANGE.customer']!))!;
    const r = await api('POST', `/v1/contacts/${ref}/number-change`, { phone: CHANGE.erased });
    expect(r).toMatchObject({ status: 422, body: { reason: 'unusable_number', excluded: [expect.objectContaining({ reason: 'erased' })] } });
    expect((await casesOf(ids['CHANGE.customer']!))[0]).toMatchObject({ state: 'detected', candidate_contact_id: null });
    // And a number no contact holds any more, known only by its hash in erased_identifiers.
    await s.db.pool.query(`INSERT INTO erased_identifiers (kind, hash, contact_id, erased_at) VALUES ('phone', $1, 0, $2)`, [phoneHash(LATE.reported2), NOW]);
    const again = await reportNumberChange(s.db.pool, ids['LATE.dead']!, LATE.reported2, NOW);
    expect(again).toMatchObject({ kind: 'unusable', excluded: [expect.objectContaining({ contactId: null, reason: 'erased' })] });
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM contacts WHERE phone_hash = $1', [phoneHash(LATE.reported2)])).rows[0].n).toBe(0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(outbound(CHANGE.erased)).toEqual([]);
    expect(outbound(CHANGE.customer)).toEqual([]);
    expect(outbound(LATE.reported2)).toEqual([]);
  });

  it('number change of the contact holding the erased address: API 409 contact_erased, CLI exit 1, no case, its current number not told', async () => {
    const ref = (await publicIdOf(s.db.pool, ids['CHANGE.back']!))!;
    const r = await api('POST', `/v1/contacts/${ref}/number-change`, { phone: '+12125550398' });
    expect(r).toMatchObject({ status: 409, body: { reason: 'contact_erased' } });
    const cli = await s.cli(['recovery', 'start', String(ids['CHANGE.back']), '--candidate', '+12125550398']);
    expect(cli).toMatchObject({ code: 1, stderr: expect.stringContaining('erased') });
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(await casesOf(ids['CHANGE.back']!)).toEqual([]);
    expect(outbound(CHANGE.back)).toEqual([]);
    expect(outbound('+12125550398')).toEqual([]);
  });

  it('a candidate that comes to hold an erased address after its match is never sent the confirmation: the case is cancelled as erased', async () => {
    const r = await reportNumberChange(s.db.pool, ids['LATE.dead']!, LATE.reported, NOW);
    if (r.kind !== 'matched') throw new Error(`expected a matched case, got ${r.kind}`);
    await s.db.pool.query('INSERT INTO contact_emails (contact_id, email_hash, email_enc) VALUES ($1, $2, $3)', [r.case.candidateContactId, emailHash(LATE.email), seal(LATE.email)]);
    await startOrSignalRecovery(s.client, s.db.pool, r.case, { taskQueue: s.worker.taskQueue, brand: 'Acme' });
    expect(await closedCaseOfContact(s, ids['LATE.dead']!)).toMatchObject({ state: 'cancelled', close_reason: 'erased', confirmation_sent_at: null });
    expect(outbound(LATE.reported)).toEqual([]);
  });

  it('a customer that comes to hold an erased address after the match: its current number is not told, the change cancelled', async () => {
    const r = await reportNumberChange(s.db.pool, ids['LATE.customer']!, '+12125550346', NOW);
    if (r.kind !== 'matched') throw new Error(`expected a matched case, got ${r.kind}`);
    expect(r.case.currentCheck).toBe('consent');
    await s.db.pool.query('INSERT INTO contact_emails (contact_id, email_hash, email_enc) VALUES ($1, $2, $3)', [ids['LATE.customer'], emailHash(LATE.email), seal(LATE.email)]);
    await startOrSignalRecovery(s.client, s.db.pool, r.case, { taskQueue: s.worker.taskQueue, brand: 'Acme', currentAnswerWithinMs: 2_000 });
    expect(await closedCaseOfContact(s, ids['LATE.customer']!)).toMatchObject({ state: 'cancelled', close_reason: 'current_number_not_told:erased', current_notice_sent_at: null });
    expect(outbound(LATE.customer)).toEqual([]);
    expect(outbound('+12125550346')).toEqual([]);
  });

  it('inbound START from the erased number, or from the contact holding the erased address: no auto-reply (HELP and STOP are answered)', async () => {
    const inbound = (from: string, body: string) =>
      applyInboundSms({ pool: s.db.pool, policy: SCORE_POLICY_V1, now: () => NOW, log: () => {} }, { replayKey: `k-${randomBytes(6).toString('hex')}`, messageSid: `SM${randomBytes(16).toString('hex')}`, from, to: '+15005550006', body }, { brand: 'Acme' });
    expect((await inbound(MSG.erased, 'START')).reply).toBeNull();
    expect((await inbound(MSG.back, 'START')).reply).toBeNull();
    expect((await inbound(LATE.reported2, 'START')).reply).toBeNull(); // no contact: an erased hash only
    expect((await inbound(DOI.control, 'START')).reply).toEqual(expect.any(String));
    expect((await inbound(MSG.back, 'HELP')).reply).toEqual(expect.any(String));
    expect((await inbound(MSG.back, 'STOP')).reply).toEqual(expect.any(String));
    // The START took nothing away: the contact is still refused on every channel.
    expect(await erasedContacts(s.db.pool, [ids['MSG.erased']!, ids['MSG.back']!])).toEqual(new Set([ids['MSG.erased'], ids['MSG.back']]));
  });
});
