import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ledgerSweepProgress, type LedgerSweepInput, type LedgerSweepReport, type LedgerSweepTotals } from './messages/ledger-sweep';

const { sweepLedgerPage } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  // A page heartbeats on every provider request: a dead worker's page is taken up again soon.
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

/**
 * The sweep of messages whose outcome never arrived: pages through the SMS ledger rows left in
 * 'sent', then the adopted second messages not final yet (only a cursor and counts in history),
 * each page fetched from the provider and applied as status callbacks by one activity. Run once by
 * `reachloop ledger sweep`, or by its schedule.
 */
export async function ledgerSweepWorkflow(input: LedgerSweepInput): Promise<LedgerSweepReport> {
  const state = input.state ?? { cursor: { phase: 'rows', after: '0' }, totals: emptyTotals() };
  setHandler(ledgerSweepProgress, () => ({ ...state.totals, phase: state.cursor?.phase ?? 'done' }));
  while (state.cursor) {
    const page = await sweepLedgerPage({ cursor: state.cursor, limit: input.pageSize, olderThanMs: input.olderThanMs, ...(input.giveUpMs ? { giveUpMs: input.giveUpMs } : {}), concurrency: input.concurrency, dryRun: input.dryRun });
    add(state.totals, page);
    state.cursor = page.next;
    const info = workflowInfo();
    if (state.cursor && (info.continueAsNewSuggested || info.historyLength > 2_000)) await continueAsNew<typeof ledgerSweepWorkflow>({ ...input, state });
  }
  return { ...state.totals, dryRun: input.dryRun, olderThanMs: input.olderThanMs, ...(input.giveUpMs ? { giveUpMs: input.giveUpMs } : {}) };
}

const emptyTotals = (): LedgerSweepTotals => ({ checked: 0, changed: 0, byTransition: {}, stillPending: 0, duplicatesChecked: 0, missingAtProvider: 0, errors: 0, pages: 0 });

function add(into: LedgerSweepTotals, page: LedgerSweepTotals): void {
  for (const k of ['checked', 'changed', 'stillPending', 'duplicatesChecked', 'missingAtProvider', 'errors', 'pages'] as const) into[k] += page[k];
  for (const [k, n] of Object.entries(page.byTransition)) into.byTransition[k] = (into.byTransition[k] ?? 0) + n;
}
