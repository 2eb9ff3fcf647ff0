/**
 * Activities of the RecoveryWorkflow: when may the candidate be asked, ask it (one ledger row per
 * case and step before the provider call), and settle the case (merge, suppress, close).
 * The workflow reads no clock: these return delays.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { confirmationText, type ConfirmationKind } from '../core/recovery/confirmation';
import { deviceFarmOf } from '../core/device-farm';
import { matchCandidates, DEFAULT_MIN_CONFIDENCE, type CandidateLink } from '../core/recovery/match';
import { recoveryWindowDelay } from '../core/recovery/window';
import { countryLevelTimeZones, UNKNOWN_TIME_ZONE } from '../core/phone';
import { maskPhone } from '../core/mask';
import type { SmsSender } from '../channels/sms';
import type { Pool } from '../db/pool';
import { aliasTarget, candidateView, closeCase, findDeadContacts, markConfirmationSent, openCase, openCaseOf, recordMatch, reserveRecoverySend, type RecoveryCase } from '../db/recovery';
import { gatherLinks, selfReportedLink } from '../db/recovery-links';
import { mergeConfirmed, type MergeResult } from '../db/recovery-merge';
import { recordSuppression } from '../db/suppressions';
import { inTransaction } from '../db/transaction';
import type { ScorePolicy } from '../core/score-policy';
import { refoldContacts } from '../services/events';
import { Context } from '@temporalio/activity';
import { startOrSignalRecovery, type RecoveryOptions } from '../services/recovery-lifecycle';
import { mapConcurrent } from '../services/pacing';
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

export type ConfirmationPlan = { action: 'send' } | { action: 'wait'; delayMs: number; reason: 'quiet_hours' | 'outside_window' | 'holiday' | 'confirmation_limit' } | { action: 'stop'; reason: 'opted_out' | 'device_farm' | 'no_local_time' | 'case_closed' | 'no_candidate' };

export const createRecoveryActivities = (deps: RecoveryDeps) => ({
  /** May the candidate be asked now? If not: how long to wait, or why never. */
  async planRecoveryConfirmation(input: { caseId: number; kind: ConfirmationKind }): Promise<ConfirmationPlan> {
    const now = await deps.now();
    const v = await candidateView(deps.pool, input.caseId, new Date(now.getTime() - CONFIRMATION_LIMIT_MS));
    if (!v) return { action: 'stop', reason: 'no_candidate' };
    if (!['matched', 'confirmation_sent'].includes(v.state)) return { action: 'stop', reason: 'case_closed' };
    if (v.optedOut) return { action: 'stop', reason: 'opted_out' };
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
   * not send again. The opt-out is checked again right before the call.
   */
  async sendRecoveryConfirmation(input: { caseId: number; kind: ConfirmationKind; brand: string }): Promise<{ sent: boolean; reason: string }> {
    const at = await deps.now();
    const v = await candidateView(deps.pool, input.caseId, new Date(at.getTime() - CONFIRMATION_LIMIT_MS));
    if (!v || !['matched', 'confirmation_sent'].includes(v.state)) return { sent: false, reason: 'case_closed' };
    if (v.optedOut) return { sent: false, reason: 'opted_out' };
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
      const merge = await mergeConfirmed(deps.pool, input.caseId, { actor: input.actor, at, followUpCampaignId: input.followUpCampaignId ?? null });
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

export interface ScanPage {
  dead: number;
  casesOpened: number;
  matched: number;
  workflowsStarted: number;
  /** The last contact id looked at; null when the page was the last one. */
  lastId: number | null;
}

/** Workflows started at once while a scan page is handed over (signalWithStart round trips). */
const START_CONCURRENCY = 16;

/**
 * One page of a recovery scan: the dead contacts after `afterId`, their cases opened and matched,
 * and a RecoveryWorkflow started (or signalled) for every case with a candidate, unless dry run.
 * Used by `reachloop recovery scan` and the scheduled RecoveryScanWorkflow.
 */
export async function scanDeadContacts(
  pool: Pool,
  o: { afterId: number; limit: number; minFailures: number; at: Date; dryRun?: boolean; start: (k: RecoveryCase) => Promise<string> },
): Promise<ScanPage> {
  const dead = await findDeadContacts(pool, { minFailures: o.minFailures, limit: o.limit, afterId: o.afterId });
  const lastId = dead.length < o.limit ? null : dead[dead.length - 1]!.contactId;
  if (o.dryRun) return { dead: dead.length, ...(await previewDetectAndMatch(pool, dead)), workflowsStarted: 0, lastId };
  const results = await detectAndMatch(pool, dead, o.at);
  const toStart = results.filter((r) => r.case.state === 'matched').map((r) => r.case);
  await mapConcurrent(toStart, START_CONCURRENCY, async (k) => void (await o.start(k)));
  return {
    dead: dead.length,
    casesOpened: results.filter((r) => r.created).length,
    matched: results.filter((r) => r.matched).length,
    workflowsStarted: toStart.length,
    lastId,
  };
}

/**
 * What detectAndMatch would do, writing nothing (`recovery scan --dry-run`): the cases it would
 * open, and how many cases would have a candidate (an open case keeps its own match).
 */
export async function previewDetectAndMatch(
  pool: Pool,
  items: ReadonlyArray<{ contactId: number }>,
  minConfidence = DEFAULT_MIN_CONFIDENCE,
): Promise<{ casesOpened: number; matched: number }> {
  const links = await gatherLinks(pool, items.map((i) => i.contactId));
  let casesOpened = 0;
  let matched = 0;
  for (const item of items) {
    const open = await openCaseOf(pool, item.contactId);
    if (!open) casesOpened++;
    if (open && open.state !== 'detected') {
      if (open.matchedAt !== null) matched++;
      continue;
    }
    const own = links.get(item.contactId);
    if (own && matchCandidates(own.old, own.links, minConfidence).best) matched++;
  }
  return { casesOpened, matched };
}

export interface DetectResult {
  case: RecoveryCase;
  created: boolean;
  matched: boolean;
}

/**
 * Detection and matching for a batch of dead contacts (scan, operator, API): open (or find) the
 * case, gather the customer's links, pick the best candidate, record it with its evidence.
 * Cases that already have a candidate are left as they are.
 */
export async function detectAndMatch(
  pool: Pool,
  items: ReadonlyArray<{ contactId: number; reason: string; selfReportedE164?: string }>,
  at: Date,
  minConfidence = DEFAULT_MIN_CONFIDENCE,
): Promise<DetectResult[]> {
  const links = await gatherLinks(pool, items.map((i) => i.contactId));
  const out: DetectResult[] = [];
  for (const item of items) {
    const { case: k, created } = await openCase(pool, item.contactId, item.reason, at);
    if (k.state !== 'detected' && !(item.selfReportedE164 && k.state === 'matched')) {
      out.push({ case: k, created, matched: k.matchedAt !== null });
      continue;
    }
    const own = links.get(item.contactId);
    if (!own) continue;
    const all: CandidateLink[] = [...own.links];
    if (item.selfReportedE164) all.push(await selfReportedLink(pool, item.selfReportedE164));
    const match = matchCandidates(own.old, all, minConfidence);
    const recorded = await recordMatch(pool, k.id, match, at, match.best?.contactId === null ? item.selfReportedE164 : undefined);
    out.push({ case: recorded, created, matched: recorded.state === 'matched' });
  }
  return out;
}

/**
 * The merged contact's number answered: status active (reachable, in SMS lists), and its activity
 * folded again from the events, its own and those the merge moved to it; score and tier follow.
 * Idempotent.
 */
async function rescoreConfirmedNumber(deps: RecoveryDeps, contactId: number, caseId: number, at: Date): Promise<void> {
  await inTransaction(deps.pool, (client) => refoldContacts(client, deps, new Map([[contactId, []]]), at, undefined, { numberStatus: 'active', cause: `recovery:confirmed:${caseId}` }));
}
