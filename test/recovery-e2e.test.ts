import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { recoveryScanScheduleId } from '../workflows/ids';
import { campaignWorkflowId } from '../workflows/ids';
import { seedContacts } from './helpers/contacts';
import { closedCaseOfContact, publicIdOfContact, SANDBOX_FROM, startRecoveryStack, type RecoveryStack } from './helpers/recovery-stack';

// The changed-number funnel end to end, through the real parts: campaigns send through the
// `twilio` library to the local Twilio-shaped server, which answers 30003 twice for the old
// number; `reachloop recovery scan` finds the customer's newer account by its e-mail and starts
// the case; the confirmation SMS goes out; the scripted handset answers "Y" with a signed inbound
// webhook; the server signals the case; the merge shows in `reachloop contact show`.

const NOW = new Date('2026-11-25T15:00:00Z'); // a Wednesday, 10:00 in New York: inside every window
const OLD = '+12125550171'; // the sandbox answers 30003 every time
const NEW = '+12125550172'; // the customer's newer account: answers "Y"
const API_OLD = '+12125550181';
const API_NEW = '+12125550182'; // reported through the API; answers "YES" (confirms; not an opt-in here)
const OTHER = '+12125550183'; // another, older customer
const LINE_OLD = '+12125555555'; // the sandbox carrier now reports it as a landline (rule below)
const LINE_NEW = '+12125550156'; // answers "Y"
const SCAN_OLD = '+12125550191';
const SCAN_NEW = '+12125550192'; // never answers

let s: RecoveryStack;
let ids: Record<string, number>;

beforeAll(async () => {
  s = await startRecoveryStack({
    now: NOW,
    rules: [
      { to: OLD, errorCode: 30003 },
      { to: NEW, reply: { body: 'Y', afterMs: 50 } },
      { to: API_NEW, reply: { body: 'YES', afterMs: 50 } },
      { to: API_OLD, reply: { body: 'YES', afterMs: 50 } }, // the current number, still reachable, agrees to the change
      { to: LINE_NEW, reply: { body: 'Y', afterMs: 50 } },
      { to: LINE_OLD, lineType: 'landline' },
    ],
  });
  const seeded = await seedContacts(s.db.pool, [
    { phone: OLD, email: 'li@example.com', name: 'Li', tier: 'A' },
    { phone: NEW, email: 'li@example.com', tier: 'D', consent: [] },
    { phone: API_OLD, name: 'Ana', tier: 'B' },
    { phone: SCAN_OLD, email: 'sam@example.com', name: 'Sam' },
    { phone: SCAN_NEW, email: 'sam@example.com', tier: 'D', consent: [] },
    { phone: OTHER, name: 'Olu' },
    { phone: LINE_OLD, email: 'lin@example.com', name: 'Lin' },
    { phone: LINE_NEW, email: 'lin@example.com', tier: 'D', consent: [] },
  ]);
  ids = Object.fromEntries([OLD, NEW, API_OLD, SCAN_OLD, SCAN_NEW, OTHER, LINE_OLD, LINE_NEW].map((p, i) => [p, seeded[i]!]));
  await s.db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '2 years' WHERE id = $1`, [ids[LINE_OLD]]);
  await s.db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '5 days' WHERE id = $1`, [ids[LINE_NEW]]);
  await s.db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '5 years' WHERE id = $1`, [ids[OTHER]]);
  await s.db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '3 years' WHERE id = ANY($1::bigint[])`, [[ids[OLD], ids[API_OLD], ids[SCAN_OLD]]]);
  await s.db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '10 days' WHERE id = ANY($1::bigint[])`, [[ids[NEW], ids[SCAN_NEW]]]);
  await s.db.pool.query(`INSERT INTO orders (contact_id, external_id, amount, placed_at) VALUES ($1, 'o-1', 129, now() - interval '1 year'), ($1, 'o-2', 58, now() - interval '200 days')`, [ids[OLD]]);
  await s.db.pool.query(`INSERT INTO loyalty_points (contact_id, delta, reason) VALUES ($1, 500, 'order o-1')`, [ids[OLD]]);
  await s.db.pool.query(`INSERT INTO coupons (contact_id, code, value) VALUES ($1, 'WELCOME10', 10)`, [ids[OLD]]);
}, 60_000);

afterAll(async () => s?.stop());

/** A marketing SMS, or a transactional one (the policy keeps marketing from a number that failed: tier D). */
async function sendCampaign(phones: string[], category: 'marketing' | 'transactional' = 'marketing'): Promise<void> {
  const campaignId = await insertCampaign(
    s.db.pool,
    parseCampaign({
      name: category === 'marketing' ? 'spring sale' : 'order shipped',
      category,
      brand: 'Acme',
      audience: { contactIds: phones.map((p) => ids[p]!) },
      channels: { A: 'sms', B: 'sms', C: 'sms', D: 'sms' },
      fallback: false,
      templates: { sms: { en: 'Hi {{name}}, 20% off at {{brand}} this week.' } },
      caps: { sms: [{ max: 10, perHours: 24 }] },
    }),
  );
  await s.client.workflow.execute('campaignWorkflow', { taskQueue: s.worker.taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, lanes: 1, batchSize: 50 }] });
  await s.sandbox.idle();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function show(key: string, ...flags: string[]): Promise<any> {
  const r = await s.cli(['contact', 'show', '--reason', 'test read', key, '--json', ...flags]);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const closedCaseOf = (contactId: number) => closedCaseOfContact(s, contactId);

describe('changed-number recovery, end to end', () => {
  it('two 30003 -> scan -> confirmation SMS -> "Y" from the handset -> merged, visible in contact show', async () => {
    await sendCampaign([OLD]);
    await sendCampaign([OLD], 'transactional'); // after one 30003 it is tier D: only a transactional message still goes
    const dead = await show(OLD);
    expect(dead).toMatchObject({ validity: 'unreachable', smsEligible: false });
    expect(dead.activity).toMatchObject({ consecutiveFailures: 2 });

    const scan = await s.cli(['recovery', 'scan', '--reply-within', '2m', '--json']);
    expect(scan.stderr).toBe('');
    // SCAN_OLD is not dead yet (the third test kills it): only the customer with two 30003s.
    expect(JSON.parse(scan.stdout)).toEqual({ dead: 1, casesOpened: 1, matched: 1, workflowsStarted: 1, dryRun: false });

    const k = await closedCaseOf(ids[OLD]!);
    expect(k).toMatchObject({ state: 'confirmed', reply_kind: 'confirm', candidate_contact_id: String(ids[NEW]) });
    expect(k.evidence).toEqual([expect.objectContaining({ kind: 'same_email' })]);

    // One confirmation to the new number, in English with the brand; the handset's "Y" came back signed and was accepted.
    const out = s.sandbox.messages({ to: NEW, direction: 'outbound-api' });
    expect(out.map((m) => m.body)).toEqual(['[Acme] Reply Y to confirm this is your new number, STOP to opt out']);
    const inbound = s.sandbox.messages({ direction: 'inbound' }).filter((m) => m.from === NEW);
    expect(inbound.map((m) => [m.body, m.to])).toEqual([['Y', SANDBOX_FROM]]);
    expect(s.logs.some((l) => /recovery answer "confirm" from \+121\*+0172 for case \d+: passed to its workflow/.test(l))).toBe(true);

    const merged = await show(NEW);
    expect(merged.identity.aliases).toEqual([{ contactId: ids[OLD], phone: '+121****0171', caseId: Number(k.id), at: expect.any(String) }]);
    expect(merged.identity.mergedInto).toBeNull();
    expect(merged.sources).toContain('recovery');
    // The old number's score history moved over; the delivered confirmation re-scored the new number since.
    expect(merged.tierHistory.map((h: { cause: string }) => h.cause)).toEqual(expect.arrayContaining(['outcome:30003', 'outcome:delivered']));
    expect(merged.consents.map((c: { channel: string }) => c.channel).sort()).toEqual(['email', 'sms']);
    expect(merged.recovery).toEqual([]); // the case belongs to the old contact
    const old = await show(OLD);
    expect(old.tierHistory).toEqual([]); // moved to the merged contact
    expect(old.identity.mergedInto).toMatchObject({ contactId: ids[NEW], caseId: Number(k.id) });
    expect(old.recovery).toEqual([expect.objectContaining({ caseId: Number(k.id), state: 'confirmed', candidate: '+121****0172' })]);
    expect(old.suppressions).toEqual([expect.objectContaining({ channel: 'all', kind: 'manual', source: 'recovery:merged' })]);
    const text = await s.cli(['contact', 'show', '--reason', 'test read', NEW]);
    expect(text.stdout).toMatch(/aliases \(earlier numbers of this customer\):\n {4}contact \d+ \+121\*+0171, merged/);

    const owned = await s.db.pool.query(
      `SELECT (SELECT count(*)::int FROM orders WHERE contact_id = $1) AS orders, (SELECT count(*)::int FROM loyalty_points WHERE contact_id = $1) AS points,
              (SELECT count(*)::int FROM coupons WHERE contact_id = $1) AS coupons, (SELECT count(*)::int FROM orders WHERE contact_id = $2) AS left_behind`,
      [ids[NEW], ids[OLD]],
    );
    expect(owned.rows[0]).toEqual({ orders: 2, points: 1, coupons: 1, left_behind: 0 });

    const funnel = await s.cli(['recovery', 'funnel', '--json']);
    expect(JSON.parse(funnel.stdout)).toMatchObject({ detected: 1, matched: 1, confirmationSent: 1, confirmed: 1, refused: 0, expired: 0, open: 0 });

    if (process.env.RECORD_HISTORIES) writeFileSync(path.join(__dirname, 'histories', 'recovery-confirmed.json'), historyToJSON(await s.client.workflow.getHandle(k.workflow_id).fetchHistory()));

    // A second scan finds nobody: the customer is merged; nothing is sent again.
    const again = await s.cli(['recovery', 'scan', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ dead: 0, workflowsStarted: 0 });
    expect(s.sandbox.messages({ to: NEW, direction: 'outbound-api' })).toHaveLength(1);
  });

  it('POST /v1/contacts/{ref}/number-change tells the current number and asks the reported one; both "YES" (not opt-ins) merge', async () => {
    const ref = await publicIdOfContact(s, ids[API_OLD]!);
    const post = (id: number | string, body: unknown, token: string | null = s.contactsToken) =>
      fetch(`${s.publicBaseUrl}/v1/contacts/${id}/number-change`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    expect((await post(ref, { phone: API_NEW }, null)).status).toBe(401);
    expect((await post(ref, { phone: API_NEW }, 'x'.repeat(32))).status).toBe(401);
    expect((await post(ref, { phone: API_NEW }, s.apiToken)).status).toBe(403); // the legacy token has no contacts:write
    expect((await post(ids[API_OLD]!, { phone: API_NEW })).status).toBe(404); // the sequential id names nobody
    expect((await post(ref, {})).status).toBe(400);
    const bad = await post(ref, { phone: '12' });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: string }).error).toMatch(/not a usable phone number/);
    // Another active customer's number is never asked.
    const taken = await post(ref, { phone: OTHER });
    expect(taken.status).toBe(422);
    expect(await taken.json()).toMatchObject({ excluded: [expect.objectContaining({ reason: 'other_active_customer' })] });

    const res = await post(ref, { phone: '(212) 555-0182', default_country: 'us' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { case_id: number };
    expect(body).toEqual({ case_id: expect.any(Number), state: 'matched', candidate: '+121****0182', current_number: 'consent' });

    const k = await closedCaseOf(ids[API_OLD]!);
    expect(k).toMatchObject({ id: String(body.case_id), state: 'confirmed', detection_reason: 'self_reported', current_check: 'consent', current_reply: 'consent' });
    // The current number heard of the change first, in its own words.
    expect(s.sandbox.messages({ to: API_OLD, direction: 'outbound-api' }).map((m) => m.body)).toEqual(['[Acme] Your number at Acme is being changed to +121****0182. Reply YES to allow it, NO if this wasn\'t you']);
    expect(s.logs.some((l) => /current-number answer "consent" from \+121\*+0181/.test(l))).toBe(true);
    expect(k.evidence).toEqual([expect.objectContaining({ kind: 'self_reported' })]);
    const candidate = await show(API_NEW);
    expect(candidate.identity.aliases.map((a: { contactId: number }) => a.contactId)).toEqual([ids[API_OLD]]);
    // "YES" answered the question: no opt-in auto-reply, no keyword handling, a reply event.
    // Its reply event, and the current number's YES, which the merge moved over with the old contact's events.
    expect(candidate.activity).toMatchObject({ smsReplies: 2 });
    const replies = s.sandbox.messages({ direction: 'inbound' }).filter((m) => m.from === API_NEW);
    expect(replies).toHaveLength(1);
    expect(s.logs.some((l) => /recovery answer "confirm" from \+121\*+0182/.test(l))).toBe(true);

    // The old record is an alias now: a second report is refused with where the customer went.
    const again = await post(ref, { phone: API_NEW });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ reason: 'merged', merged_into: candidate.publicId });
  });

  it('`recovery scan --schedule` runs the scan as a Temporal schedule; --unschedule removes it', async () => {
    await s.db.pool.query(`UPDATE contacts SET validity = 'unreachable', number_status = 'empty' WHERE id = $1`, [ids[SCAN_OLD]]);
    const created = await s.cli(['recovery', 'scan', '--schedule', 'every 12h', '--reply-within', '3s', '--json']);
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout)).toMatchObject({ scheduleId: recoveryScanScheduleId(), created: true, every: '12h', taskQueue: s.worker.taskQueue, nextRunAt: expect.any(String) });
    const updated = await s.cli(['recovery', 'scan', '--schedule', 'every 6h', '--reply-within', '3s', '--json']);
    expect(JSON.parse(updated.stdout)).toMatchObject({ created: false, every: '6h' });

    await s.client.schedule.getHandle(recoveryScanScheduleId()).trigger();
    const k = await closedCaseOf(ids[SCAN_OLD]!);
    // Nobody answered within 3 s: one confirmation, one reminder, closed as expired.
    expect(k).toMatchObject({ state: 'expired', close_reason: 'no_answer', reminders: 1 });
    const sent = s.sandbox.messages({ to: SCAN_NEW, direction: 'outbound-api' }).map((m) => m.body);
    expect(sent).toEqual(['[Acme] Reply Y to confirm this is your new number, STOP to opt out', '[Acme] Reminder: reply Y to confirm this is your new number, STOP to opt out']);

    if (process.env.RECORD_HISTORIES) {
      for await (const run of s.client.workflow.list({ query: `WorkflowType = 'recoveryScanWorkflow' AND TaskQueue = '${s.worker.taskQueue}'` }))
        writeFileSync(path.join(__dirname, 'histories', 'recovery-scan-scheduled.json'), historyToJSON(await s.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()));
    }

    const removed = await s.cli(['recovery', 'scan', '--unschedule', '--json']);
    expect(JSON.parse(removed.stdout)).toEqual({ scheduleId: recoveryScanScheduleId(), deleted: true });
    const twice = await s.cli(['recovery', 'scan', '--unschedule', '--json']);
    expect(JSON.parse(twice.stdout)).toEqual({ scheduleId: recoveryScanScheduleId(), deleted: false });
    // An expired case is not asked again by the next scan.
    const next = await s.cli(['recovery', 'scan', '--json']);
    expect(JSON.parse(next.stdout)).toMatchObject({ workflowsStarted: 0 });
  });

  it('refuses bad flags with a usage error', async () => {
    const r = await s.cli(['recovery', 'scan', '--reply-within', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--reply-within must be a duration such as 72h/);
    const both = await s.cli(['recovery', 'scan', '--schedule', 'every 1h', '--unschedule']);
    expect(both.code).toBe(2);
  });

  it('a recheck that reports a mobile number as a landline now hands its customer to the funnel', async () => {
    const recheck = await s.cli(['audience', 'recheck', '--no-follow-up', '--json'], 120_000);
    expect(recheck.stderr).toBe('');
    expect(JSON.parse(recheck.stdout).byOutcome).toMatchObject({ line_type_changed: 1 });
    const turned = await show(LINE_OLD);
    expect(turned).toMatchObject({ lineType: 'fixed_line', smsEligible: false });
    expect(turned.numberChecks[0]).toMatchObject({ outcome: 'line_type_changed', answer: 'active fixed_line' });
    expect(turned.recoveryCases).toEqual([expect.objectContaining({ reason: 'line_type_changed', status: 'open' })]);

    await s.cli(['recovery', 'scan', '--reply-within', '2m', '--json'], 120_000);
    const k = await closedCaseOf(ids[LINE_OLD]!);
    expect(k).toMatchObject({ detection_reason: 'line_type_changed', state: 'confirmed', candidate_contact_id: String(ids[LINE_NEW]) });
    expect((await show(LINE_NEW)).identity.aliases.map((a: { contactId: number }) => a.contactId)).toEqual([ids[LINE_OLD]]);
  });
});
