import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { recoveryScanProgress, type RecoveryScanInput, type RecoveryScanTotals } from './messages/recovery-scan';

const { scanRecoveryPage } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 5 },
});

/**
 * The scheduled recovery scan: pages through the dead contacts in id order (only a cursor and
 * counts in history), opens and matches their cases and starts a RecoveryWorkflow per candidate.
 * A page that fails midway is retried whole: opening, matching and signalWithStart are idempotent.
 */
export async function recoveryScanWorkflow(input: RecoveryScanInput): Promise<RecoveryScanTotals> {
  const state = input.state ?? { afterId: 0, totals: { dead: 0, casesOpened: 0, matched: 0, workflowsStarted: 0, pages: 0 } };
  const t = state.totals;
  setHandler(recoveryScanProgress, () => t);
  for (;;) {
    const page = await scanRecoveryPage({ afterId: state.afterId, limit: input.pageSize, minFailures: input.minFailures, options: input.options });
    t.dead += page.dead;
    t.casesOpened += page.casesOpened;
    t.matched += page.matched;
    t.workflowsStarted += page.workflowsStarted;
    t.pages++;
    if (page.lastId === null) return t;
    state.afterId = page.lastId;
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > 2_000) await continueAsNew<typeof recoveryScanWorkflow>({ ...input, state });
  }
}
