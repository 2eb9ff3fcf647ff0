import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MERGE_RULES } from '../core/recovery/merge';
import { phoneHash } from '../db/contacts';
import { mergeConfirmed } from '../db/recovery-merge';
import { sealedBody } from '../db/sealed-fields';
import { detectAndMatch } from '../services/recovery-detect';
import { queryPlain } from './helpers/contacts';
import { findPersonalData } from './helpers/pii-scan';
import { startStack, type Stack } from './helpers/stack';

// `privacy export` holds everything the erasure of the same contact removes (review of issue 17
// item 4): a customer imported by the CLI, messaged by a campaign on the old number (the real
// twilio library to the local Twilio-shaped server, which fails it with 30003), whose old
// number died and was merged by the recovery merge into the newer account (the old contact an
// alias); rows held by the old number without a contact id (an event that never attached, one
// named by the customer id, a pending opt-out, the carrier lookup's cache) and a rejected import
// line writing the old number. The export of the new contact holds each, under `mergedEarlier`
// and `heldByIdentifier` (with an import warning naming the person); the export of another
// person holds none; the erasure removes each.

const NOW = new Date('2026-11-18T15:00:00Z'); // Wednesday 10:00 in New York: inside every window
const DEE = { old: '+12125550171', oldTyped: '212-555-0171', new: '+12125550172', email: 'dee.changed@example.com', name: 'Deirdre Quillon', customer: 'CUST-DEE-1' };
const EVE = { phone: '+12125550181', email: 'eve.other@example.com', name: 'Evangeline Other' };
const OPT_OUT_TEXT = 'STOP texting me Deirdre here';
const HEADER = 'customer id,phone,email,name,country,last_order_at,order_value,opt_in_at,consent_source,shipping_address';

let s: Stack;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-export-all-'));

beforeAll(async () => {
  s = await startStack({ now: () => NOW, sandbox: { rules: [{ to: DEE.old, errorCode: 30003 }] } }); // the old number is dead: its SMS fails
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

/** `reachloop ARGS`, which must succeed; its output parsed when it is JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function cli(args: string[]): Promise<any> {
  const r = await s.cli(args, 120_000);
  if (r.code !== 0) throw new Error(`reachloop ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout.trimStart().startsWith('{') || r.stdout.trimStart().startsWith('[') ? JSON.parse(r.stdout) : r.stdout;
}

const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

const contactId = async (phone: string) => Number((await s.db.pool.query('SELECT id FROM contacts WHERE phone_hash = $1', [phoneHash(phone)])).rows[0]?.id);

async function runCampaign(name: string): Promise<number> {
  const file = write(`${name}.yaml`, `name: ${name}\ncategory: marketing\nbrand: Acme\nchannels: { A: sms, B: sms, C: sms }\nfallback: false\ndeadline: 2026-11-18T17:00:00Z\ntemplates:\n  sms: { en: "Hi {{name}}, 20% off at {{brand}}." }\n`);
  const created = await cli(['campaign', 'create', file, '--json']);
  await cli(['campaign', 'launch', String(created.id), '--json']);
  for (let i = 0; i < 240; i++) {
    if ((await cli(['campaign', 'status', String(created.id), '--json'])).phase === 'completed') return created.id;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`campaign ${name} did not complete`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Export = any;

describe('privacy export: the contacts merged into this one, and the rows held by the number or address', () => {
  let oldId: number;
  let newId: number;
  let eveId: number;
  let caseId: number;
  let dee: Export;

  it('a customer messaged on the old number, the number dead, merged by recovery into the newer account; rows held by the old number', async () => {
    const crm = write(
      'crm.csv',
      [
        HEADER,
        `${DEE.customer},${DEE.old},${DEE.email},${DEE.name},US,2026-03-01,80,2025-01-05,web_form,"12 Marigold Court, Queens"`,
        `CUST-DEE-2,${DEE.new},${DEE.email},${DEE.name},US,,,2026-10-05,web_form,`,
        `CUST-EVE,${EVE.phone},${EVE.email},${EVE.name},US,2026-10-02,60,2026-01-05,web_form,`,
        // Rejected (no usable number): one writes the old number in another column, one is the other person's.
        `CUST-NOTE,not a number,,Call ${DEE.oldTyped} after six,US,,,,,`,
        `CUST-EVE-OLD,not a number,${EVE.email},${EVE.name},US,,,,,`,
        // Imported with a warning about the e-mail field, which holds her name.
        `CUST-FAY,+12125550191,ask ${DEE.name},Fay Third,US,2026-10-02,60,2026-01-05,web_form,`,
      ].join('\n') + '\n',
    );
    const report = await cli(['audience', 'import', crm, '--json', '--source', 'crm']);
    expect(report.accepted).toBe(4);
    // An import no longer quotes the value into the warning; one written before it stopped (kept until
    // its retention period ends) names her: made so here.
    const warning = (await s.db.pool.query(`SELECT detail FROM import_warnings WHERE line_no = 7`)).rows[0].detail as string;
    expect(warning).not.toContain(DEE.name);
    await s.db.pool.query(`UPDATE import_warnings SET detail = $1 WHERE line_no = 7`, [`not an e-mail address (expected name@domain.tld): "ask ${DEE.name}"`]);
    [oldId, newId, eveId] = [await contactId(DEE.old), await contactId(DEE.new), await contactId(EVE.phone)];
    const campaign = await runCampaign('before');
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 AND contact_id = $2', [campaign, oldId])).rows[0].n).toBe(1);

    // The old number died; the newer account with the same e-mail is the match; its "Y" merges them.
    await s.db.pool.query(`UPDATE contacts SET first_seen_at = $2::timestamptz - interval '3 years', validity = 'unreachable', number_status = 'empty' WHERE id = $1`, [oldId, NOW]);
    await s.db.pool.query(`UPDATE contacts SET first_seen_at = $2::timestamptz - interval '10 days' WHERE id = $1`, [newId, NOW]);
    const [d] = await detectAndMatch(s.db.pool, [{ contactId: oldId, reason: 'number_empty' }], NOW);
    expect(d).toMatchObject({ matched: true, case: { candidateContactId: newId } });
    caseId = d!.case.id;
    const merge = await mergeConfirmed(s.db.pool, caseId, { actor: 'test', at: NOW, followUpCampaignId: null, rules: MERGE_RULES });
    expect(merge).toMatchObject({ oldContactId: oldId, newContactId: newId, alreadyMerged: false });

    // Held by the old number or the customer id, without a contact id.
    await s.db.pool.query(
      `INSERT INTO events (event_id, contact_id, phone_hash, customer_ref, raw_tag, occurred_at, properties, source) VALUES
         ('ev-by-old-number', NULL, $1, NULL, 'page_view', $2::timestamptz - interval '2 hours', '{"path": "/cart"}', 'shop'),
         ('ev-by-customer-id', NULL, NULL, $3, 'page_view', $2::timestamptz - interval '1 hour', '{"path": "/account"}', 'shop'),
         ('ev-eve-unattached', NULL, $4, NULL, 'page_view', $2, '{}', 'shop')`,
      [phoneHash(DEE.old), NOW, DEE.customer, phoneHash('+12125550189')],
    );
    await s.db.pool.query(`INSERT INTO pending_opt_outs (phone_hash, channel, source, proof, received_at) VALUES ($1, 'sms', 'inbound_sms', $2, $3)`, [phoneHash(DEE.old), JSON.stringify(sealedBody(OPT_OUT_TEXT)), NOW]);
    await s.db.pool.query(`INSERT INTO number_lookup_cache (phone_hash, provider, status, line_type, looked_up_at) VALUES ($1, 'sandbox', 'empty', 'mobile', $2) ON CONFLICT (phone_hash) DO NOTHING`, [phoneHash(DEE.old), NOW]);
  }, 240_000);

  it('the export of the new contact holds the merged contact with when, and every row held by the old number, customer id or address', async () => {
    dee = await cli(['privacy', 'export', DEE.new, '--reason', 'DSR-300 access request']);
    expect(dee.contactId).toBe(newId);
    expect(dee.mergedEarlier).toEqual([
      expect.objectContaining({ contactId: oldId, mergedInto: newId, mergedAt: NOW.toISOString(), caseId, erased: false }),
    ]);
    const merged = dee.mergedEarlier[0].tables;
    expect(merged.contacts).toEqual([expect.objectContaining({ id: String(oldId), phone_e164: DEE.old })]);
    expect(merged.send_ledger).toEqual([expect.objectContaining({ contact_id: String(oldId) })]); // the SMS to the old number
    expect(merged.campaign_decisions.length).toBeGreaterThan(0);
    expect(merged.suppressions).toEqual([expect.objectContaining({ source: 'recovery:merged' })]);

    const held = dee.heldByIdentifier;
    expect(held.events.map((e: { event_id: string }) => e.event_id)).toEqual(['ev-by-old-number', 'ev-by-customer-id']);
    expect(held.events[0]).toMatchObject({ phone: DEE.old, properties: { path: '/cart' } });
    expect(held.events[1]).toMatchObject({ customer_ref: DEE.customer });
    expect(held.pending_opt_outs).toEqual([expect.objectContaining({ phone: DEE.old, channel: 'sms', proof: { body: OPT_OUT_TEXT } })]);
    expect(held.number_lookup_cache).toEqual([expect.objectContaining({ phone: DEE.old, status: 'empty' })]);
    expect(held.import_rejects).toEqual([expect.objectContaining({ line_no: 5, reason: expect.any(String), import_id: expect.any(String), raw: expect.stringContaining(DEE.oldTyped) })]);
    expect(held.import_warnings).toEqual([expect.objectContaining({ line_no: 7, field: 'email', reason: 'invalid_email', detail: expect.stringContaining(DEE.name) })]);
    // Lookup hashes are not the person's data: left out everywhere.
    for (const phone of [DEE.old, DEE.new]) expect(JSON.stringify(dee)).not.toContain(phoneHash(phone));
    // One audit row per export, as before.
    expect((await s.db.pool.query(`SELECT count(*)::int AS n FROM access_audit WHERE action = 'privacy.export' AND contact_id = $1`, [newId])).rows[0].n).toBe(1);
  });

  it('the export of another person (through the API) holds none of them', async () => {
    const token = (await cli(['token', 'create', '--scope', 'privacy', '--name', 'dpo-tool', '--json'])).secret;
    const ref = (await s.db.pool.query(`UPDATE contacts SET public_id = COALESCE(public_id, 'ct_' || replace(gen_random_uuid()::text, '-', '')) WHERE id = $1 RETURNING public_id`, [eveId])).rows[0].public_id;
    const res = await fetch(`${s.publicBaseUrl}/v1/contacts/${ref}/export?reason=DSR-301`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const eve = (await res.json()) as Export;
    expect(eve.mergedEarlier).toEqual([]);
    expect(eve.heldByIdentifier).toMatchObject({ events: [], pending_opt_outs: [], number_lookup_cache: [], import_warnings: [] });
    expect(eve.heldByIdentifier.import_rejects).toEqual([expect.objectContaining({ line_no: 6, raw: expect.stringContaining(EVE.name) })]); // her own line only
    const text = JSON.stringify(eve);
    for (const needle of [DEE.old, DEE.oldTyped, DEE.new, DEE.customer, DEE.name, OPT_OUT_TEXT, 'ev-by-old-number', 'ev-by-customer-id', 'ev-eve-unattached']) expect(text).not.toContain(needle);
  });

  it('the erasure of the new contact removes each exported row; the counts match the export', async () => {
    const erased = await cli(['privacy', 'erase', DEE.new, '--reason', 'DSR-302 erasure', '--yes', '--json']);
    expect(erased.contacts).toEqual([newId, oldId]);
    expect(erased.rows.send_ledger).toBe(dee.tables.send_ledger.length + dee.mergedEarlier[0].tables.send_ledger.length);
    expect(erased.rows['events (unmatched)']).toBe(dee.heldByIdentifier.events.length);
    expect(erased.rows.pending_opt_outs).toBe(1);
    expect(erased.rows.number_lookup_cache).toBe(1);
    expect(erased.rows.import_rejects).toBe(1);
    expect(erased.rows.import_warnings).toBe(1);

    expect((await s.db.pool.query(`SELECT event_id FROM events WHERE event_id LIKE 'ev-%' ORDER BY event_id`)).rows).toEqual([{ event_id: 'ev-eve-unattached' }]);
    expect((await s.db.pool.query(`SELECT proof FROM pending_opt_outs WHERE phone_hash = $1`, [phoneHash(DEE.old)])).rows).toEqual([{ proof: {} }]);
    expect(await queryPlain(s.db.pool, `SELECT line_no, raw_enc FROM import_rejects ORDER BY line_no`)).toEqual([
      { line_no: 5, raw: null },
      { line_no: 6, raw: expect.stringContaining(EVE.name) },
    ]);
    expect((await s.db.pool.query(`SELECT line_no, detail FROM import_warnings`)).rows).toEqual([{ line_no: 7, detail: '' }]);
    const needles = { texts: [DEE.email, DEE.name, DEE.customer, DEE.old, DEE.new, OPT_OUT_TEXT, 'Marigold Court'], digits: [DEE.old.slice(1), DEE.new.slice(1)] };
    expect(await findPersonalData(s.db.pool, needles, { sealed: true })).toEqual([]);

    // An export after the erasure: the rows held by the numbers are gone, the erased contacts hold no identifiers.
    const after = await cli(['privacy', 'export', String(newId), '--reason', 'DSR-303 after erasure']);
    expect(after.mergedEarlier).toEqual([expect.objectContaining({ contactId: oldId, erased: true })]);
    expect(after.heldByIdentifier).toMatchObject({ events: [], pending_opt_outs: [], number_lookup_cache: [], import_rejects: [], import_warnings: [] });
    expect(JSON.stringify(after)).not.toContain(DEE.oldTyped);
  });
});
