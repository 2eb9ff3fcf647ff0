/**
 * The feedback loop's writes: final outcomes into the contact (score, tier history
 * `outcome:<code>`, suppressions, recovery candidates), from the statuses of
 * services/status-callbacks.ts and from refusals the provider gave at send time (21610, 21211,
 * SMTP 550...), called by the campaign activity; everything lands in Postgres, where the next send
 * decision reads it.
 */
import type { PoolClient } from 'pg';
import { maskPhone } from '../core/mask';
import { isComplaintErrorCode } from '../core/complaints';
import { emailOutcomeFeedback, smsOutcomeFeedback, type OutcomeFeedback } from '../core/outcome-feedback';
import { actionForStatus, type NumberStatus } from '../core/number-status';
import type { ScorePolicy, ValidityStatus } from '../core/score-policy';
import { phoneHash } from '../db/contacts';
import { lockRefusedRows, markFedBack, openRecoveryCandidates, type RecoveryCandidateRow } from '../db/feedback';
import { insertSuppressions, type SuppressionRow } from '../db/suppressions';
import type { Pool } from '../db/pool';
import { lockContactsById } from '../db/rescore';
import { inTransaction, withDeadlockRetry } from '../db/transaction';
import { recordComplaints, withComplaints, type ComplaintRow } from './complaints';
import { rescoreContacts, type ContactChange } from './rescore';
import type { Outcome } from './status-plan';

export interface FeedbackDeps {
  pool: Pool;
  policy: ScorePolicy;
  now: () => Date | Promise<Date>;
  /** Operational log lines (masked numbers only). */
  log: (message: string) => void;
}

/**
 * Feeds back refusals the provider gave at send time (ledger rows in state 'failed' with an error
 * code: Twilio 21610/21211/..., SMTP 550/552/...), once per row. Called after the campaign activity
 * recorded its results; a retried activity finds the rows already fed back.
 */
export async function applySendRefusals(deps: FeedbackDeps, ledgerIds: readonly string[]): Promise<number> {
  if (ledgerIds.length === 0) return 0;
  const at = await deps.now();
  return withDeadlockRetry(() =>
    inTransaction(deps.pool, async (client) => {
      const rows = await lockRefusedRows(client, ledgerIds);
      for (const r of rows) r.feedbackAt = at;
      await markFedBack(client, rows.map((r) => r.id), at);
      await feedBack(
        client,
        deps,
        rows.map((r) => ({ contactId: r.contactId, ledgerId: r.id, channel: r.channel, status: 'failed' as const, code: Number(r.errorCode), messageSid: null })),
        at,
      );
      return rows.length;
    }),
  );
}

/** Per contact, the outcomes folded in ledger order, then one re-score and the side effects. */
export async function feedBack(client: PoolClient, deps: FeedbackDeps, outcomes: readonly Outcome[], at: Date): Promise<void> {
  if (outcomes.length === 0) return;
  const byContact = new Map<number, Outcome[]>();
  for (const o of [...outcomes].sort((a, b) => Number(a.ledgerId) - Number(b.ledgerId))) {
    const list = byContact.get(o.contactId) ?? [];
    list.push(o);
    byContact.set(o.contactId, list);
  }
  const contacts = await lockContactsById(client, [...byContact.keys()]);
  const changes: ContactChange[] = [];
  const suppressions: SuppressionRow[] = [];
  const recoveries: RecoveryCandidateRow[] = [];
  const complaints: ComplaintRow[] = [];
  const iso = at.toISOString();
  for (const contact of contacts.values()) {
    let activity: Record<string, unknown> = { ...contact.stored.activity };
    let numberStatus: NumberStatus | undefined;
    let validity: ValidityStatus | undefined;
    let smsEligible: boolean | undefined;
    let recheckInHours: number | undefined;
    let cause = '';
    for (const o of byContact.get(contact.id)!) {
      const current = { activity, numberStatus: numberStatus ?? contact.numberStatus };
      const f: OutcomeFeedback | null =
        o.channel === 'sms' ? smsOutcomeFeedback(current, { status: o.status, errorCode: o.code, at: iso }) : emailOutcomeFeedback(current, { smtpCode: o.code ?? 0, at: iso });
      if (!f) continue;
      activity = f.activity;
      cause = f.cause;
      if (f.numberStatus) {
        numberStatus = f.numberStatus;
        // A new status decides the flags again unless this outcome overrides them.
        validity = f.validity;
        smsEligible = f.smsEligible;
        recheckInHours = f.recheckInHours ?? actionForStatus(f.numberStatus).recheckInHours ?? undefined;
      } else if (f.validity !== undefined || f.smsEligible !== undefined) {
        validity = f.validity ?? validity;
        smsEligible = f.smsEligible ?? smsEligible;
      }
      const proof = { ledgerId: o.ledgerId, ...(o.messageSid ? { messageSid: o.messageSid } : {}), code: o.code, status: o.status, at: iso };
      if (f.suppression) {
        suppressions.push({ contactId: contact.id, channel: f.suppression.channel, kind: f.suppression.kind, source: o.channel === 'sms' ? `twilio:${o.code}` : `smtp:${o.code}`, proof });
        deps.log(`${f.verdict}: ${f.suppression.channel} ${f.suppression.kind} for ${maskPhone(contact.draft.e164)} (contact ${contact.id}, code ${o.code})`);
      }
      if (o.channel === 'sms' && f.verdict === 'suppressed' && isComplaintErrorCode(o.code)) {
        // The person or their carrier blocks us (30004): a complaint too, once per message.
        complaints.push({ contactId: contact.id, channel: 'sms', source: `twilio:${o.code}`, reportKey: `sms:ledger:${o.ledgerId}`, ledgerId: o.ledgerId, at, proof });
      }
      if (f.recovery) {
        recoveries.push({ contactId: contact.id, oldPhoneHash: phoneHash(contact.draft.e164), reason: f.recovery, evidence: { ...proof, consecutiveFailures: activity.consecutiveFailures ?? null } });
        deps.log(`${f.verdict}: ${maskPhone(contact.draft.e164)} (contact ${contact.id}) out of the SMS list after code ${o.code}; recovery candidate`);
      }
    }
    if (!cause) continue;
    changes.push({
      contact,
      activity,
      ...(numberStatus ? { numberStatus } : {}),
      ...(validity !== undefined ? { validity } : {}),
      ...(smsEligible !== undefined ? { smsEligible } : {}),
      ...(recheckInHours !== undefined ? { recheck: { at: null, after: new Date(at.getTime() + recheckInHours * 3_600_000).toISOString() } } : {}),
      cause,
    });
  }
  const complained = await recordComplaints(client, complaints, contacts);
  for (const ch of changes) {
    const c = complained.byContact.get(ch.contact.id);
    if (c) Object.assign(ch, { contact: withComplaints(ch.contact, c), cause: c.cause });
  }
  await rescoreContacts(client, changes, deps.policy, at);
  await insertSuppressions(client, [...suppressions, ...complained.suppressions], at);
  await openRecoveryCandidates(client, recoveries, at);
}
