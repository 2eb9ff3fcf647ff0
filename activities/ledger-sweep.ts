/**
 * The sweep of messages whose outcome never arrived: SMS ledger rows left in 'sent' (a status
 * callback lost: the webhook was down, the provider gave up) and adopted second messages not
 * final yet, once their last word from the provider is older than the deadline. Each message's
 * current status is fetched from the provider (SmsSender.fetchMessage) and applied through the
 * status callback path (services/status-callbacks.ts), so a fetched status does exactly what
 * its callback would have done: the ledger moves forward, never back, the outcome is fed back to
 * the contact once, and a second sweep (or a late callback) changes nothing.
 */
import { Context } from '@temporalio/activity';
import { ChannelConfigError } from '../channels/errors';
import type { ProviderSms, SmsSender } from '../channels/sms';
import { STATUS_INFO } from '../core/delivery-outcome';
import { adoptedToSweep, markSwept, sentRowsToSweep, type SweepTarget } from '../db/ledger-sweep';
import type { FeedbackDeps } from '../services/feedback';
import { mapConcurrent } from '../services/pacing';
import { applyStatusCallbacks, type StatusCallback } from '../services/status-callbacks';
import type { LedgerSweepCursor, LedgerSweepTotals } from '../workflows/messages/ledger-sweep';

/** One page of the sweep: its counts and where the next page starts. */
export interface LedgerSweepPage extends LedgerSweepTotals {
  next: LedgerSweepCursor;
}

export interface LedgerSweepDeps extends FeedbackDeps {
  sms: SmsSender;
}

export interface SweepPageInput {
  cursor: Exclude<LedgerSweepCursor, null>;
  limit: number;
  olderThanMs: number;
  /** Messages first sent before now minus this are not asked about (absent: all). */
  giveUpMs?: number;
  concurrency: number;
  dryRun: boolean;
}

/** The replay key of a status the sweep fetched: the same status of the same message is applied once. */
const sweepKey = (sid: string, status: string) => `sweep:${sid}:${status}`;

export const createLedgerSweepActivities = (deps: LedgerSweepDeps) => ({
  /**
   * One page of the sweep: up to `limit` messages after the cursor, fetched from the provider with
   * at most `concurrency` requests in flight (heartbeating), applied in one transaction, marked as
   * swept. Retry-safe: a status applied before is a replay. A failed request is counted and left
   * for the next sweep; wrong credentials fail the activity.
   */
  async sweepLedgerPage(input: SweepPageInput): Promise<LedgerSweepPage> {
    const now = await deps.now();
    const cutoff = new Date(now.getTime() - input.olderThanMs);
    const sentAfter = input.giveUpMs ? new Date(now.getTime() - input.giveUpMs) : null;
    const page: LedgerSweepPage = { checked: 0, changed: 0, byTransition: {}, stillPending: 0, duplicatesChecked: 0, missingAtProvider: 0, errors: 0, pages: 1, next: null };
    const { phase, after } = input.cursor;
    const targets = phase === 'rows' ? await sentRowsToSweep(deps.pool, { afterId: after, cutoff, sentAfter, limit: input.limit }) : await adoptedToSweep(deps.pool, { afterId: after, cutoff, sentAfter, limit: input.limit });
    if (targets.length === input.limit) page.next = { phase, after: phase === 'rows' ? targets.at(-1)!.ledgerId : targets.at(-1)!.providerId };
    else if (phase === 'rows') page.next = { phase: 'adopted', after: '' };
    if (targets.length === 0) return page;

    const fetched = new Map<SweepTarget, ProviderSms | null>();
    await mapConcurrent(targets, Math.max(1, input.concurrency), async (t) => {
      try {
        fetched.set(t, await deps.sms.fetchMessage(t.providerId));
      } catch (err) {
        if (err instanceof ChannelConfigError) throw err;
        page.errors++;
        deps.log(`sweep: fetching ${t.providerId} (ledger ${t.ledgerId}) failed: ${(err as Error).message.split('\n')[0]}`);
      }
      Context.current().heartbeat();
    });

    const asked = targets.filter((t) => fetched.has(t));
    const statuses = asked.flatMap((t) => {
      const m = fetched.get(t);
      return m && m.status ? [{ t, status: m.status, errorCode: m.errorCode }] : [];
    });
    const callbacks: StatusCallback[] = statuses.map(({ t, status, errorCode }) => ({ replayKey: sweepKey(t.providerId, status), messageSid: t.providerId, status, errorCode, ledgerId: t.ledgerId }));
    const results = await applyStatusCallbacks(input.dryRun ? { ...deps, log: () => {} } : deps, callbacks, { dryRun: input.dryRun });
    page.checked = asked.length;
    page.missingAtProvider = asked.filter((t) => fetched.get(t) === null).length;
    if (phase === 'adopted') page.duplicatesChecked = asked.length;
    statuses.forEach(({ t, status }, i) => {
      const r = results[i];
      if (r === 'applied' || r === 'duplicate') {
        page.changed++;
        const key = `${t.status ?? 'unknown'} -> ${status}`;
        page.byTransition[key] = (page.byTransition[key] ?? 0) + 1;
      } else if (!STATUS_INFO[status].terminal) page.stillPending++;
    });
    if (!input.dryRun) await markSwept(deps.pool, asked.map((t) => t.providerId), now);
    return page;
  },
});
