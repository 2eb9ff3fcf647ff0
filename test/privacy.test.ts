import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { createSandboxSmsSender } from '../channels/sandbox-sms';
import { phoneHash } from '../db/contacts';
import { buildServer } from '../server';
import { isolatedDatabase, runCli, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';
import { queryPlain } from './helpers/contacts';
import { findPersonalData } from './helpers/pii-scan';

// Data subject requests and the access audit through the real parts: a CRM file imported by the
// CLI into a real PostgreSQL through the worker, a campaign sent through it, then `reachloop
// privacy export` and `privacy erase` (child processes), a scan of every text and jsonb column of
// every table for the person, a re-import of the same number and address, and the same through the
// JSON API with scoped tokens.

const NOW = new Date('2026-11-18T15:00:00Z'); // Wednesday 10:00 in New York: inside every window
const ANN = { phone: '+12125550141', typed: '(212) 555-0141', email: 'ann.erasable@example.com', name: 'Annabel Zweistein', address: '77 Quillfeather Lane, Brooklyn', customer: 'CUST-ANN-4711' };
const BOB = { phone: '+12125550142', email: 'bob.keeps@example.com', name: 'Bob Keeper' };
const CAI = { phone: '+12125550143' };
const ERIN = { phone: '+12125550188' }; // erased, then named again (an erased contact has no reference)
const KAI = { phone: '+12125550189' };
const STRANGER_PHONE = '+12125550187';
const REASON = 'DSR-118 access request';

let db: TestDatabase;
let worker: TestWorker;
let env: Record<string, string>;
let app: FastifyInstance;
let base: string;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-privacy-'));

beforeAll(async () => {
  db = await isolatedDatabase();
  worker = await startTestWorker(defaultActivityDeps(db.pool, { sms: createSandboxSmsSender(), now: () => NOW }));
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
  app = buildServer({ pool: db.pool });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await worker?.stop();
  await db?.drop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function cli(args: string[]): Promise<any> {
  const r = await runCli(args, env, 120_000);
  if (r.code !== 0) throw new Error(`reachloop ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    return r.stdout;
  }
}

const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

const HEADER = 'customer id,phone,email,name,country,last_order_at,order_value,opt_in_at,consent_source,shipping_address';
const CRM = write(
  'crm.csv',
  [
    HEADER,
    `${ANN.customer},${ANN.typed},${ANN.email},${ANN.name},US,2026-10-01,80,2026-01-05,web_form,"${ANN.address}"`,
    `CUST-BOB,${BOB.phone},${BOB.email},${BOB.name},US,2026-10-02,60,2026-01-05,web_form,`,
    // A row without a usable number: rejected, its raw text (the person's address and name) kept until retention or erasure.
    `CUST-ANN-OLD,not a number,${ANN.email},${ANN.name},US,,,,,`,
  ].join('\n') + '\n',
);

// The deadline makes a recipient the caps hold a SKIP at once instead of a DEFER to next week (the clock is pinned).
function campaignFile(name: string): string {
  return write(`${name}.yaml`, `name: ${name}\ncategory: marketing\nbrand: Acme\nchannels: { A: sms, B: sms, C: sms }\nfallback: false\ndeadline: 2026-11-18T17:00:00Z\ntemplates:\n  sms: { en: "Hi {{name}}, 20% off at {{brand}}." }\n`);
}

async function runCampaign(name: string): Promise<number> {
  const created = await cli(['campaign', 'create', campaignFile(name), '--json']);
  await cli(['campaign', 'launch', String(created.id), '--json']);
  for (let i = 0; i < 240; i++) {
    const s = await cli(['campaign', 'status', String(created.id), '--json']);
    if (s.phase === 'completed') return created.id;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`campaign ${name} did not complete`);
}

const contactId = async (phone: string) => Number((await db.pool.query('SELECT id FROM contacts WHERE phone_hash = $1', [phoneHash(phone)])).rows[0]?.id);
const needles = { texts: [ANN.email, ANN.name, ANN.address, ANN.customer, ANN.phone, ANN.typed], digits: [ANN.phone.slice(1), ANN.phone.slice(2)] };
const campaignCounts = async (id: number) => ({
  recipients: (await db.pool.query('SELECT state, count(*)::int AS n FROM campaign_recipients WHERE campaign_id = $1 GROUP BY 1 ORDER BY 1', [id])).rows,
  decisions: (await db.pool.query('SELECT decision, reason, count(*)::int AS n FROM campaign_decisions WHERE campaign_id = $1 GROUP BY 1, 2 ORDER BY 1, 2', [id])).rows,
  ledger: (await db.pool.query('SELECT channel, state, count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 GROUP BY 1, 2 ORDER BY 1, 2', [id])).rows,
});

describe('privacy: audit, export, erase, re-import', () => {
  let ann: number;
  let first: number;

  it('imports the file and sends a campaign; contact show needs a reason and is audited', async () => {
    const report = await cli(['audience', 'import', CRM, '--json', '--source', 'crm']);
    expect(report.accepted).toBe(2);
    ann = await contactId(ANN.phone);
    // Before the erasure the scan finds the person (the helper sees what it is meant to see).
    expect((await findPersonalData(db.pool, needles, { sealed: true })).length).toBeGreaterThan(3);
    await db.pool.query(`INSERT INTO events (event_id, contact_id, raw_tag, tag, occurred_at, properties, source) VALUES ('ev-1', $1, 'purchase', 'purchase', $2, $3, 'shop')`, [
      ann,
      NOW,
      JSON.stringify({ amount: 42.5, note: `gift for ${ANN.name}`, ship_to: ANN.address }),
    ]);
    first = await runCampaign('before');
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 AND contact_id = $2`, [first, ann])).rows[0].n).toBe(1);

    const refused = await runCli(['contact', 'show', ANN.phone, '--json'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--reason');
    const leaky = await runCli(['contact', 'show', ANN.phone, '--reason', `asked by ${ANN.email}`], env);
    expect(leaky.code).toBe(2);
    expect(leaky.stderr).toContain('must not contain an e-mail address');
    const shown = await cli(['contact', 'show', ANN.phone, '--reason', 'ticket 4711 delivery', '--unmask', '--json']);
    expect(shown).toMatchObject({ id: ann, phone: ANN.phone, name: ANN.name, emails: [ANN.email] });
  }, 240_000);

  it('privacy export prints everything held about the person, and is audited', async () => {
    const out = await cli(['privacy', 'export', ANN.phone, '--reason', REASON]);
    expect(out.profile).toMatchObject({ id: ann, phone: ANN.phone, name: ANN.name, emails: [ANN.email], fromSource: { shippingAddress: ANN.address, customerIds: [{ source: 'crm', id: ANN.customer }] } });
    expect(out.tables.contact_emails).toEqual([expect.objectContaining({ email: ANN.email })]);
    expect(out.tables.consents.length).toBeGreaterThan(0);
    expect(out.tables.events).toEqual([expect.objectContaining({ event_id: 'ev-1', properties: expect.objectContaining({ ship_to: ANN.address }) })]);
    expect(out.tables.send_ledger).toEqual([expect.objectContaining({ campaign_id: String(first), state: expect.any(String) })]);
    expect(out.tables.contact_external_ids).toEqual([expect.objectContaining({ external_id: ANN.customer })]);
    // Lookup hashes are not the person's data: left out.
    expect(JSON.stringify(out)).not.toContain(phoneHash(ANN.phone));
    // The export's own audit row is in it, with the reading of the profile before it.
    expect(out.tables.access_audit.map((a: { action: string; reason: string }) => [a.action, a.reason])).toEqual([
      ['contact.show', 'ticket 4711 delivery'],
      ['privacy.export', REASON],
    ]);
  });

  it('privacy erase leaves nothing that identifies the person in any column of any table; campaign counts unchanged', async () => {
    const before = await campaignCounts(first);
    const reportBefore = await cli(['campaign', 'report', String(first), '--json']);
    expect((await runCli(['privacy', 'erase', ANN.phone, '--reason', 'DSR-120 erasure'], env)).code).toBe(2); // no --yes
    const erased = await cli(['privacy', 'erase', ANN.phone, '--reason', 'DSR-120 erasure', '--yes', '--json']);
    expect(erased).toMatchObject({ contactId: ann, contacts: [ann] });
    expect(erased.rows.import_rejects).toBe(1); // the rejected line with the address and name

    expect(await findPersonalData(db.pool, needles, { sealed: true })).toEqual([]);
    expect(await campaignCounts(first)).toEqual(before);
    const reportAfter = await cli(['campaign', 'report', String(first), '--json']);
    expect(strip(reportAfter)).toEqual(strip(reportBefore));
    // Bob is untouched.
    expect((await findPersonalData(db.pool, { texts: [BOB.email, BOB.name] }, { sealed: true })).length).toBeGreaterThan(0);
    // The rejected line keeps its number and reason.
    expect(await queryPlain(db.pool, `SELECT line_no, reason, raw_enc FROM import_rejects`)).toEqual([expect.objectContaining({ line_no: 4, raw: null })]);
  });

  it('every read, export and erasure is in the audit, listed by reachloop audit', async () => {
    const rows = await cli(['audit', '--contact', String(ann), '--json']);
    expect(rows.map((r: { action: string }) => r.action)).toEqual(['privacy.erase', 'privacy.export', 'contact.show']);
    expect(rows[0]).toMatchObject({ actor: expect.stringMatching(/^cli:/), contactId: ann, reason: 'DSR-120 erasure' });
    const since = await cli(['audit', '--since', '1d', '--json']);
    expect(since.map((r: { action: string }) => r.action)).toEqual(['privacy.erase', 'privacy.export', 'contact.show']); // the refused reads wrote nothing
    expect(await cli(['audit', '--since', '2099-01-01', '--json'])).toEqual([]);
    const bad = await runCli(['audit', '--since', 'yesterday'], env);
    expect(bad.code).toBe(2);
    const human = await cli(['audit', '--contact', String(ann)]);
    expect(human).toMatch(/privacy\.erase\s+contact \d+\s+"DSR-120 erasure"/);
  });

  it('a re-import of the number, and of the address on another number, is suppressed at send time', async () => {
    const again = write(
      'again.csv',
      [
        HEADER,
        `${ANN.customer},${ANN.typed},${ANN.email},${ANN.name},US,2026-10-01,80,2026-01-05,web_form,`,
        `CUST-CAI,${CAI.phone},${ANN.email},Cai,US,2026-10-01,80,2026-01-05,web_form,`,
        // Rejected (no number), but it holds the name. (A rejected line holding only the erased number cannot be recognised:
        // no number is kept to recognise it by; retention empties it after importRejectsRaw days.)
        `CUST-TYPO,not a number,,${ANN.name},US,,,,,`,
      ].join('\n') + '\n',
    );
    await cli(['audience', 'import', again, '--json', '--source', 'crm']);
    expect(await contactId(ANN.phone)).toBe(ann); // the same keyed hash: the anonymised row, still suppressed
    const cai = await contactId(CAI.phone);
    const second = await runCampaign('after');
    const decisions = await cli(['campaign', 'decisions', String(second), '--json']);
    const of = (id: number) => decisions.filter((d: { contactId: number }) => Number(d.contactId) === id).map((d: { decision: string; reason: string }) => `${d.decision} ${d.reason}`);
    expect(of(ann)).toEqual(['SKIP suppressed']);
    expect(of(cai)).toEqual(['SKIP suppressed']);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 AND contact_id = ANY($2::bigint[])`, [second, [ann, cai]])).rows[0].n).toBe(0);

    // The re-imported data is erased again (the rejected line by the name), and the other contact holding the address too.
    expect((await findPersonalData(db.pool, needles, { sealed: true })).length).toBeGreaterThan(0);
    expect((await queryPlain(db.pool, `SELECT raw_enc FROM import_rejects WHERE raw_enc IS NOT NULL`)).filter((r) => r.raw.includes(ANN.name)).length).toBe(1);
    expect((await queryPlain(db.pool, `SELECT phone_enc FROM contacts WHERE id = $1`, [ann]))[0]!.phone_e164).toBe('erased'); // the number itself is not taken back
    await cli(['privacy', 'erase', String(ann), '--reason', 'DSR-124 erasure again', '--yes', '--json']);
    await cli(['privacy', 'erase', CAI.phone, '--reason', 'DSR-124 same person', '--yes', '--json']);
    expect(await findPersonalData(db.pool, needles, { sealed: true })).toEqual([]);
  }, 240_000);
});

describe('a read that cannot be audited does not happen', () => {
  it('contact show and privacy export fail (exit 1) and print nothing when the audit row cannot be written', async () => {
    const phone = (await queryPlain(db.pool, `SELECT phone_enc FROM contacts WHERE erased_at IS NULL ORDER BY id LIMIT 1`))[0]!.phone_e164;
    await db.pool.query('ALTER TABLE access_audit RENAME TO access_audit_away');
    try {
      for (const args of [['contact', 'show', phone, '--reason', 'ticket 7 audit down', '--unmask'], ['privacy', 'export', phone, '--reason', 'ticket 7 audit down']]) {
        const r = await runCli(args, env);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toContain('access_audit');
      }
    } finally {
      await db.pool.query('ALTER TABLE access_audit_away RENAME TO access_audit');
    }
  });
});

describe('privacy through the API: scopes, audit, erase', () => {
  let reader: string;
  let privacy: string;
  let bobRef: string;
  const get = (p: string, token: string) => fetch(`${base}${p}`, { headers: { authorization: `Bearer ${token}` } });
  const post = (p: string, body: unknown, token: string) => fetch(`${base}${p}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('GET /v1/contacts/:ref (contacts:read) answers the masked profile and is audited; export and erase need the privacy scope', async () => {
    reader = (await cli(['token', 'create', '--scope', 'contacts:read', '--name', 'support-desk', '--json'])).secret;
    privacy = (await cli(['token', 'create', '--scope', 'privacy', '--name', 'dpo-tool', '--json'])).secret;
    const bob = await contactId(BOB.phone);
    bobRef = (await db.pool.query(`UPDATE contacts SET public_id = COALESCE(public_id, 'ct_' || replace(gen_random_uuid()::text, '-', '')) WHERE id = $1 RETURNING public_id`, [bob])).rows[0].public_id;

    const noReason = await get(`/v1/contacts/${bobRef}`, reader);
    expect(noReason.status).toBe(400);
    const missing = (await noReason.json()) as { reason: string; error: string };
    expect(missing.reason).toBe('missing_reason');
    expect(missing.error).not.toContain('--reason'); // worded for an API caller
    // A reason naming the person has its own code; a ticket id with digit runs is an ordinary reason.
    const naming = await get(`/v1/contacts/${bobRef}?reason=${encodeURIComponent('caller at +1 212 555 0142 asked')}`, reader);
    expect(naming.status).toBe(400);
    expect(await naming.json()).toMatchObject({ reason: 'personal_data_in_reason' });
    const profile = await get(`/v1/contacts/${bobRef}?reason=${encodeURIComponent('ticket 99 callback')}`, reader);
    expect(profile.status).toBe(200);
    const body = (await profile.json()) as { phone: string };
    expect(body).toMatchObject({ publicId: bobRef, name: BOB.name });
    expect(body).not.toHaveProperty('id'); // the sequential id is never in an API answer
    expect(JSON.stringify(body)).not.toContain(BOB.email);
    expect(body.phone).not.toBe(BOB.phone);

    expect((await get(`/v1/contacts/${bobRef}?reason=${encodeURIComponent('DSR-2026-000123 order 123456789012')}`, reader)).status).toBe(200);

    expect((await get(`/v1/contacts/${bobRef}/export?reason=DSR-121`, reader)).status).toBe(403);
    const refused = await post(`/v1/contacts/${bobRef}/erase`, { reason: 'DSR-121' }, reader);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ reason: 'missing_scope', scope: 'privacy' });
    expect((await get(`/v1/contacts/${bobRef}?reason=DSR-121`, privacy)).status).toBe(403);

    const exported = await get(`/v1/contacts/${bobRef}/export?reason=DSR-121`, privacy);
    expect(exported.status).toBe(200);
    expect(((await exported.json()) as { profile: unknown }).profile).toMatchObject({ id: bob, phone: BOB.phone, emails: [BOB.email] });

    // An open changed-number case: its workflow still acts on the number, so the erasure waits for its cancellation.
    const kase = (await db.pool.query(`INSERT INTO recovery_cases (contact_id, old_phone_hash, detection_reason, state, detected_at) VALUES ($1, $2, 'operator', 'matched', $3) RETURNING id`, [bob, phoneHash(BOB.phone), NOW])).rows[0].id;
    const blocked = await post(`/v1/contacts/${bobRef}/erase`, { reason: 'DSR-122' }, privacy);
    expect(blocked.status).toBe(409);
    expect(await blocked.json()).toMatchObject({ reason: 'recovery_case_open', case_ids: [Number(kase)] });
    const cliBlocked = await runCli(['privacy', 'erase', BOB.phone, '--reason', 'DSR-122', '--yes'], env);
    expect(cliBlocked.code).toBe(1);
    expect(cliBlocked.stderr).toContain(`reachloop recovery cancel ${kase}`);
    expect(await findPersonalData(db.pool, { texts: [BOB.email] }, { sealed: true })).not.toEqual([]); // nothing changed
    await db.pool.query(`UPDATE recovery_cases SET state = 'cancelled', closed_at = $2 WHERE id = $1`, [kase, NOW]);

    const erased = await post(`/v1/contacts/${bobRef}/erase`, { reason: 'DSR-122' }, privacy);
    expect(erased.status).toBe(200);
    expect(await erased.json()).toMatchObject({ erased: true, contacts: 1 });
    expect(await findPersonalData(db.pool, { texts: [BOB.email, BOB.name, BOB.phone], digits: [BOB.phone.slice(1)] }, { sealed: true })).toEqual([]);
    // The reference dies with the person.
    expect((await get(`/v1/contacts/${bobRef}/export?reason=DSR-123`, privacy)).status).toBe(404);

    const audit = (await db.pool.query(`SELECT actor, action, reason FROM access_audit WHERE contact_id = $1 ORDER BY id`, [bob])).rows;
    expect(audit).toEqual([
      { actor: 'api:support-desk', action: 'contact.read', reason: 'ticket 99 callback' },
      { actor: 'api:support-desk', action: 'contact.read', reason: 'DSR-2026-000123 order 123456789012' },
      { actor: 'api:dpo-tool', action: 'privacy.export', reason: 'DSR-121' },
      { actor: 'api:dpo-tool', action: 'privacy.erase', reason: 'DSR-122' },
    ]);
  });
});

// An erased contact's reference is gone (README) and stays gone: neither `contact show` nor an
// event naming the person's number gives the anonymised row a new ct_ reference, and the API answers
// for it as for a number no contact holds.
describe('an erased contact has no reference', () => {
  it('contact show and an event by the number give the erased row no new reference; the API answers as for an unknown number', async () => {
    await cli(['audience', 'import', write('erin.csv', ['phone,name', `${ERIN.phone},Erin`, `${KAI.phone},Kai`].join('\n')), '--source', 'shop', '--json']);
    const shown = await cli(['contact', 'show', ERIN.phone, '--reason', 'ticket 2026-12-06', '--json']);
    const erasedId = shown.id as number;
    const refOf = async (id: number): Promise<string | null> => (await db.pool.query('SELECT public_id FROM contacts WHERE id = $1', [id])).rows[0].public_id;
    expect(shown.publicId).toMatch(/^ct_[0-9a-f]{32}$/);
    await cli(['privacy', 'erase', ERIN.phone, '--reason', 'DSR-2026-000123 erasure', '--yes', '--json']);
    expect(await refOf(erasedId)).toBeNull();

    // contact show of the anonymised row (by its id): no reference shown, none given.
    const again = await cli(['contact', 'show', String(erasedId), '--reason', 'ticket 2026-12-07', '--json']);
    expect(again.publicId).toBeNull();
    expect(await refOf(erasedId)).toBeNull();

    // An event naming the erased number through the API: answered as one naming a number nobody holds.
    const token = (await cli(['token', 'create', '--scope', 'events:write', '--name', 'shop-events', '--json'])).secret;
    const post = async (phone: string, id: string) => {
      const res = await fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: [{ event_id: id, event: 'login', phone, occurred_at: '2026-11-17T10:00:00Z' }] }),
      });
      const { results } = (await res.json()) as { results: Array<Record<string, unknown>> };
      const { event_id: _id, index: _i, ...rest } = results[0]!;
      return rest;
    };
    const forErased = await post(ERIN.phone, 'ev-erased');
    const forStranger = await post(STRANGER_PHONE, 'ev-stranger');
    expect(forErased).toEqual(forStranger);
    expect(forErased).toMatchObject({ contact_id: null });
    expect(await refOf(erasedId)).toBeNull();
    // A contact that was not erased still gets its reference when an event names it.
    expect(await post(KAI.phone, 'ev-kept')).toMatchObject({ contact_id: expect.stringMatching(/^ct_[0-9a-f]{32}$/) });
  });
});

/** A report without the times it was made at. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function strip(r: any): unknown {
  const { generatedAt: _g, ...rest } = r;
  return rest;
}
