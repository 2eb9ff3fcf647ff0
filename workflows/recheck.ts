import { continueAsNew, proxyActivities, setHandler, sleep, uuid4, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { recheckProgress, type RecheckInput, type RecheckProgress, type RecheckReport, type RecheckState, type RecheckTotals } from './messages/recheck';

const { recheckBatch, nextRecheckDue, finishRecheck } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

/**
 * Recheck: re-validates numbers through the carrier lookup, batch by batch in contact id order
 * (the contacts stay in PostgreSQL; history holds a cursor and counts). After a pass it sleeps
 * until the numbers that asked to be rechecked in hours (switched off, out of service,
 * inconclusive) are due and rechecks those, up to maxFollowUps times; the regular (quarterly)
 * cycle is a schedule running this workflow with dueOnly.
 */
export async function recheckWorkflow(input: RecheckInput): Promise<RecheckReport> {
  const state: RecheckState = input.state ?? { jobId: uuid4(), pass: 1, afterId: 0, dueOnly: input.dueOnly, followUps: 0, totals: emptyTotals(), passes: [emptyTotals()] };
  const progress: RecheckProgress = { phase: 'checking', pass: state.pass, totals: state.totals, passes: state.passes, nextRecheckAt: null, pendingShortRechecks: 0 };
  setHandler(recheckProgress, () => progress);

  for (;;) {
    for (;;) {
      const r = await recheckBatch({ jobId: state.jobId, pass: state.pass, afterId: state.afterId, limit: input.batchSize, dueOnly: state.dueOnly });
      add(state.totals, r);
      add(state.passes[state.passes.length - 1]!, r);
      if (r.lastId === null) break;
      state.afterId = r.lastId;
      const info = workflowInfo();
      if (info.continueAsNewSuggested || info.historyLength > 2_000) await continueAsNew<typeof recheckWorkflow>({ ...input, state });
    }
    const next = await nextRecheckDue({ horizonHours: input.followUpHorizonHours });
    progress.pendingShortRechecks = next.count;
    progress.nextRecheckAt = next.at;
    if (!input.followUp || state.followUps >= input.maxFollowUps || next.dueInMs === null) break;
    progress.phase = 'waiting';
    await sleep(Math.max(next.dueInMs, 1_000));
    state.pass++;
    state.followUps++;
    state.afterId = 0;
    state.dueOnly = true;
    state.passes.push(emptyTotals());
    progress.phase = 'checking';
    progress.pass = state.pass;
    progress.nextRecheckAt = null;
  }
  await finishRecheck({ jobId: state.jobId });
  progress.phase = 'done';
  return { ...state.totals, passes: state.passes, pendingShortRechecks: progress.pendingShortRechecks, nextRecheckAt: progress.nextRecheckAt };
}

const emptyTotals = (): RecheckTotals => ({ checked: 0, byOutcome: {}, byTransition: {}, tierChanges: 0, upgraded: 0, downgraded: 0 });

function add(into: RecheckTotals, r: RecheckTotals): void {
  into.checked += r.checked;
  into.tierChanges += r.tierChanges;
  into.upgraded += r.upgraded;
  into.downgraded += r.downgraded;
  for (const [k, n] of Object.entries(r.byOutcome)) into.byOutcome[k] = (into.byOutcome[k] ?? 0) + n;
  for (const [k, n] of Object.entries(r.byTransition)) into.byTransition[k] = (into.byTransition[k] ?? 0) + n;
}
