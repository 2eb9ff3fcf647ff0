import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { createRecoveryActivities } from '../activities/recovery';
import { detectAndMatch } from '../services/recovery-detect';
import { createSandboxSmsSender } from '../channels/sandbox-sms';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { phoneHash } from '../db/contacts';
import { campaignWorkflowId } from '../workflows/ids';
import { seedContacts } from './helpers/contacts';
import { eventually, startRecoveryStack, type RecoveryStack } from './helpers/recovery-stack';
import { queryPlain } from './helpers/contacts';

// Five accounts registered from one device in one day, imported with `reachloop audience import`
// (the CLI as a child process, the AudienceIntake workflow on a real worker, real PostgreSQL):
// they are quarantined (contact policy deviceFarms), a marketing campaign through the twilio
// library to the local Twilio-shaped server skips them, and when the customer who used that device
// before loses their number, `reachloop recovery scan` asks none of them (exclusion device_farm).
// A customer with one new account on their own device is still found, asked and merged.

const NOW = new Date('2026-11-25T15:00:00Z'); // a Wednesday, 10:00 in New York
const FARM_OLD = '+12125550000'; // scripted dead (30005): the sandbox carrier's Lookup reports it so
const FARM = ['+12125550401', '+12125550402', '+12125550403', '+12125550404', '+12125550405'];
const HOME_OLD = '+12125551111'; // scripted dead as well
const HOME_NEW = '+12125550411'; // the customer's one new account on their own tablet: answers "Y"

let s: RecoveryStack;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-device-farm-'));

beforeAll(async () => {
  s = await startRecoveryStack({
    now: NOW,
    rules: [{ to: HOME_NEW, reply: { body: 'Y', afterMs: 50 } }, { to: FARM_OLD, errorCode: 30005 }, { to: HOME_OLD, errorCode: 30005 }],
  });
}, 60_000);

afterAll(async () => s?.stop());

const idOf = async (e164: string) => Number((await s.db.pool.query('SELECT id FROM contacts WHERE phone_hash = $1', [phoneHash(e164)])).rows[0].id);

describe('device farms', () => {
  let report: { quarantined: number; quarantinedByReason: Record<string, number> };

  it('five accounts from one device in one day are quarantined at import, with the rule named', async () => {
    const file = path.join(dir, 'people.csv');
    writeFileSync(
      file,
      [
        'phone,name,opt_in_at,device_id',
        `${FARM_OLD},Li,2024-03-01T10:00:00-05:00,dev-7f3a`,
        ...FARM.map((p, i) => `${p},,2026-11-24T0${i + 1}:10:00-05:00,dev-7f3a`),
        `${HOME_OLD},Ana,2023-05-02T09:00:00-04:00,dev-home`,
        `${HOME_NEW},Ana,2026-11-20T09:00:00-05:00,dev-home`,
      ].join('\n'),
    );
    const res = await s.cli(['audience', 'import', file, '--json', '--no-progress']);
    expect(res.code, res.stderr).toBe(0);
    report = JSON.parse(res.stdout);
    expect(report.quarantined).toBe(5);
    expect(report.quarantinedByReason).toMatchObject({ deviceFarm: 5, sameDeviceRegistrations: 5 });

    const rows = await queryPlain(s.db.pool, 'SELECT phone_enc, quarantined, tier, risk_points, risk_reasons, tier_reasons FROM contacts');
    const by = Object.fromEntries(rows.map((r) => [r.phone_e164, r]));
    for (const p of FARM) {
      // 25 (same device) + 20 (same number range) risk points: under the score policy's quarantine
      // threshold of 50, so without the contact policy's farm rule they would be marketable.
      expect(by[p], p).toMatchObject({ quarantined: true, tier: 'D', risk_points: 45 });
      expect(by[p].risk_reasons.join('\n')).toContain('device farm: 5 registrations from one device within 24 h >= 5 (contact policy deviceFarms.sameDeviceRegistrations)');
      expect(by[p].tier_reasons.join('\n')).toContain('quarantined (');
    }
    // The customer who used the device years before, and the household tablet, are no farm.
    for (const p of [FARM_OLD, HOME_OLD, HOME_NEW]) expect(by[p].quarantined, p).toBe(false);
  });

  it('a marketing campaign sends to none of them', async () => {
    const ids = await Promise.all([...FARM, HOME_NEW].map(idOf));
    const campaignId = await insertCampaign(
      s.db.pool,
      parseCampaign({
        name: 'black friday',
        category: 'marketing',
        brand: 'Acme',
        audience: { contactIds: ids },
        channels: { A: 'sms', B: 'sms', C: 'sms', D: 'sms' },
        fallback: false,
        templates: { sms: { en: 'Acme: 30% off this Friday.' } },
      }),
    );
    await s.client.workflow.execute('campaignWorkflow', { taskQueue: s.worker.taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, lanes: 1, batchSize: 50 }] });
    await s.sandbox.idle();
    const { rows } = await s.db.pool.query('SELECT contact_id, decision, reason FROM campaign_decisions WHERE campaign_id = $1', [campaignId]);
    const decided = Object.fromEntries(rows.map((r) => [Number(r.contact_id), `${r.decision}:${r.reason}`]));
    for (const [i, p] of FARM.entries()) {
      expect(decided[ids[i]!], p).toBe('SKIP:quarantined');
      expect(s.sandbox.messages({ to: p })).toEqual([]);
    }
    expect(decided[ids[5]!]).toBe('SEND:ok');
  });

  it('recovery asks none of them (device_farm) and still finds the household tablet', async () => {
    const farmOld = await idOf(FARM_OLD);
    const homeOld = await idOf(HOME_OLD);
    // Both customers have been with us for years; their new accounts are recent.
    await s.db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '3 years' WHERE id = ANY($1::bigint[])`, [[farmOld, homeOld]]);
    await s.db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '2 days' WHERE id <> ALL($1::bigint[])`, [[farmOld, homeOld]]);

    const scan = await s.cli(['recovery', 'scan', '--reply-within', '2m', '--json']);
    expect(scan.code, scan.stderr).toBe(0);
    expect(JSON.parse(scan.stdout)).toMatchObject({ dead: 2, matched: 1, workflowsStarted: 1 });

    const caseOf = async (id: number) => (await s.db.pool.query('SELECT * FROM recovery_cases WHERE contact_id = $1', [id])).rows[0];
    const farmCase = await caseOf(farmOld);
    expect(farmCase).toMatchObject({ state: 'detected', candidate_contact_id: null });
    expect(farmCase.excluded).toHaveLength(5);
    for (const e of farmCase.excluded) expect(e).toMatchObject({ reason: 'device_farm' });

    const home = await eventually(async () => {
      const k = await caseOf(homeOld);
      return k?.state === 'confirmed' ? k : undefined;
    }, 60_000, 'the household case to be confirmed');
    expect(home.candidate_contact_id).toBe(String(await idOf(HOME_NEW)));
    expect(home.evidence).toEqual([expect.objectContaining({ kind: 'same_device' })]);

    // Not one confirmation to a farm account; the one to the household tablet went out.
    for (const p of FARM) expect(s.sandbox.messages({ to: p })).toEqual([]);
    expect(s.sandbox.messages({ to: HOME_NEW, direction: 'outbound-api' }).map((m) => m.body)).toContain('[Acme] Reply Y to confirm this is your new number, STOP to opt out');
    const recovery = await s.db.pool.query(`SELECT contact_id FROM send_ledger WHERE category = 'recovery'`);
    expect(recovery.rows.map((r) => Number(r.contact_id))).toEqual([await idOf(HOME_NEW)]);
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM contact_aliases')).rows[0].n).toBe(1);
  });

  it('a candidate found to be a farm account after it was matched is neither asked nor merged', async () => {
    const [oldId, newId] = await seedContacts(s.db.pool, [
      { phone: '+12125550921', email: 'kim@example.com', name: 'Kim' },
      { phone: '+12125550922', email: 'kim@example.com', tier: 'D', consent: [] },
    ]);
    await s.db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '3 years', validity = 'unreachable', number_status = 'empty' WHERE id = $1`, [oldId]);
    await s.db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '1 day' WHERE id = $1`, [newId]);
    const [d] = await detectAndMatch(s.db.pool, [{ contactId: oldId!, reason: 'number_empty' }], NOW);
    expect(d!.case).toMatchObject({ state: 'matched', candidateContactId: newId });
    // A later import counts the new account among six from one device that day.
    await s.db.pool.query('UPDATE contacts SET same_device_registrations = 6 WHERE id = $1', [newId]);

    const sms = createSandboxSmsSender();
    const logs: string[] = [];
    const activities = createRecoveryActivities(defaultActivityDeps(s.db.pool, { sms, now: () => NOW, log: (l) => logs.push(l) }));
    expect(await activities.planRecoveryConfirmation({ caseId: d!.case.id, kind: 'confirmation' })).toEqual({ action: 'stop', reason: 'device_farm' });
    expect(await activities.sendRecoveryConfirmation({ caseId: d!.case.id, kind: 'confirmation', brand: 'Acme' })).toEqual({ sent: false, reason: 'device_farm' });
    expect(await activities.settleRecoveryCase({ caseId: d!.case.id, outcome: 'confirmed', actor: 'test' })).toEqual({ state: 'cancelled' });
    const k = (await s.db.pool.query('SELECT state, close_reason FROM recovery_cases WHERE id = $1', [d!.case.id])).rows[0];
    expect(k).toEqual({ state: 'cancelled', close_reason: 'device_farm' });
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM contact_aliases WHERE old_contact_id = $1', [oldId])).rows[0].n).toBe(0);
    expect((await s.db.pool.query(`SELECT count(*)::int AS n FROM send_ledger WHERE contact_id = $1`, [newId])).rows[0].n).toBe(0);
    expect(sms.sent()).toEqual([]);
    expect(logs.join('\n')).toMatch(/candidate \+121\*+0922 is a device-farm account \(deviceFarms\.sameDeviceRegistrations\): not merged/);
  });
});
