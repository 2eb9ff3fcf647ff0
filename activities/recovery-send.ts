/**
 * One SMS of a recovery case (the candidate's confirmation or reminder, the current number's
 * notice of a change), sent at most once: its ledger row (category 'recovery', never counted
 * against marketing caps) exists before the provider call, the attempt is fenced
 * (activities/send-attempt.ts), and a retry that finds the row sent, or lost in flight and then
 * found in the provider's list, does not send again. Nor is it sent to a contact that was erased
 * or holds an erased person's number or address (db/privacy.ts erasedContacts), checked right
 * before the ledger row: the one place every recovery SMS passes.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { statusCallbackUrlFor, type SmsSendResult } from '../channels/sms';
import { maskPhone } from '../core/mask';
import { composeSms } from '../core/sms';
import { adoptStaleSending, markSending, recordResults } from '../db/ledger';
import { erasedContacts } from '../db/privacy';
import { reserveRecoverySend } from '../db/recovery';
import type { RecoveryDeps } from './recovery';
import { beginSendAttempt } from './send-attempt';

export interface RecoverySms {
  caseId: number;
  /** The ledger step: recovery:<case>:<kind>. */
  step: string;
  /** What it is, for the log: confirmation, reminder, current-notice. */
  kind: string;
  contactId: number;
  e164: string;
  language: string;
  text: string;
}

/** 'sent' (now), 'already_sent' (an earlier attempt), or not sent: 'erased', or the provider's refusal. */
export async function sendRecoverySmsOnce(deps: RecoveryDeps, m: RecoverySms, at: Date): Promise<{ sent: boolean; reason: string }> {
  if ((await erasedContacts(deps.pool, [m.contactId])).size) {
    deps.log(`recovery ${m.kind} of case ${m.caseId} not sent: contact ${m.contactId} is erased or holds an erased identifier`);
    return { sent: false, reason: 'erased' };
  }
  const attempt = await beginSendAttempt(deps.pool, { scope: m.step, ledger: { campaignId: null, step: m.step, contactIds: [m.contactId] } }, { leaseMs: deps.sendLeaseMs, log: deps.log });
  let r: SmsSendResult;
  try {
    const row = await reserveRecoverySend(deps.pool, m.contactId, m.step, at);
    if (row.state !== 'reserved') {
      // An earlier attempt: sent, or lost in flight. Never blindly again: found in the provider's list or left alone.
      if (row.state === 'sending' && !row.providerId && (await adoptStaleSending(deps.pool, [row.id], attempt.id)).has(row.id)) {
        const listed = await deps.sms.findSentSince(m.e164, new Date(at.getTime() - 86_400_000));
        const hit = listed.find((x) => x.body === m.text);
        await recordResults(deps.pool, [hit ? { id: row.id, state: 'sent', providerId: hit.providerId } : { id: row.id, state: 'unknown' }], at);
      }
      return { sent: true, reason: 'already_sent' };
    }
    const composed = composeSms(m.text, m.language, 'transactional');
    const owned = await markSending(deps.pool, [row.id], at, attempt.id);
    const stop = attempt.stopReason(deps.sms.callTimeoutMs);
    if (!owned.has(row.id) || stop) throw ApplicationFailure.retryable(`recovery ${m.kind} of case ${m.caseId} not sent now: ${stop ?? 'taken by another attempt'}`, 'AttemptFenced');
    r = await deps.sms.send({ to: m.e164, body: composed.text, statusCallbackUrl: statusCallbackUrlFor(`${deps.publicBaseUrl}/webhooks/twilio/status`, row.id), ledgerId: row.id });
    deps.log(`recovery ${m.kind} ${r.ok ? 'sent' : `refused ${r.code}`} to ${maskPhone(m.e164)} (case ${m.caseId}, ledger ${row.id})`);
    await recordResults(
      deps.pool,
      [r.ok ? { id: row.id, state: 'sent', providerId: r.providerId, providerStatus: r.status, segments: composed.analysis.segments, encoding: composed.analysis.encoding } : { id: row.id, state: 'failed', errorCode: String(r.code), errorMessage: r.message }],
      at,
    );
  } finally {
    await attempt.finish().catch(() => {});
  }
  return r.ok ? { sent: true, reason: 'sent' } : { sent: false, reason: `provider_refused:${r.code}` };
}
