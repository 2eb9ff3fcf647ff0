import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneHash } from '../db/contacts';
import { eventually, publicIdOfContact, startRecoveryStack, type RecoveryStack } from './helpers/recovery-stack';

// A brand's first use (issue 20): ONE bulk import of its CRM export holds a customer whose number
// died and that customer's newer account. Every row entered reachloop at the same time, so
// "newer" must come from the customer's own dates (registration, orders, opt-ins). Real parts:
// `reachloop audience import` and `recovery scan` / `recovery start` as child processes, the
// worker on Temporal, PostgreSQL, the sandbox carrier (its Lookup says the old number is out of
// service) and handsets (answering "Y" through the signed inbound webhook), the number-change API.

const NOW = new Date('2026-11-25T15:00:00Z'); // a Wednesday, 10:00 in New York: inside every window
const OLD = '+12125550301'; // the carrier says: not in service any more
const NEW = '+12125550302'; // the same customer's account of last March; its handset answers "Y"
const HOUSE = '+12125550303'; // shares the old customer's address, with orders of its own for years
const ANA = '+12125550311'; // reports her new number through the API
const ANA_NEW = '+12125550312';
const BO = '+12125550321'; // reports his at the support desk (`recovery start`)
const BO_NEW = '+12125550322';
const KIM = '+12125550331'; // another customer, since 2018

const CRM = [
  'customer_id,phone,email,name,created_at,first_order_date,last_order_at,order_value,order_count,opt_in_at,consent_source,channel,shipping_address',
  `C-100,${OLD},li@example.com,Li,2021-03-01,2021-03-02,2025-01-05,80,14,2021-03-01,web_form,store,"12 Elm St, Springfield"`,
  `C-200,${NEW},li@example.com,Li,2025-03-01,2025-03-04,2025-09-01,60,2,2025-03-01,web_form,app,"12 Elm St, Springfield"`,
  `C-300,${HOUSE},sam@example.com,Sam,2019-05-01,2019-05-03,2025-10-01,40,30,2019-05-01,web_form,store,"12 Elm St., Springfield"`,
  `C-400,${ANA},ana@example.com,Ana,2020-02-01,2020-02-02,2024-12-01,50,9,2020-02-01,web_form,web,`,
  `C-401,${ANA_NEW},,Ana,2025-06-01,,,,,2025-06-01,web_form,app,`,
  `C-500,${BO},bo@example.com,Bo,2020-07-01,,2025-02-01,30,3,2020-07-01,web_form,web,`,
  `C-501,${BO_NEW},,Bo,2025-04-01,,,,,2025-04-01,web_form,web,`,
  `C-600,${KIM},kim@example.com,Kim,2018-01-01,2018-01-02,2025-11-01,90,40,2018-01-01,web_form,web,`,
];

let s: RecoveryStack;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-recovery-import-'));
const idOf = async (phone: string) => Number((await s.db.pool.query('SELECT id FROM contacts WHERE phone_hash = $1', [phoneHash(phone)])).rows[0].id);
const closedCaseOf = (contactId: number) =>
  eventually(async () => {
    const k = (await s.db.pool.query('SELECT * FROM recovery_cases WHERE contact_id = $1 ORDER BY id DESC LIMIT 1', [contactId])).rows[0];
    return k && !['detected', 'matched', 'confirmation_sent'].includes(k.state) ? k : undefined;
  }, 60_000, `the case of contact ${contactId} to close`);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const show = async (phone: string): Promise<any> => JSON.parse((await s.cli(['contact', 'show', '--reason', 'test read', phone, '--json'])).stdout);

beforeAll(async () => {
  s = await startRecoveryStack({
    now: NOW,
    rules: [
      { to: OLD, lineStatus: 'inactive' },
      { to: NEW, reply: { body: 'Y', afterMs: 50 } },
      { to: ANA_NEW, reply: { body: 'Y', afterMs: 50 } },
      { to: BO_NEW, reply: { body: 'Y', afterMs: 50 } },
      // Ana's and Bo's current numbers still work: they are told of the change and agree to it (issue 17).
      { to: ANA, reply: { body: 'YES', afterMs: 50 } },
      { to: BO, reply: { body: 'YES', afterMs: 50 } },
    ],
  });
  const file = path.join(dir, 'crm.csv');
  writeFileSync(file, `${CRM.join('\n')}\n`);
  const imported = await s.cli(['audience', 'import', file, '--source', 'crm', '--json'], 120_000);
  if (imported.code !== 0) throw new Error(imported.stderr);
  expect(JSON.parse(imported.stdout)).toMatchObject({ accepted: 8, rejected: 0, created: 8 });
}, 180_000);

afterAll(async () => s?.stop());

describe('recovery after one bulk import, judged by the customer\'s own dates', () => {
  it('every row entered reachloop at once: only the source\'s dates can tell the accounts apart', async () => {
    const { rows } = await s.db.pool.query(`SELECT max(first_seen_at) - min(first_seen_at) AS spread FROM contacts`);
    expect(rows[0].spread.seconds ?? 0).toBeLessThan(60);
    expect(await show(OLD)).toMatchObject({ numberStatus: 'stopped' });
  });

  it('the scan asks the newer account, not the household member with a history of its own; "Y" merges them', async () => {
    const scan = await s.cli(['recovery', 'scan', '--reply-within', '2m', '--json'], 120_000);
    expect(scan.stderr).toBe('');
    expect(JSON.parse(scan.stdout)).toMatchObject({ dead: 1, casesOpened: 1, matched: 1, workflowsStarted: 1 });
    const oldId = await idOf(OLD);
    const k = await closedCaseOf(oldId);
    expect(k).toMatchObject({ state: 'confirmed', reply_kind: 'confirm', candidate_contact_id: String(await idOf(NEW)) });
    expect(k.evidence.map((e: { kind: string }) => e.kind).sort()).toEqual(['same_address', 'same_email']);
    expect(k.excluded).toEqual([expect.objectContaining({ contactId: await idOf(HOUSE), reason: 'other_active_customer' })]);
    // What matched, in words: no hash or fragment of one (a prefix of a number's keyed hash finds the number).
    expect(k.evidence.map((e: { detail: string }) => e.detail).sort()).toEqual(['a shared e-mail address', 'a shared shipping address']);
    const strings = JSON.stringify([k.evidence, k.excluded]).match(/"(?:[^"\\]|\\.)*"/g) ?? []; // the JSON's strings, in order (ids are numbers)
    expect(strings.filter((t) => /[0-9a-f]{8}/.test(t))).toEqual([]);
    expect(s.sandbox.messages({ to: HOUSE, direction: 'outbound-api' })).toHaveLength(0);
    expect(s.sandbox.messages({ to: NEW, direction: 'outbound-api' }).map((m) => m.body)).toEqual(['[Acme] Reply Y to confirm this is your new number, STOP to opt out']);

    const merged = await show(NEW);
    expect(merged.identity.aliases.map((a: { contactId: number }) => a.contactId)).toEqual([oldId]);
    // The person's customer ids, dates and counts now live on the new number; its own tag stays the primary one.
    const row = (await s.db.pool.query('SELECT * FROM contacts WHERE phone_hash = $1', [phoneHash(NEW)])).rows[0];
    expect(row).toMatchObject({ channel_tag: 'app', channel_tags: ['app', 'store'], source_order_count: 16 });
    expect(row.registered_at.toISOString()).toBe('2021-03-01T00:00:00.000Z');
    const ids = await s.db.pool.query(`SELECT external_id FROM contact_external_ids WHERE contact_id = $1 ORDER BY 1`, [row.id]);
    expect(ids.rows.map((r) => r.external_id)).toEqual(['C-100', 'C-200']);
  });

  it('a number the customer reports through the API, another row of the same import, is asked and merged', async () => {
    const anaId = await idOf(ANA);
    const ref = await publicIdOfContact(s, anaId);
    const post = (phone: string) =>
      fetch(`${s.publicBaseUrl}/v1/contacts/${ref}/number-change`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.contactsToken}` },
        body: JSON.stringify({ phone }),
      });
    // Kim's account is older than Ana's last order: another active customer's number is never asked.
    const taken = await post(KIM);
    expect(taken.status).toBe(422);
    expect(await taken.json()).toMatchObject({ excluded: [expect.objectContaining({ reason: 'other_active_customer' })] });
    const res = await post(ANA_NEW);
    expect(res.status).toBe(202);
    const k = await closedCaseOf(anaId);
    expect(k).toMatchObject({ state: 'confirmed', detection_reason: 'self_reported', candidate_contact_id: String(await idOf(ANA_NEW)) });
  });

  it('so is one reported at the support desk with `reachloop recovery start`', async () => {
    const boId = await idOf(BO);
    const started = await s.cli(['recovery', 'start', String(boId), '--candidate', BO_NEW, '--reply-within', '2m', '--json'], 120_000);
    expect(started.stderr).toBe('');
    expect(JSON.parse(started.stdout)).toMatchObject({ caseId: expect.any(Number), candidate: '+121****0322' });
    expect(await closedCaseOf(boId)).toMatchObject({ state: 'confirmed', candidate_contact_id: String(await idOf(BO_NEW)) });
  });
});
