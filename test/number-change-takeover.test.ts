import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportNumberChange } from '../services/number-change';
import { startOrSignalRecovery } from '../services/recovery-lifecycle';
import { CONTACT_POLICY, type ContactPolicy } from '../core/policy/contact-policy';
import { recordSuppression } from '../db/suppressions';
import { recoveryWorkflowId } from '../workflows/ids';
import { recoveryStatus } from '../workflows/messages/recovery';
import { seedContacts } from './helpers/contacts';
import { closedCaseOfContact, eventually, publicIdOfContact, startRecoveryStack, type RecoveryStack } from './helpers/recovery-stack';

// Issue 17's account takeover, end to end through the real parts (HTTP server, Temporal worker,
// PostgreSQL, the twilio library against the local Twilio-shaped server whose scripted handsets
// answer): a caller reports a number it controls for an active, reachable customer, and answers
// the confirmation "Y" from it. The customer's current number is told at once and, as the contact
// policy requires (consent.numberChange.requireCurrentNumberAnswer), nothing merges without its
// YES: its NO, its silence, or a current number that cannot be told each cancel the change.
// Before this change every one of these cases merged the customer into the caller's number.

const NOW = new Date('2026-11-25T15:00:00Z'); // a Wednesday, 10:00 in New York
const ANSWER_WITHIN_MS = 4_000; // the current number's time to answer (policy: 72 h)

const VICTIM_NO = '+12125550201'; // answers "NO" to the notice
const VICTIM_SILENT = '+12125550202'; // never answers
const VICTIM_OPTED_OUT = '+12125550203'; // said STOP long ago: cannot be told
const VICTIM_NOTIFY = '+12125550204'; // under a policy that only notifies: silent
const DEAD = '+12125550205'; // a customer whose number really died: nobody to tell
const ATTACKER = ['+12015550143', '+12015550144', '+12015550145', '+12015550146', '+12015550147'] as const;

let s: RecoveryStack;
let ids: Record<string, number>;

beforeAll(async () => {
  s = await startRecoveryStack({
    now: NOW,
    currentAnswerWithinMs: ANSWER_WITHIN_MS,
    rules: [...ATTACKER.map((to) => ({ to, reply: { body: 'Y', afterMs: 50 } })), { to: VICTIM_NO, reply: { body: 'NO', afterMs: 50 } }],
  });
  const phones = [VICTIM_NO, VICTIM_SILENT, VICTIM_OPTED_OUT, VICTIM_NOTIFY, DEAD];
  const seeded = await seedContacts(s.db.pool, phones.map((phone) => ({ phone, name: 'Customer', tier: 'A' as const, email: `${phone.slice(-4)}@example.com` })));
  ids = Object.fromEntries(phones.map((p, i) => [p, seeded[i]!]));
  await s.db.pool.query(`UPDATE contacts SET first_seen_at = now() - interval '3 years'`);
  for (const phone of phones) await s.db.pool.query(`INSERT INTO orders (contact_id, external_id, amount, placed_at) VALUES ($1, $2, 99, now() - interval '30 days')`, [ids[phone], `o-${phone}`]);
  await recordSuppression(s.db.pool, { contactId: ids[VICTIM_OPTED_OUT]!, channel: 'sms', kind: 'opt_out', source: 'sms_keyword' });
  await s.db.pool.query(`UPDATE contacts SET number_status = 'empty', validity = 'unreachable' WHERE id = $1`, [ids[DEAD]]);
}, 60_000);

afterAll(async () => s?.stop());

async function takeOver(victim: string, attacker: string) {
  const res = await fetch(`${s.publicBaseUrl}/v1/contacts/${await publicIdOfContact(s, ids[victim]!)}/number-change`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.contactsToken}` },
    body: JSON.stringify({ phone: attacker }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const closedCaseOf = (contactId: number) => closedCaseOfContact(s, contactId);

/** The customer is still themselves: no alias, their order where it was, no merge audit. */
async function notMerged(contactId: number) {
  const q = await s.db.pool.query(
    `SELECT (SELECT count(*)::int FROM contact_aliases WHERE old_contact_id = $1) AS aliases, (SELECT count(*)::int FROM orders WHERE contact_id = $1) AS orders,
            (SELECT count(*)::int FROM merge_audit WHERE old_contact_id = $1) AS merges`,
    [contactId],
  );
  expect(q.rows[0]).toEqual({ aliases: 0, orders: 1, merges: 0 });
}

const outbound = (to: string) => s.sandbox.messages({ to, direction: 'outbound-api' }).map((m) => m.body);

describe('a reported number change for a reachable customer', () => {
  it('tells the current number at once; its NO cancels the change, though the new number answered Y', async () => {
    const r = await takeOver(VICTIM_NO, ATTACKER[0]);
    expect(r).toEqual({ status: 202, body: { case_id: expect.any(Number), state: 'matched', candidate: '+120****0143', current_number: 'consent' } });
    const k = await closedCaseOf(ids[VICTIM_NO]!);
    expect(k).toMatchObject({ state: 'cancelled', close_reason: 'current_number_refused', current_check: 'consent', current_reply: 'refuse', current_notice_sent_at: expect.any(Date) });
    expect(outbound(VICTIM_NO)).toEqual(['[Acme] Your number at Acme is being changed to +120****0143. Reply YES to allow it, NO if this wasn\'t you']);
    await notMerged(ids[VICTIM_NO]!);
    expect(s.logs.some((l) => /current-number answer "refuse" from \+121\*+0201/.test(l))).toBe(true);
    // "NO" answered the notice: it is not an opt-out of the customer's own number.
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM suppressions WHERE contact_id = $1', [ids[VICTIM_NO]])).rows[0].n).toBe(0);
  });

  it('silence of the current number: the Y of the new number waits for it, and the change expires unmerged', async () => {
    expect((await takeOver(VICTIM_SILENT, ATTACKER[1])).status).toBe(202);
    const handle = s.client.workflow.getHandle(recoveryWorkflowId(ids[VICTIM_SILENT]!));
    const waiting = await eventually(async () => {
      const st = await handle.query(recoveryStatus);
      return st.phase === 'awaiting_current_number' ? st : undefined;
    }, 30_000, 'the case to wait for the current number');
    expect(waiting).toMatchObject({ reply: 'confirm', currentNumber: { check: 'consent', told: true, reply: null } });
    await notMerged(ids[VICTIM_SILENT]!); // the attacker's "Y" alone merged nothing
    const k = await closedCaseOf(ids[VICTIM_SILENT]!);
    expect(k).toMatchObject({ state: 'expired', close_reason: 'current_number_no_answer', current_reply: null });
    await notMerged(ids[VICTIM_SILENT]!);
    expect(outbound(VICTIM_SILENT)).toHaveLength(1);
  });

  it('a current number that cannot be told (opted out of SMS) cancels the change before the new number is asked', async () => {
    expect((await takeOver(VICTIM_OPTED_OUT, ATTACKER[2])).status).toBe(202);
    const k = await closedCaseOf(ids[VICTIM_OPTED_OUT]!);
    expect(k).toMatchObject({ state: 'cancelled', close_reason: 'current_number_not_told:opted_out', current_notice_sent_at: null });
    expect(outbound(VICTIM_OPTED_OUT)).toEqual([]);
    expect(outbound(ATTACKER[2])).toEqual([]);
    await notMerged(ids[VICTIM_OPTED_OUT]!);
  });

  it('where the policy only notifies, a silent current number lets the change go on once its time to object has passed', async () => {
    const notifyOnly: ContactPolicy = { ...CONTACT_POLICY, consent: { ...CONTACT_POLICY.consent, numberChange: { ...CONTACT_POLICY.consent.numberChange, requireCurrentNumberAnswer: false } } };
    const r = await reportNumberChange(s.db.pool, ids[VICTIM_NOTIFY]!, ATTACKER[3], NOW, notifyOnly);
    if (r.kind !== 'matched') throw new Error(`expected a matched case, got ${r.kind}`);
    expect(r.case.currentCheck).toBe('notify');
    await startOrSignalRecovery(s.client, s.db.pool, r.case, { taskQueue: s.worker.taskQueue, brand: 'Acme', currentAnswerWithinMs: ANSWER_WITHIN_MS });
    const k = await closedCaseOf(ids[VICTIM_NOTIFY]!);
    expect(k).toMatchObject({ state: 'confirmed', current_check: 'notify', current_reply: null });
    expect(outbound(VICTIM_NOTIFY)).toEqual(['[Acme] Your number at Acme is being changed to +120****0146. Reply NO if this wasn\'t you']);
  });

  it('a customer whose number is dead has nobody to tell: the new number\'s Y merges as before', async () => {
    const r = await takeOver(DEAD, ATTACKER[4]);
    expect(r.body).toMatchObject({ current_number: 'not_reachable' });
    const k = await closedCaseOf(ids[DEAD]!);
    expect(k).toMatchObject({ state: 'confirmed', current_check: null });
    expect(outbound(DEAD)).toEqual([]);
  });
});
