/**
 * The feedback loop's writes: Twilio status callbacks into the send ledger, final outcomes into
 * the contact (score, tier history `outcome:<code>`, suppressions, recovery candidates), and
 * refusals the provider gave at send time (21610, 21211, SMTP 550...) likewise. Called by the
 * HTTP server (server/twilio-webhooks.ts) and by the campaign activity; everything lands in
 * Postgres, where the next send decision reads it.
 */
import type { PoolClient } from 'pg';
import { shouldApplyStatus, STATUS_INFO, type MessageStatus } from '../core/delivery-outcome';
import { maskPhone } from '../core/mask';
import { isComplaintErrorCode } from '../core/complaints';
import { emailOutcomeFeedback, smsOutcomeFeedback, type OutcomeFeedback } from '../core/outcome-feedback';
import { actionForStatus, type NumberStatus } from '../core/number-status';
import type { ScorePolicy, ValidityStatus } from '../core/score-policy';
import { phoneHash } from '../db/contacts';
import {
  insertSuppressions,
  insertWebhookReceipts,
  lockLedgerRows,
  lockRefusedRows,
  openRecoveryCandidates,
  setWebhookResults,
  updateLedgerStatuses,
  type LedgerStatusRow,
  type RecoveryCandidateRow,
  type SuppressionRow,
} from '../db/feedback';
import type { Pool } from '../db/pool';
import { lockContactsById } from '../db/rescore';
import { inTransaction } from '../db/transaction';
import { withDeadlockRetry } from './events';
import { recordComplaints, withComplaints, type ComplaintRow } from './complaints';
import { rescoreContacts, type ContactChange } from './rescore';

export interface FeedbackDeps {
  pool: Pool;
  policy: ScorePolicy;
  now: () => Date | Promise<Date>;
  /** Operational log lines (masked numbers only). */
  log: (message: string) => void;
}

/** One verified status callback. */
export interface StatusCallback {
  /** twilio-signature.ts replayKey: (MessageSid, status, signature). */
  replayKey: string;
  messageSid: string;
  status: MessageStatus;
  errorCode: number | null;
  /** The `ledgerId` of the callback URL: reconciles an attempt whose API response was lost. */
  ledgerId: string | null;
}

/**
 * applied: the ledger moved forward; stale: an older or equal status (out of order, or the same
 * status with another signature), nothing changed; replayed: this exact request was seen before;
 * unmatched: no ledger row has this message.
 */
export type StatusCallbackResult = 'applied' | 'stale' | 'replayed' | 'unmatched';

/** One final outcome to write back to a contact. */
interface Outcome {
  contactId: number;
  ledgerId: string;
  channel: 'sms' | 'email';
  status: MessageStatus;
  /** Twilio ErrorCode (SMS) or SMTP reply code (e-mail). */
  code: number | null;
  messageSid: string | null;
}

const LEDGER_ID = /^[1-9]\d{0,17}$/;

/** The ledger state a provider status puts a row in (rows not sent yet, or reconciled, become 'sent'). */
function ledgerStateOf(status: MessageStatus, current: string): string {
  if (status === 'delivered' || status === 'read' || status === 'partially_delivered') return 'delivered';
  if (status === 'undelivered') return 'undelivered';
  if (status === 'failed' || status === 'canceled') return 'failed';
  return current === 'sending' || current === 'unknown' || current === 'reserved' ? 'sent' : current;
}

/**
 * Applies a batch of verified status callbacks in one transaction: ledger rows by provider id (or
 * by the callback URL's ledger id when the row has no provider id yet), never moving a message
 * backwards, the final outcome fed back to the contact exactly once, and the replay guard. The
 * ledger rows are locked first and the outcome of every callback is planned in memory; the
 * receipts are then inserted with their results in one statement, and should some turn out to be
 * replays (a concurrent or earlier request), the plan is made again without them.
 */
export async function applyStatusCallbacks(deps: FeedbackDeps, callbacks: readonly StatusCallback[]): Promise<StatusCallbackResult[]> {
  if (callbacks.length === 0) return [];
  const at = await deps.now();
  return withDeadlockRetry(() =>
    inTransaction(deps.pool, async (client) => {
      // The same key twice in one batch: the first one counts, the others are replays.
      const firstOfKey = new Map<string, number>();
      callbacks.forEach((c, i) => {
        if (!firstOfKey.has(c.replayKey)) firstOfKey.set(c.replayKey, i);
      });
      const candidates = [...firstOfKey.values()];
      const rows = await lockLedgerRows(client, {
        providerIds: [...new Set(candidates.map((i) => callbacks[i]!.messageSid))],
        ids: [...new Set(candidates.flatMap((i) => { const id = callbacks[i]!.ledgerId; return id && LEDGER_ID.test(id) ? [id] : []; }))],
      });
      let plan = planCallbacks(callbacks, candidates, rows, at);
      const fresh = await insertWebhookReceipts(
        client,
        plan.receipts.map((r) => {
          const c = callbacks[r.index]!;
          return { key: c.replayKey, kind: 'status' as const, messageSid: c.messageSid, status: c.status, errorCode: c.errorCode, result: r.result, ledgerId: r.ledgerId, contactId: r.contactId };
        }),
      );
      if (fresh.size < candidates.length) {
        const before = new Map(plan.receipts.map((r) => [r.index, r.result]));
        plan = planCallbacks(callbacks, candidates.filter((i) => fresh.has(callbacks[i]!.replayKey)), rows, at);
        await setWebhookResults(
          client,
          plan.receipts.filter((r) => before.get(r.index) !== r.result).map((r) => ({ key: callbacks[r.index]!.replayKey, result: r.result, ledgerId: r.ledgerId, contactId: r.contactId })),
        );
      }
      for (const r of plan.receipts) if (r.result === 'unmatched') {
        const c = callbacks[r.index]!;
        deps.log(`status callback for unknown message ${c.messageSid} (${c.status}${c.ledgerId ? `, ledger ${c.ledgerId}` : ''}): ignored`);
      }
      await updateLedgerStatuses(client, plan.dirty, at);
      await feedBack(client, deps, plan.outcomes, at);
      const results: StatusCallbackResult[] = callbacks.map(() => 'replayed');
      for (const r of plan.receipts) results[r.index] = r.result;
      return results;
    }),
  );
}

interface CallbackPlan {
  receipts: Array<{ index: number; result: Exclude<StatusCallbackResult, 'replayed'>; ledgerId: string | null; contactId: number | null }>;
  /** Ledger rows to write, in id order. */
  dirty: LedgerStatusRow[];
  outcomes: Outcome[];
}

/** What the callbacks `indexes` (in arrival order) do to the locked rows; the rows are not modified. */
function planCallbacks(callbacks: readonly StatusCallback[], indexes: readonly number[], locked: readonly LedgerStatusRow[], at: Date): CallbackPlan {
  const rows = locked.map((r) => ({ ...r }));
  const byProvider = new Map(rows.flatMap((r) => (r.providerId ? [[r.providerId, r] as const] : [])));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const dirty = new Set<LedgerStatusRow>();
  const plan: CallbackPlan = { receipts: [], dirty: [], outcomes: [] };
  for (const i of indexes) {
    const c = callbacks[i]!;
    let row = byProvider.get(c.messageSid);
    if (!row && c.ledgerId) {
      const candidate = byId.get(c.ledgerId);
      // Reconciliation: the row never learnt its provider id (the API response was lost).
      if (candidate && candidate.providerId === null) {
        row = candidate;
        row.providerId = c.messageSid;
        byProvider.set(c.messageSid, row);
        dirty.add(row);
      }
    }
    if (!row) {
      plan.receipts.push({ index: i, result: 'unmatched', ledgerId: null, contactId: null });
      continue;
    }
    if (STATUS_INFO[c.status].direction !== 'outbound' || !shouldApplyStatus(row.providerStatus, c.status)) {
      plan.receipts.push({ index: i, result: 'stale', ledgerId: row.id, contactId: row.contactId });
      continue;
    }
    row.providerStatus = c.status;
    row.state = ledgerStateOf(c.status, row.state);
    if ((c.status === 'failed' || c.status === 'undelivered') && c.errorCode !== null) row.errorCode = String(c.errorCode);
    dirty.add(row);
    plan.receipts.push({ index: i, result: 'applied', ledgerId: row.id, contactId: row.contactId });
    const final = c.status === 'delivered' || c.status === 'read' || c.status === 'failed' || c.status === 'undelivered';
    if (final && row.feedbackAt === null) {
      row.feedbackAt = at;
      plan.outcomes.push({ contactId: row.contactId, ledgerId: row.id, channel: row.channel, status: c.status, code: c.errorCode, messageSid: c.messageSid });
    }
  }
  plan.dirty = [...dirty].sort((a, b) => Number(a.id) - Number(b.id));
  return plan;
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
      await client.query('UPDATE send_ledger SET feedback_at = $2 WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id), at]);
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
async function feedBack(client: PoolClient, deps: FeedbackDeps, outcomes: readonly Outcome[], at: Date): Promise<void> {
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
