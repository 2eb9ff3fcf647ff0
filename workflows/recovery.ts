import { condition, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { cancelRecovery, currentNumberReply, recoveryDetected, recoveryReply, recoveryStatus, type RecoveryInput, type RecoveryStatus } from './messages/recovery';

const { planRecoveryConfirmation, sendRecoveryConfirmation, settleRecoveryCase, notifyCurrentNumber } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export const DEFAULT_REPLY_TIMEOUT_MS = 72 * 3_600_000;
export const DEFAULT_REMINDER_AFTER_MS = 48 * 3_600_000;

/**
 * RecoveryWorkflow, one per customer whose number died (id recovery-<contactId>): ask the likely
 * new number once, in its own local daytime -> wait for the answer (one reminder at most) ->
 * Y: merge the identities; T/STOP: suppress the number; silence: close. Replies are buffered by
 * the signal handler, so an answer that arrives while the confirmation is still being recorded
 * is handled; a "Y" before anything was asked is ignored, a refusal is honoured at any time.
 * A reported change while the current number is reachable (input.currentNumber): the current
 * number is told first, at once; its NO cancels the case at any point, and the merge waits for
 * its YES ('consent') or for its time to object to pass ('notify').
 */
export async function recoveryWorkflow(input: RecoveryInput): Promise<RecoveryStatus> {
  const replyTimeout = input.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
  const reminderAfter = input.reminderAfterMs ?? DEFAULT_REMINDER_AFTER_MS;
  const brand = input.brand ?? 'reachloop';
  const s: RecoveryStatus = {
    caseId: input.caseId,
    contactId: input.contactId,
    phase: 'waiting_window',
    confirmationsSent: 0,
    remindersSent: 0,
    reply: null,
    detections: 0, // signalWithStart delivers the first detection as a signal too
    ignoredReplies: 0,
    waitReason: null,
  };
  let cancelReason: string | null = null;
  const current = input.currentNumber;
  let currentTimeOver = false;
  if (current) s.currentNumber = { check: current.check, told: false, reply: null };
  setHandler(recoveryStatus, () => s);
  setHandler(recoveryDetected, () => void s.detections++);
  setHandler(cancelRecovery, ({ reason }) => void (cancelReason ??= reason));
  setHandler(recoveryReply, ({ reply }) => {
    if (s.reply !== null || reply === 'unclear') s.ignoredReplies++;
    // Nothing asked yet (waiting for the window): a "Y" confirms nothing.
    else if (reply === 'confirm' && s.phase === 'waiting_window') s.ignoredReplies++;
    else s.reply = reply;
  });
  setHandler(currentNumberReply, ({ reply }) => {
    if (!s.currentNumber || s.currentNumber.reply !== null) return void s.ignoredReplies++;
    s.currentNumber.reply = reply;
    if (reply === 'refuse') cancelReason ??= 'current_number_refused';
  });
  const refused = () => s.reply === 'refuse';
  const over = () => refused() || cancelReason !== null;

  /** Plans and waits until the candidate may be asked; false when it never may (or the case ended). */
  const inWindow = async (kind: 'confirmation' | 'reminder', budgetMs: number): Promise<{ ok: boolean; waited: number; stop?: string }> => {
    let waited = 0;
    for (;;) {
      const plan = await planRecoveryConfirmation({ caseId: input.caseId, kind });
      if (plan.action === 'send') return { ok: true, waited };
      if (plan.action === 'stop') return { ok: false, waited, stop: plan.reason };
      if (waited + plan.delayMs >= budgetMs) return { ok: false, waited, stop: 'budget' };
      s.waitReason = plan.reason;
      const woke = await condition(() => over() || (kind === 'reminder' && s.reply !== null), plan.delayMs);
      waited += plan.delayMs;
      s.waitReason = null;
      if (woke) return { ok: false, waited };
    }
  };

  const settle = async (outcome: 'confirmed' | 'refused' | 'expired' | 'cancelled', reason?: string) => {
    s.phase = outcome === 'confirmed' ? 'merging' : s.phase;
    const settled = await settleRecoveryCase({ caseId: input.caseId, outcome, reason, followUpCampaignId: input.followUpCampaignId ?? null, actor: `recovery-workflow:${workflowInfo().workflowId}` });
    // A confirmed candidate that turned out to be a device-farm account is cancelled, not merged.
    s.phase = settled.state === 'cancelled' ? 'cancelled' : outcome;
    await sleep(1); // a status query right after the end sees the final state
    return s;
  };

  // 0. The current number, still reachable, hears of the change before anything else happens.
  if (current) {
    const told = await notifyCurrentNumber({ caseId: input.caseId, brand });
    if (!told.sent) return settle('cancelled', `current_number_not_told:${told.reason}`);
    s.currentNumber!.told = true;
    void sleep(current.answerWithinMs).then(() => void (currentTimeOver = true));
  }

  // 1. The one confirmation, in the candidate's local window (no budget: a confirmation limit may take weeks).
  const first = await inWindow('confirmation', Number.MAX_SAFE_INTEGER);
  if (cancelReason !== null) return settle('cancelled', cancelReason);
  if (refused()) return settle('refused', 'refused_before_confirmation');
  if (first.stop === 'opted_out') return settle('refused', 'opted_out');
  if (!first.ok) return settle('cancelled', first.stop ?? 'not_sent');
  s.phase = 'sending';
  const sent = await sendRecoveryConfirmation({ caseId: input.caseId, kind: 'confirmation', brand });
  if (!sent.sent) {
    if (s.reply === 'refuse' || sent.reason === 'opted_out') return settle('refused', sent.reason);
    return settle('cancelled', sent.reason);
  }
  s.confirmationsSent = 1;
  s.phase = 'awaiting_reply';

  // 2. The answer: buffered replies count at once; one reminder if nothing came back by then.
  const answered = () => s.reply !== null || cancelReason !== null;
  let remaining = replyTimeout;
  if (reminderAfter > 0 && reminderAfter < replyTimeout) {
    if (!(await condition(answered, reminderAfter))) {
      remaining -= reminderAfter;
      const w = await inWindow('reminder', remaining);
      remaining -= w.waited;
      if (w.stop === 'opted_out') s.reply ??= 'refuse'; // opted out by other means meanwhile
      if (w.ok && !answered()) {
        const r = await sendRecoveryConfirmation({ caseId: input.caseId, kind: 'reminder', brand });
        if (r.sent) s.remindersSent = 1;
      }
    }
  }
  if (!answered() && remaining > 0) await condition(answered, remaining);

  if (cancelReason !== null && s.reply === null) return settle('cancelled', cancelReason);
  if (s.reply === 'confirm' && current) {
    // 3. The current number's say: its YES, or (notify) its time to object passing; a NO cancels.
    s.phase = 'awaiting_current_number';
    await condition(() => cancelReason !== null || s.currentNumber!.reply !== null || currentTimeOver);
    if (cancelReason !== null) return settle('cancelled', cancelReason);
    if (current.check === 'consent' && s.currentNumber!.reply !== 'consent') return settle('expired', 'current_number_no_answer');
  }
  if (s.reply === 'confirm') return settle('confirmed');
  if (s.reply === 'refuse') return settle('refused');
  return settle('expired', 'no_answer');
}
