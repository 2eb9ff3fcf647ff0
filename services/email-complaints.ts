/**
 * E-mail complaints: an abuse feedback report (ARF) or a provider's spam report names one of our
 * messages by its Message-ID (channels/email.ts messageIdFor: `<rl-<ledger id>@<our domain>>`,
 * set on every send and stored as the ledger row's provider id). That leads to the ledger row and
 * its contact; the reported recipient, when the report gives one, must be one of that contact's
 * addresses, so a report can never mark somebody else. One complaint per message sent
 * (report key `email:ledger:<id>`): the same report replayed, or the same message reported by
 * both routes, counts once.
 */
import { ledgerIdOfMessageId } from '../channels/email';
import { normalizeEmail } from '../core/email';
import { maskEmail } from '../core/mask';
import { emailHash } from '../db/contacts';
import { findEmailSend } from '../db/complaints';
import { applyComplaints, type ComplaintDeps, type ComplaintResult } from './complaints';

export interface EmailComplaintReport {
  /** The reported message's Message-ID. */
  messageId: string;
  /** The reported recipient; null when the reporter redacted it. */
  recipient: string | null;
  /** 'arf' or 'provider_webhook'. */
  source: 'arf' | 'provider_webhook';
  /** When the complaint was made, if the report says (else: when it was received). */
  at: Date | null;
  /** What the report said, kept as proof (no raw addresses). */
  details: Record<string, unknown>;
}

export type EmailComplaintResult =
  | ComplaintResult
  | { result: 'not_ours'; reason: string }
  | { result: 'recipient_mismatch'; reason: string };

export async function reportEmailComplaint(deps: ComplaintDeps, r: EmailComplaintReport): Promise<EmailComplaintResult> {
  const ledgerId = ledgerIdOfMessageId(r.messageId);
  if (!ledgerId) return { result: 'not_ours', reason: 'the Message-ID is not one of ours (expected <rl-<id>@<domain>>)' };
  const send = await findEmailSend(deps.pool, ledgerId);
  const sameId = (a: string, b: string) => a.replace(/^<|>$/g, '').toLowerCase() === b.trim().replace(/^<|>$/g, '').toLowerCase();
  if (!send || (send.providerId !== null && !sameId(send.providerId, r.messageId))) {
    return { result: 'not_ours', reason: 'no e-mail we sent has this Message-ID' };
  }
  let recipient: string | null = null;
  if (r.recipient !== null) {
    const e = normalizeEmail(r.recipient);
    if (!e.ok || !send.emailHashes.includes(emailHash(e.email))) {
      deps.log(`${r.source} complaint for ledger ${ledgerId} names another recipient (${e.ok ? maskEmail(e.email) : 'not an address'}): refused`);
      return { result: 'recipient_mismatch', reason: 'the reported recipient is not the address this message went to' };
    }
    recipient = maskEmail(e.email);
  }
  const received = await deps.now();
  const at = r.at && !Number.isNaN(r.at.getTime()) && r.at.getTime() <= received.getTime() ? r.at : received;
  const [result] = await applyComplaints(deps, [
    {
      contactId: send.contactId,
      channel: 'email',
      source: r.source,
      reportKey: `email:ledger:${ledgerId}`,
      ledgerId,
      at,
      proof: { ...r.details, messageId: r.messageId.trim(), campaignId: send.campaignId, recipient, receivedAt: received.toISOString() },
    },
  ]);
  return result!;
}
