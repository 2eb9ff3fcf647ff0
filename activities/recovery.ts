/**
 * Activities of the RecoveryWorkflow: when may the candidate be asked, ask it (one ledger row per
 * case and step before the provider call), and settle the case (merge, suppress, close).
 * The workflow reads no clock: these return delays.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { confirmationText, type ConfirmationKind } from '../core/recovery/confirmation';
import { deviceFarmOf } from '../core/device-farm';
import { MERGE_RULES } from '../core/recovery/merge';
import { recoveryWindowDelay } from '../core/recovery/window';
import { countryLevelTimeZones, UNKNOWN_TIME_ZONE } from '../core/phone';
import { maskPhone } from '../core/mask';
import type { SmsSender } from '../channels/sms';
import type { Pool } from '../db/pool';
import { candidateView, closeCase, markConfirmationSent } from '../db/recovery';
import { mergeConfirmed, type MergeResult } from '../db/recovery-merge';
import { recordSuppression } from '../db/suppressions';
import { inTransaction } from '../db/transaction';
import type { ScorePolicy } from '../core/score-policy';
import { refoldContacts } from '../services/events';
import { Context } from '@temporalio/activity';
import { startOrSignalRecovery, type RecoveryOptions } from '../services/recovery-lifecycle';
import { scanDeadContacts, type ScanPage } from '../services/recovery-detect';
import { sendRecoverySmsOnce } from './recovery-send';
import { launchCampaign } from '../services/campaign-launch';

export interface RecoveryDeps {
  pool: Pool;
  policy: ScorePolicy;
  sms: SmsSender;
  publicBaseUrl: string;
  now: () => Date | Promise<Date>;
  log: (message: string) => void;
  /** The lease of a send attempt (activities/send-attempt.ts). */
  sendLeaseMs: number;
}

/** One confirmation per candidate number per 30 days, whatever case asks. */
export const CONFIRMATION_LIMIT_MS = 30 * 86_400_000;

export type ConfirmationPlan = { action: 'send' } | { action: 'wait'; delayMs: number; reason: 'quiet_hours' | 'outside_window' | 'holiday' | 'confirmation_limit' } | { action: 'stop'; reason: 'opted_out' | 'erased' | 'device_farm' | 'no_local_time' | 'case_closed' | 'no_candidate' };

export const createRecoveryActivities = (deps: RecoveryDeps) => ({
  /** May the candidate be asked now? If not: how long to wait, or why never. */
  async planRecoveryConfirmation(input: { caseId: number; kind: ConfirmationKind }): Promise<ConfirmationPlan> {
    const now = await deps.now();
    const v = await candidateView(deps.pool, input.caseId, new Date(now.getTime() - CONFIRMATION_LIMIT_MS));
    if (!v) return { action: 'stop', reason: 'no_candidate' };
    if (!['matched', 'confirmation_sent'].includes(v.state)) return { action: 'stop', reason: 'case_closed' };
    if (v.optedOut) return { action: 'stop', reason: 'opted_out' };
    if (v.erased) return { action: 'stop', reason: 'erased' };
    // Matched before its farm was known (a later import): never asked.
    if (deviceFarmOf(v.farmSignals).farm) return { action: 'stop', reason: 'device_farm' };
    if (input.kind === 'confirmation' && v.lastOtherConfirmationAt)
      return { action: 'wait', delayMs: Math.max(1, v.lastOtherConfirmationAt.getTime() + CONFIRMATION_LIMIT_MS - now.getTime()), reason: 'confirmation_limit' };
    const unknownZone = v.timeZones.length === 0 || v.timeZones.includes(UNKNOWN_TIME_ZONE);
    const code = parsePhoneNumberFromString(v.e164)?.countryCallingCode;
    const w = recoveryWindowDelay({ country: v.country, timeZones: v.timeZones, countryZones: unknownZone && code ? countryLevelTimeZones(code) : [] }, now.getTime());
    if (!w) return { action: 'stop', reason: 'no_local_time' };
    if (w.delayMs > 0) return { action: 'wait', delayMs: w.delayMs, reason: w.reason === 'open' ? 'outside_window' : w.reason };
    return { action: 'send' };
  },

  /**
   * Sends the confirmation (or the reminder) once: the ledger row (category 'recovery', never
   * counted against marketing caps) exists before the provider call; a retry finds it and does
   * not send again. The opt-out and an erasure are checked again right before the call.
   */
  async sendRecoveryConfirmation(input: { caseId: number; kind: ConfirmationKind; brand: string }): Promise<{ sent: boolean; reason: string }> {
    const at = await deps.now();
    const v = await candidateView(deps.pool, input.caseId, new Date(at.getTime() - CONFIRMATION_LIMIT_MS));
    if (!v || !['matched', 'confirmation_sent'].includes(v.state)) return { sent: false, reason: 'case_closed' };
    if (v.optedOut) return { sent: false, reason: 'opted_out' };
    if (v.erased) return { sent: false, reason: 'erased' };
    if (deviceFarmOf(v.farmSignals).farm) return { sent: false, reason: 'device_farm' };
    const { language, text } = confirmationText(v.language, input.brand, input.kind);
    const r = await sendRecoverySmsOnce(deps, { caseId: input.caseId, step: `recovery:${input.caseId}:${input.kind}`, kind: input.kind, contactId: v.candidateId, e164: v.e164, language, text }, at);
    if (!r.sent) return r;
    await markConfirmationSent(deps.pool, input.caseId, input.kind, at);
    return r;
  },

  /** confirm -> merge; refuse -> the candidate is suppressed (opt-out), case refused; else closed. */
  async settleRecoveryCase(input: {
    caseId: number;
    outcome: 'confirmed' | 'refused' | 'expired' | 'cancelled';
    reason?: string;
    followUpCampaignId?: number | null;
    actor: string;
  }): Promise<{ state: string; merge?: MergeResult }> {
    const at = await deps.now();
    if (input.outcome === 'confirmed') {
      // A candidate found to be a device-farm account after it was asked is never merged.
      const v = await candidateView(deps.pool, input.caseId, at);
      const farm = v ? deviceFarmOf(v.farmSignals) : null;
      if (farm?.farm) {
        deps.log(`recovery case ${input.caseId}: the candidate ${maskPhone(v!.e164)} is a device-farm account (${farm.rules.join(', ')}): not merged`);
        await closeCase(deps.pool, input.caseId, 'cancelled', at, { replyKind: 'confirm', closeReason: 'device_farm' });
        return { state: 'cancelled' };
      }
      const merge = await mergeConfirmed(deps.pool, input.caseId, { actor: input.actor, at, followUpCampaignId: input.followUpCampaignId ?? null, rules: MERGE_RULES });
      // The customer answered from the new number, so the line is live. Scored again with that,
      // the merged customer leaves the verification pool (tier D, where the dead old number had
      // put them) and the welcome-back reaches a tier the template has a channel for.
      await rescoreConfirmedNumber(deps, merge.newContactId, input.caseId, at);
      if (merge.welcomeBackCampaignId !== null) await launchWelcomeBack(deps.pool, merge.welcomeBackCampaignId);
      return { state: 'confirmed', merge };
    }
    if (input.outcome === 'refused') {
      const v = await candidateView(deps.pool, input.caseId, at);
      if (v) await recordSuppression(deps.pool, { contactId: v.candidateId, channel: 'sms', kind: 'opt_out', source: `recovery:${input.caseId}`, proof: { reply: 'refuse', at: at.toISOString() } });
      await closeCase(deps.pool, input.caseId, 'refused', at, { replyKind: 'refuse', closeReason: input.reason ?? 'refused' });
      return { state: 'refused' };
    }
    await closeCase(deps.pool, input.caseId, input.outcome, at, { closeReason: input.reason ?? null });
    return { state: input.outcome };
  },

  /** One page of the scheduled scan (RecoveryScanWorkflow); starts the cases' workflows through this worker's client. */
  async scanRecoveryPage(input: { afterId: number; limit: number; minFailures: number; options: RecoveryOptions }): Promise<ScanPage> {
    const client = Context.current().client;
    return scanDeadContacts(deps.pool, { ...input, at: await deps.now(), start: (k) => startOrSignalRecovery(client, deps.pool, k, input.options) });
  },
});

/**
 * Starts the welcome-back campaign's workflow on this worker's task queue; a retry finds it
 * started (the id is the campaign's) and leaves it be.
 */
async function launchWelcomeBack(pool: Pool, campaignId: number): Promise<void> {
  const ctx = Context.current();
  await launchCampaign({ pool, client: ctx.client, taskQueue: ctx.info.taskQueue }, campaignId, { lanes: 1, batchSize: 100 });
}

/**
 * The merged contact's number answered: status active (reachable, in SMS lists), and its activity
 * folded again from the events, its own and those the merge moved to it; score and tier follow.
 * Idempotent.
 */
async function rescoreConfirmedNumber(deps: RecoveryDeps, contactId: number, caseId: number, at: Date): Promise<void> {
  await inTransaction(deps.pool, (client) => refoldContacts(client, deps, new Map([[contactId, []]]), at, undefined, { numberStatus: 'active', cause: `recovery:confirmed:${caseId}` }));
}
