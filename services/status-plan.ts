/**
 * What a batch of status callbacks does to the rows it locked, worked out in memory (no I/O):
 * services/status-callbacks.ts locks, plans with planCallbacks, then writes the plan.
 *
 * A callback's message is found, in this order:
 *   1. a ledger row whose provider_id it is;
 *   2. the row its URL names (?ledgerId=) when that row has no provider id yet: the attempt whose
 *      API response was lost, reconciled;
 *   3. a message adopted earlier, or, when the named row holds another provider id, adopted now as
 *      a second message of that row: a duplicate send, kept with its own status;
 *   4. otherwise an orphan: kept with its furthest status, never dropped.
 * Nothing ever moves backwards (core/delivery-outcome.ts shouldApplyStatus).
 */
import { shouldApplyStatus, STATUS_INFO, type MessageStatus } from '../core/delivery-outcome';
import type { LedgerStatusRow } from '../db/feedback';
import type { AdoptedMessage, OrphanMessage } from '../db/provider-messages';

/** One verified status callback (or a status the sweep fetched from the provider). */
export interface StatusCallback {
  /** twilio-signature.ts replayKey: (MessageSid, status, signature); the sweep's: sweep:(MessageSid, status). */
  replayKey: string;
  messageSid: string;
  status: MessageStatus;
  errorCode: number | null;
  /** The `ledgerId` of the callback URL: reconciles an attempt whose API response was lost. */
  ledgerId: string | null;
}

/**
 * applied: the ledger row moved forward; duplicate: a second message of a ledger row (adopted)
 * moved forward; stale: an older or equal status (out of order, or the same status with another
 * signature), nothing changed; replayed: this exact request was seen before; unmatched: no ledger
 * row has this message, kept as an orphan.
 */
export type StatusCallbackResult = 'applied' | 'duplicate' | 'stale' | 'replayed' | 'unmatched';

/** One final outcome to write back to a contact. */
export interface Outcome {
  contactId: number;
  ledgerId: string;
  channel: 'sms' | 'email';
  status: MessageStatus;
  /** Twilio ErrorCode (SMS) or SMTP reply code (e-mail). */
  code: number | null;
  messageSid: string | null;
}

export interface Locked {
  ledger: readonly LedgerStatusRow[];
  adopted: readonly AdoptedMessage[];
  orphans: readonly OrphanMessage[];
}

export interface CallbackPlan {
  receipts: Array<{ index: number; result: Exclude<StatusCallbackResult, 'replayed'>; ledgerId: string | null; contactId: number | null }>;
  /** Ledger rows to write, in id order. */
  dirty: LedgerStatusRow[];
  outcomes: Outcome[];
  /** Adopted messages to write; `adoptedNow` those first seen in this batch, with the row's own provider id. */
  adopted: AdoptedMessage[];
  adoptedNow: Array<{ message: AdoptedMessage; mainProviderId: string; contactId: number }>;
  orphans: OrphanMessage[];
}

const LEDGER_ID = /^[1-9]\d{0,17}$/;

/** A ledger id as a callback URL gave it, when it can be one. */
export const ledgerIdOf = (raw: string | null): string | null => (raw !== null && LEDGER_ID.test(raw) ? raw : null);

/** The ledger state a provider status puts a row in (rows not sent yet, or reconciled, become 'sent'). */
function ledgerStateOf(status: MessageStatus, current: string): string {
  if (status === 'delivered' || status === 'read' || status === 'partially_delivered') return 'delivered';
  if (status === 'undelivered') return 'undelivered';
  if (status === 'failed' || status === 'canceled') return 'failed';
  return current === 'sending' || current === 'unknown' || current === 'reserved' ? 'sent' : current;
}

const isFailure = (s: MessageStatus) => s === 'failed' || s === 'undelivered';
/** Whether `incoming` may overwrite `current` on an outbound message. */
const moves = (current: MessageStatus | null, incoming: MessageStatus) => STATUS_INFO[incoming].direction === 'outbound' && shouldApplyStatus(current, incoming);

/** What the callbacks `indexes` (in arrival order) do to the locked rows; the inputs are not modified. */
export function planCallbacks(callbacks: readonly StatusCallback[], indexes: readonly number[], locked: Locked, at: Date): CallbackPlan {
  const rows = locked.ledger.map((r) => ({ ...r }));
  const byProvider = new Map(rows.flatMap((r) => (r.providerId ? [[r.providerId, r] as const] : [])));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const adopted = new Map(locked.adopted.map((m) => [m.providerId, { ...m }]));
  const orphans = new Map(locked.orphans.map((o) => [o.providerId, { ...o }]));
  const dirty = new Set<LedgerStatusRow>();
  const dirtyAdopted = new Set<AdoptedMessage>();
  const dirtyOrphans = new Set<OrphanMessage>();
  const plan: CallbackPlan = { receipts: [], dirty: [], outcomes: [], adopted: [], adoptedNow: [], orphans: [] };
  for (const i of indexes) {
    const c = callbacks[i]!;
    const ledgerId = ledgerIdOf(c.ledgerId);
    const named = ledgerId === null ? undefined : byId.get(ledgerId);
    let row = byProvider.get(c.messageSid);
    // Reconciliation: the row never learnt its provider id (the API response was lost).
    if (!row && named && named.providerId === null) {
      row = named;
      row.providerId = c.messageSid;
      byProvider.set(c.messageSid, row);
      dirty.add(row);
    }
    if (row) {
      if (!moves(row.providerStatus, c.status)) {
        plan.receipts.push({ index: i, result: 'stale', ledgerId: row.id, contactId: row.contactId });
        continue;
      }
      row.providerStatus = c.status;
      row.state = ledgerStateOf(c.status, row.state);
      if (isFailure(c.status) && c.errorCode !== null) row.errorCode = String(c.errorCode);
      dirty.add(row);
      plan.receipts.push({ index: i, result: 'applied', ledgerId: row.id, contactId: row.contactId });
      const final = c.status === 'delivered' || c.status === 'read' || c.status === 'failed' || c.status === 'undelivered';
      if (final && row.feedbackAt === null) {
        row.feedbackAt = at;
        plan.outcomes.push({ contactId: row.contactId, ledgerId: row.id, channel: row.channel, status: c.status, code: c.errorCode, messageSid: c.messageSid });
      }
      continue;
    }
    let extra = adopted.get(c.messageSid);
    if (!extra && named) {
      // The named row went out under another provider id: this message is a second send of it.
      extra = { providerId: c.messageSid, ledgerId: named.id, status: null, errorCode: null };
      adopted.set(c.messageSid, extra);
      dirtyAdopted.add(extra);
      plan.adoptedNow.push({ message: extra, mainProviderId: named.providerId!, contactId: named.contactId });
    }
    if (extra) {
      const owner = byId.get(extra.ledgerId);
      const moved = moves(extra.status, c.status);
      if (moved) {
        extra.status = c.status;
        if (isFailure(c.status) && c.errorCode !== null) extra.errorCode = String(c.errorCode);
        dirtyAdopted.add(extra);
      }
      plan.receipts.push({ index: i, result: moved ? 'duplicate' : 'stale', ledgerId: extra.ledgerId, contactId: owner?.contactId ?? null });
      continue;
    }
    let orphan = orphans.get(c.messageSid);
    if (!orphan) {
      orphan = { providerId: c.messageSid, namedLedger: ledgerId, status: c.status, errorCode: null, callbacks: 0 };
      orphans.set(c.messageSid, orphan);
    } else if (shouldApplyStatus(orphan.status, c.status)) orphan.status = c.status;
    if (orphan.status === c.status && isFailure(c.status) && c.errorCode !== null) orphan.errorCode = String(c.errorCode);
    orphan.callbacks++;
    dirtyOrphans.add(orphan);
    plan.receipts.push({ index: i, result: 'unmatched', ledgerId: null, contactId: null });
  }
  plan.dirty = [...dirty].sort((a, b) => Number(a.id) - Number(b.id));
  plan.adopted = [...dirtyAdopted];
  plan.orphans = [...dirtyOrphans];
  return plan;
}
