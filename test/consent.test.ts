import type { Client } from '@temporalio/client';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyInboundSms } from '../services/inbound';
import { snapshotOf } from '../services/messages';
import { createSandboxSmsSender } from '../channels/sandbox-sms';
import { askSmsDoubleOptIn } from '../client/consent/confirm-sms';
import { parseCampaign } from '../core/campaign/definition';
import { CONTACT_POLICY } from '../core/policy/contact-policy';
import { SCORE_POLICY_V1 } from '../core/score-policy';
import { insertCampaign } from '../db/campaigns';
import { listDecisions, type DecisionRow } from '../db/decisions';
import { loadRecipients } from '../db/recipients';
import { campaignWorkflowId } from '../workflows/ids';
import { seedContacts, sealedText } from './helpers/contacts';
import { phoneHash } from '../db/contacts';
import { publicIdOf } from '../db/public-ids';
import { runCli, type TestDatabase, type TestWorker } from './helpers/harness';
import { startStack, type Stack } from './helpers/stack';

// Consent as the contact policy weighs it, on the real stack (Temporal, PostgreSQL, the worker's
// activities): the source of a consent decides whether it counts (bought lists never, implied ones
// not in the EU and GB), SMS marketing in DE waits for the YES to the double opt-in confirmation,
// and an `unsubscribe` event through the events API opts the contact out with the event as proof.

const US_BOUGHT = '+12125550150';
const US_IMPORT = '+12125550151';
const GB_PRE_TICKED = '+447400123456'; // GB (+447911 numbers are Guernsey's)
const GB_WEB_FORM = '+447400123457';
const DE_WEB_FORM = '+4915112345678';
const DE_BOUGHT = '+4915112345679';
const DE_RECOVERY = '+4915112345670';
const US_EVENTS = '+12125550152';
const TOKEN = 'test-token-0123456789abcdef';

// A Thursday afternoon: open in New York, London and Berlin, no public holiday in the US, GB or DE.
const clock = new Date('2026-11-19T15:00:00Z');
let stack: Stack;
let db: TestDatabase;
let worker: TestWorker;
let client: Client;
let base: string;
let env: Record<string, string>;
let ids: Record<string, number>;
const sms = createSandboxSmsSender();
const sentTo = (phone: string) => sms.sent().filter((m) => m.to === phone);

beforeAll(async () => {
  stack = await startStack({ now: () => clock, sandbox: false, activities: { sms }, server: { twilio: false, events: { apiToken: TOKEN, now: () => clock } } });
  ({ db, worker, client, env } = stack);
  base = stack.publicBaseUrl;
  const people = [
    { phone: US_BOUGHT, consentSource: 'purchased_list' },
    { phone: US_IMPORT, consentSource: 'customers.csv' },
    { phone: GB_PRE_TICKED, consentSource: 'pre_ticked' },
    { phone: GB_WEB_FORM, consentSource: 'web_form' },
    { phone: DE_WEB_FORM, consentSource: 'web_form' },
    { phone: DE_BOUGHT, consentSource: 'rented_list' },
    { phone: DE_RECOVERY, consentSource: 'checkout_checkbox' },
    { phone: US_EVENTS, email: 'eve@example.com' },
  ];
  const seeded = await seedContacts(db.pool, people.map((p) => ({ name: 'Kim', consent: ['sms'], ...p })));
  ids = Object.fromEntries(people.map((p, i) => [p.phone, seeded[i]!]));
});

afterAll(() => stack?.stop());

let lastCampaignId = 0;

/** Runs a marketing SMS campaign to these numbers at the clock; the last decision per phone. */
async function runMarketing(phones: string[]): Promise<Record<string, DecisionRow>> {
  const def = parseCampaign({
    name: 'offers',
    category: 'marketing',
    audience: { contactIds: phones.map((p) => ids[p]!) },
    channels: { A: 'sms', B: 'sms', C: 'sms' },
    fallback: false,
    templates: { sms: { en: 'Hi {{name}}, 20% off this week.' } },
    deadline: new Date(clock.getTime() + 3_600_000).toISOString(),
  });
  const campaignId = (lastCampaignId = await insertCampaign(db.pool, def));
  await client.workflow.execute('campaignWorkflow', { taskQueue: worker.taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, lanes: 1, batchSize: 50 }] });
  const rows = await listDecisions(db.pool, campaignId, { reason: null, rule: null, contactId: null, limit: 1000 });
  const phoneOf = Object.fromEntries(Object.entries(ids).map(([p, id]) => [id, p]));
  return Object.fromEntries(rows.map((r) => [phoneOf[r.contactId]!, r]));
}

const reply = (from: string, body: string, sid: string, context: 'default' | 'recovery_confirmation' = 'default') =>
  applyInboundSms({ pool: db.pool, policy: SCORE_POLICY_V1, now: () => clock, log: () => {} }, { replayKey: `k-${sid}`, messageSid: sid, from, to: '+15005550006', body }, { context });

const smsConsent = async (phone: string) =>
  (await db.pool.query('SELECT source, double_opt_in, proof FROM consents WHERE contact_id = $1 AND channel = $2', [ids[phone], 'sms'])).rows[0];

describe('consent sources in real campaigns', () => {
  it('a bought list gets no marketing, nor an implied consent in GB; a web form in GB and an import in the US do', async () => {
    const d = await runMarketing([US_BOUGHT, US_IMPORT, GB_PRE_TICKED, GB_WEB_FORM]);
    expect(d[US_BOUGHT]).toMatchObject({ decision: 'SKIP', reason: 'no_consent', rule: 'no_consent:consent-never-purchased-list' });
    expect(d[GB_PRE_TICKED]).toMatchObject({ decision: 'SKIP', reason: 'no_consent', rule: 'no_consent:consent-explicit-eu' });
    expect(d[GB_WEB_FORM]).toMatchObject({ decision: 'SEND', reason: 'ok' });
    expect(d[US_IMPORT]).toMatchObject({ decision: 'SEND', reason: 'ok' });
    expect(sentTo(US_BOUGHT)).toHaveLength(0);
    expect(sentTo(GB_PRE_TICKED)).toHaveLength(0);
    expect(sentTo(GB_WEB_FORM)).toHaveLength(1);
    // The audit trail can be filtered by the rule.
    const refused = await listDecisions(db.pool, lastCampaignId, { reason: null, rule: 'no_consent:consent-explicit-eu', contactId: null, limit: 10 });
    expect(refused.map((r) => r.contactId)).toEqual([ids[GB_PRE_TICKED]]);
  });
});

describe('SMS double opt-in in DE', () => {
  it('no SMS marketing to a DE web-form consent before its YES', async () => {
    const d = await runMarketing([DE_WEB_FORM]);
    expect(d[DE_WEB_FORM]).toMatchObject({ decision: 'SKIP', reason: 'no_consent', rule: 'no_consent:consent-double-opt-in' });
    expect(sentTo(DE_WEB_FORM)).toHaveLength(0);
  });

  it('consent confirm-sms: a dry run counts, then ONE transactional confirmation goes to each askable contact, once', async () => {
    const opts = { dryRun: true, brand: 'Acme', taskQueue: worker.taskQueue, at: clock };
    const dry = await askSmsDoubleOptIn({ pool: db.pool, client, policy: CONTACT_POLICY }, opts);
    expect(dry).toMatchObject({ countries: ['DE'], asked: 2, byCountry: { DE: 2 }, notAskable: 1, campaignId: null, dryRun: true });
    expect(sentTo(DE_WEB_FORM)).toHaveLength(0);

    const r = await askSmsDoubleOptIn({ pool: db.pool, client, policy: CONTACT_POLICY }, { ...opts, dryRun: false });
    expect(r).toMatchObject({ asked: 2, notAskable: 1, dryRun: false });
    await client.workflow.getHandle(r.workflowId!).result();
    expect(sentTo(DE_WEB_FORM).map((m) => m.body)).toEqual(['[Acme] Reply YES to receive offers by SMS, STOP to opt out']);
    expect(sentTo(DE_RECOVERY)).toHaveLength(1);
    expect(sentTo(DE_BOUGHT)).toHaveLength(0); // a rented list: no YES would make it consent
    const { rows } = await db.pool.query(`SELECT category FROM send_ledger WHERE campaign_id = $1`, [r.campaignId]);
    expect(rows.every((x) => x.category === 'transactional')).toBe(true);

    const again = await askSmsDoubleOptIn({ pool: db.pool, client, policy: CONTACT_POLICY }, { ...opts, dryRun: false });
    expect(again).toMatchObject({ asked: 0, campaignId: null });
  });

  it('a YES that answers a pending number confirmation is that answer, not the double opt-in', async () => {
    const r = await reply(DE_RECOVERY, 'YES', 'SMrecovery1', 'recovery_confirmation');
    expect(r.kind).toBe('confirm_yes');
    expect(await smsConsent(DE_RECOVERY)).toMatchObject({ double_opt_in: false });
  });

  it('YES to the confirmation sets the double opt-in with its proof; then SMS marketing goes', async () => {
    const r = await reply(DE_WEB_FORM, 'Yes', 'SMdoi1');
    expect(r.kind).toBe('opt_in');
    const k = await smsConsent(DE_WEB_FORM);
    expect(k).toMatchObject({ source: 'web_form', double_opt_in: true });
    expect(k.proof.doubleOptIn).toMatchObject({ messageSid: 'SMdoi1', body_sealed: sealedText('Yes'), receivedAt: clock.toISOString() });
    const { rows } = await db.pool.query('SELECT confirmed_at, proof FROM consent_confirmations WHERE contact_id = $1', [ids[DE_WEB_FORM]]);
    expect(rows[0].confirmed_at).toEqual(clock);
    expect(rows[0].proof).toMatchObject({ messageSid: 'SMdoi1' });

    const d = await runMarketing([DE_WEB_FORM]);
    expect(d[DE_WEB_FORM]).toMatchObject({ decision: 'SEND', reason: 'ok' });
    expect(sentTo(DE_WEB_FORM).map((m) => m.body)).toContainEqual(expect.stringMatching(/^Hi Kim, 20% off this week./));
  });

  it('reachloop consent confirm-sms: nobody is asked twice; a country outside the policy\'s list is refused', async () => {
    const dry = await runCli(['consent', 'confirm-sms', '--dry-run', '--json'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ countries: ['DE'], asked: 0, notAskable: 1, dryRun: true });
    const fr = await runCli(['consent', 'confirm-sms', '--country', 'FR'], env);
    expect(fr.code).toBe(1);
    expect(fr.stderr).toMatch(/asks no double opt-in in FR/);
  });

  it('a YES from a contact never asked changes no consent', async () => {
    await reply(GB_PRE_TICKED, 'YES', 'SMnotasked1');
    expect(await smsConsent(GB_PRE_TICKED)).toMatchObject({ double_opt_in: false });
  });
});

describe('the consent source at import', () => {
  const BOUGHT = '+12125550160';
  const FORM = '+12125550161';
  const GB_PLAIN = '+447400123470';
  it('maps a consent source column (else the import\'s source), counts the rows whose consent is never, and the decision weighs them', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-consent-'));
    const file = path.join(dir, 'shop.csv');
    writeFileSync(file, ['phone,name,opt_in_at,opt_in_source', `${BOUGHT},Bo,2026-01-01,Purchased List`, `${FORM},Flo,2026-01-01,Web Form`, `${GB_PLAIN},Gus,2026-01-01,`].join('\n'));
    const res = await runCli(['audience', 'import', file, '--source', 'shop-2026', '--json'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).consentNever).toEqual({ purchased_list: 1 });
    const human = await runCli(['audience', 'import', file, '--source', 'shop-2026'], env);
    expect(human.stdout).toMatch(/never consent\s+1 rows/);
    const sources = await db.pool.query(
      `SELECT c.phone_hash, k.source FROM consents k JOIN contacts c ON c.id = k.contact_id WHERE c.phone_hash = ANY($1) AND k.channel = 'sms'`,
      [[BOUGHT, FORM, GB_PLAIN].map(phoneHash)],
    );
    const byPhone = Object.fromEntries(sources.rows.map((r) => [r.phone_hash, r.source]));
    expect([BOUGHT, FORM, GB_PLAIN].map((p) => byPhone[phoneHash(p)])).toEqual(['purchased_list', 'web_form', 'shop-2026']);
    const idRows = await db.pool.query('SELECT id, phone_hash FROM contacts WHERE phone_hash = ANY($1)', [[BOUGHT, FORM, GB_PLAIN].map(phoneHash)]);
    for (const r of idRows.rows) ids[[BOUGHT, FORM, GB_PLAIN].find((p) => phoneHash(p) === r.phone_hash)!] = Number(r.id);
    await db.pool.query(`UPDATE contacts SET tier = 'A' WHERE id = ANY($1)`, [idRows.rows.map((r) => r.id)]);
    const d = await runMarketing([BOUGHT, FORM, GB_PLAIN]);
    expect(d[BOUGHT]).toMatchObject({ decision: 'SKIP', rule: 'no_consent:consent-never-purchased-list' });
    expect(d[GB_PLAIN]).toMatchObject({ decision: 'SKIP', rule: 'no_consent:consent-explicit-eu' });
    expect(d[FORM]).toMatchObject({ decision: 'SEND' });
  });

  it('a CRM file\'s bought rows get no marketing in the US nor in China, counted with or without an opt-in time; a bought opt-in never hides the customer\'s own', async () => {
    const US = '+12125550170';
    const US_NO_OPT_IN = '+12125550171';
    const CN = '+8613800138170';
    const OWN_LATER = '+12125550172'; // on the bought list first, then signed up through the web form
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-consent-crm-'));
    const run = async (name: string, lines: string[]) => {
      writeFileSync(path.join(dir, name), lines.join('\n'));
      const res = await runCli(['audience', 'import', path.join(dir, name), '--source', 'crm', '--json'], env);
      expect(res.code, res.stderr).toBe(0);
      return JSON.parse(res.stdout);
    };
    const first = await run('crm.csv', [
      'customer_id,phone,name,opt_in_at,consent_source',
      `B-1,${US},Una,2026-01-01,purchased_list`,
      `B-2,${US_NO_OPT_IN},Ulf,,purchased_list`,
      `B-3,${CN},Chen,2026-01-01,Rented List`,
      `B-4,${OWN_LATER},Oda,2025-01-01,purchased_list`,
    ]);
    expect(first.consentNever).toEqual({ purchased_list: 3, rented_list: 1 });
    await run('signups.csv', ['customer_id,phone,opt_in_at,consent_source', `B-4,${OWN_LATER},2026-02-01,web_form`]);
    const idRows = await db.pool.query('SELECT id, phone_hash FROM contacts WHERE phone_hash = ANY($1)', [[US, US_NO_OPT_IN, CN, OWN_LATER].map(phoneHash)]);
    for (const r of idRows.rows) ids[[US, US_NO_OPT_IN, CN, OWN_LATER].find((p) => phoneHash(p) === r.phone_hash)!] = Number(r.id);
    await db.pool.query(`UPDATE contacts SET tier = 'A' WHERE id = ANY($1)`, [idRows.rows.map((r) => r.id)]);
    expect(await smsConsent(OWN_LATER)).toMatchObject({ source: 'web_form' });
    const d = await runMarketing([US, US_NO_OPT_IN, CN, OWN_LATER]);
    expect(d[US]).toMatchObject({ decision: 'SKIP', rule: 'no_consent:consent-never-purchased-list' });
    expect(d[US_NO_OPT_IN]).toMatchObject({ decision: 'SKIP', rule: 'no_consent:consent-required' });
    expect(d[CN]).toMatchObject({ decision: 'SKIP', rule: 'no_consent:consent-never-rented-list' });
    expect(d[OWN_LATER]).toMatchObject({ decision: 'SEND' });
    expect([US, US_NO_OPT_IN, CN].flatMap(sentTo)).toEqual([]);
  });
});

describe('withdrawal through the events API', () => {
  const post = (events: unknown[]) =>
    fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ events }) });
  const suppressions = async (phone: string) =>
    (await db.pool.query('SELECT channel, kind, source, proof FROM suppressions WHERE contact_id = $1 ORDER BY channel', [ids[phone]])).rows;

  it('an unsubscribe event naming e-mail opts out of e-mail, with the event as proof; one naming nothing, of every channel', async () => {
    const at = new Date(clock.getTime() - 60_000).toISOString();
    const first = await post([{ event_id: 'crm-unsub-1', event: 'unsubscribed', phone: US_EVENTS, occurred_at: at, properties: { channel: 'email', reason: 'preference centre' } }]);
    expect(first.status).toBe(200);
    expect(await suppressions(US_EVENTS)).toEqual([
      { channel: 'email', kind: 'opt_out', source: 'event:api', proof: expect.objectContaining({ eventId: 'crm-unsub-1', event: 'unsubscribed', occurredAt: at, properties: expect.objectContaining({ channel: 'email' }) }) },
    ]);
    let snap = snapshotOf((await loadRecipients(db.pool, [ids[US_EVENTS]!], 'marketing')).get(ids[US_EVENTS]!)!);
    expect(snap.optedOut).toEqual({ sms: false, email: true });

    expect((await post([{ event_id: 'crm-unsub-2', event: 'unsubscribe', contact_id: await publicIdOf(db.pool, ids[US_EVENTS]!), occurred_at: at }])).status).toBe(200);
    expect((await suppressions(US_EVENTS)).map((s) => s.channel)).toEqual(['all', 'email']);
    snap = snapshotOf((await loadRecipients(db.pool, [ids[US_EVENTS]!], 'marketing')).get(ids[US_EVENTS]!)!);
    expect(snap.optedOut).toEqual({ sms: true, email: true });
    const d = await runMarketing([US_EVENTS]);
    expect(d[US_EVENTS]).toMatchObject({ decision: 'SKIP', reason: 'opted_out' });
  });

  it('a replayed unsubscribe event after the contact opted in again changes nothing', async () => {
    await db.pool.query(`DELETE FROM suppressions WHERE contact_id = $1`, [ids[US_EVENTS]]);
    const r = await post([{ event_id: 'crm-unsub-2', event: 'unsubscribe', contact_id: await publicIdOf(db.pool, ids[US_EVENTS]!), occurred_at: clock.toISOString() }]);
    expect(r.status).toBe(200);
    expect(await suppressions(US_EVENTS)).toEqual([]);
  });

  it('an inbound STOP keeps its own source and proof (the event it also stores adds nothing)', async () => {
    await reply(US_IMPORT, 'STOP', 'SMstop1');
    expect(await suppressions(US_IMPORT)).toEqual([expect.objectContaining({ channel: 'sms', kind: 'opt_out', source: 'sms_keyword' })]);
  });
});
