/** The activity of a reported number change: tell the current number (services/number-change.ts opens the case). */
import { currentNumberNotice } from '../core/recovery/number-change';
import { currentNoticeView, markCurrentNoticeSent } from '../db/number-change';
import { OPEN_STATES, type RecoveryCase } from '../db/recovery';
import type { RecoveryDeps } from './recovery';
import { sendRecoverySmsOnce } from './recovery-send';

export const createNumberChangeActivities = (deps: RecoveryDeps) => ({
  /**
   * Tells the current number of the change, once (ledger row recovery:<case>:current-notice before
   * the provider call), at any hour: like a security code, it is worth most at night. Not sent to
   * a number that opted out of SMS, nor to an erased person (db/privacy.ts): then nobody can object,
   * and the workflow cancels the change.
   */
  async notifyCurrentNumber(input: { caseId: number; brand: string }): Promise<{ sent: boolean; reason: string }> {
    const at = await deps.now();
    const v = await currentNoticeView(deps.pool, input.caseId);
    if (!v || !OPEN_STATES.includes(v.state as RecoveryCase['state'])) return { sent: false, reason: 'case_closed' };
    if (!v.check || !v.candidateE164) return { sent: false, reason: 'no_check' };
    if (v.optedOut) return { sent: false, reason: 'opted_out' };
    if (v.erased) return { sent: false, reason: 'erased' };
    const { language, text } = currentNumberNotice(v.language, input.brand, v.check, v.candidateE164);
    const r = await sendRecoverySmsOnce(deps, { caseId: input.caseId, step: `recovery:${input.caseId}:current-notice`, kind: 'current-number notice', contactId: v.contactId, e164: v.e164, language, text }, at);
    if (r.sent) await markCurrentNoticeSent(deps.pool, input.caseId, at);
    return r;
  },
});
