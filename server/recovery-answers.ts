/**
 * Inbound SMS that answer a recovery case, for the Twilio inbound webhook: from a candidate number
 * (the confirmation: Y merges, T/STOP refuses) or from a customer's current number told of a
 * reported change (YES consents, NO or STOP cancels the change). The workflow decides; this finds
 * the case and passes the interpreted answer on, never the text.
 */
import type { RecoveryLink } from '../services/recovery-lifecycle';
import { interpretRecoveryReply } from '../core/recovery/confirmation';
import { interpretCurrentNumberReply } from '../core/recovery/number-change';
import { normalizePhone } from '../core/phone';
import { phoneHash } from '../db/contacts';
import { pendingCaseForCurrentNumber, recordCurrentNumberReply } from '../db/number-change';
import type { Pool } from '../db/pool';
import { pendingCaseForCandidate } from '../db/recovery';

export interface PendingAnswer {
  caseId: number;
  contactId: number;
  /** Who answers: the number asked to confirm, or the customer's current number. */
  party: 'candidate' | 'current';
}

/** The open recovery case that asked (or is about to ask, or told) this number, if any. */
export async function pendingRecoveryCase(pool: Pool, from: string, enabled: boolean): Promise<PendingAnswer | undefined> {
  if (!enabled) return undefined;
  const phone = normalizePhone(from, {});
  if (!phone.ok) return undefined;
  const hash = phoneHash(phone.e164);
  const asked = await pendingCaseForCandidate(pool, hash);
  if (asked) return { ...asked, party: 'candidate' };
  const told = await pendingCaseForCurrentNumber(pool, hash);
  return told ? { ...told, party: 'current' } : undefined;
}

/** Passes the answer to the case's workflow; an unclear answer of a current number is not passed. */
export async function passRecoveryAnswer(
  pool: Pool,
  recovery: Pick<RecoveryLink, 'signalReply' | 'signalCurrentReply'>,
  p: PendingAnswer,
  body: string,
  messageSid: string,
  at: Date,
): Promise<{ answer: string; outcome: 'signalled' | 'no_workflow' | 'ignored' }> {
  if (p.party === 'candidate') {
    const { reply } = interpretRecoveryReply(body);
    return { answer: reply, outcome: await recovery.signalReply(p.contactId, reply, messageSid) };
  }
  const reply = interpretCurrentNumberReply(body);
  if (reply === 'unclear') return { answer: reply, outcome: 'ignored' };
  const outcome = await recovery.signalCurrentReply(p.contactId, reply, messageSid);
  await recordCurrentNumberReply(pool, p.caseId, reply, at);
  return { answer: reply, outcome };
}
