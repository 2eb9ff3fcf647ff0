/**
 * Recording complaints (core/complaints.ts): the complaint row with its proof (a replayed report
 * counts once), contacts.complaints + 1, marketing suppressed on the complaint's channel, at the
 * contact policy's threshold the block list (every channel), and the contact re-scored (risk
 * points) and re-tiered with the tier history cause `complaint:<channel>`.
 *
 * Called by the HTTP edge (ARF reports, provider complaint webhooks), by inbound SMS (complaint
 * replies) and by the feedback loop (Twilio 30004), each inside its own transaction.
 */
import type { PoolClient } from 'pg';
import { complaintEffect, type ComplaintChannel } from '../core/complaints';
import { CONTACT_POLICY, type ComplaintPolicy } from '../core/policy/contact-policy';
import type { ScorePolicy } from '../core/score-policy';
import { insertComplaints, type ComplaintRow } from '../db/complaints';
import { insertSuppressions, type SuppressionRow } from '../db/suppressions';
import type { Pool } from '../db/pool';
import { lockContactsById, type RescoreContact } from '../db/rescore';
import { inTransaction, withDeadlockRetry } from '../db/transaction';
import { rescoreContacts } from './rescore';

export type { ComplaintRow } from '../db/complaints';

export interface ComplaintDeps {
  pool: Pool;
  policy: ScorePolicy;
  complaintPolicy?: ComplaintPolicy;
  now: () => Date | Promise<Date>;
  log: (message: string) => void;
}

/** What the new complaints of one contact changed. */
export interface ContactComplaints {
  contactId: number;
  /** contacts.complaints after them. */
  complaints: number;
  channels: ComplaintChannel[];
  blocked: boolean;
  /** tier_history cause: `complaint:<channel>` (of the last channel when there are several). */
  cause: string;
}

/**
 * Inserts the complaints of contacts the caller has locked (`contacts`) and plans the
 * suppressions they bring; only complaints not recorded before count. The caller re-scores the
 * contacts with their new counts (withComplaints) and inserts the suppressions.
 */
export async function recordComplaints(
  client: PoolClient,
  rows: readonly ComplaintRow[],
  contacts: ReadonlyMap<number, RescoreContact>,
  policy: ComplaintPolicy = CONTACT_POLICY.complaints,
): Promise<{ byContact: Map<number, ContactComplaints>; suppressions: SuppressionRow[] }> {
  const added = await insertComplaints(client, rows);
  const byContact = new Map<number, ContactComplaints>();
  const suppressions: SuppressionRow[] = [];
  for (const a of added) {
    const contact = contacts.get(a.contactId);
    if (!contact) throw new Error(`complaint for contact ${a.contactId}, which the caller did not lock`);
    const before = byContact.get(a.contactId)?.complaints ?? contact.stored.complaints;
    const effect = complaintEffect(before, a.added, a.channel, policy);
    const first = rows.find((r) => r.contactId === a.contactId && r.channel === a.channel)!;
    for (const s of effect.suppressions) {
      suppressions.push({ contactId: a.contactId, channel: s.channel, kind: 'complaint', source: first.source, proof: { rule: s.rule, reportKey: first.reportKey, ledgerId: first.ledgerId, complaints: effect.complaints } });
    }
    const prior = byContact.get(a.contactId);
    byContact.set(a.contactId, {
      contactId: a.contactId,
      complaints: effect.complaints,
      channels: [...(prior?.channels ?? []), a.channel],
      blocked: effect.blocked || (prior?.blocked ?? false),
      cause: effect.cause,
    });
  }
  return { byContact, suppressions };
}

/** The contact as re-scoring must see it after its new complaints. */
export const withComplaints = (contact: RescoreContact, c: ContactComplaints | undefined): RescoreContact =>
  c ? { ...contact, stored: { ...contact.stored, complaints: c.complaints } } : contact;

export type ComplaintResult = { result: 'recorded'; complaints: number; blocked: boolean } | { result: 'replayed' } | { result: 'no_contact' };

/**
 * Applies complaints inside the caller's transaction: locks the contacts (id order), records the
 * complaints, suppresses, re-scores and re-tiers. One result per row, in order.
 */
export async function applyComplaintsIn(client: PoolClient, deps: Omit<ComplaintDeps, 'pool' | 'now'>, rows: readonly ComplaintRow[], at: Date): Promise<ComplaintResult[]> {
  if (rows.length === 0) return [];
  const contacts = await lockContactsById(client, [...new Set(rows.map((r) => r.contactId))]);
  const known = rows.filter((r) => contacts.has(r.contactId));
  const { byContact, suppressions } = await recordComplaints(client, known, contacts, deps.complaintPolicy);
  await insertSuppressions(client, suppressions, at);
  await rescoreContacts(
    client,
    [...byContact.values()].map((c) => ({ contact: withComplaints(contacts.get(c.contactId)!, c), cause: c.cause })),
    deps.policy,
    at,
  );
  for (const c of byContact.values()) {
    deps.log(`complaint on ${c.channels.join(', ')} for contact ${c.contactId}: ${c.complaints} complaint(s)${c.blocked ? ', on the block list (tier D)' : ''}`);
  }
  // Rows of one contact in one call: the first new one per contact carries the result, the others
  // are new too unless their key was seen (insertComplaints counted them); reported per contact.
  return rows.map((r) => {
    if (!contacts.has(r.contactId)) return { result: 'no_contact' as const };
    const c = byContact.get(r.contactId);
    return c ? { result: 'recorded' as const, complaints: c.complaints, blocked: c.blocked } : { result: 'replayed' as const };
  });
}

/** applyComplaintsIn in a transaction of its own (retried on a deadlock). */
export async function applyComplaints(deps: ComplaintDeps, rows: readonly ComplaintRow[]): Promise<ComplaintResult[]> {
  const at = await deps.now();
  return withDeadlockRetry(() => inTransaction(deps.pool, (client) => applyComplaintsIn(client, deps, rows, at)));
}
