import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { retentionProgress, type RetentionInput, type RetentionReport } from './messages/retention';

const { retentionCutoffsNow, purgeRetentionBatch, countRetentionDue } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5 },
});

/**
 * The retention purge: the cutoff of every kind of row is fixed once (the contact policy's
 * retention section at the run's start), then each kind is purged batch by batch (one activity
 * and one transaction per batch) until a batch comes back short. Only kinds, cutoffs and counts
 * are in history. Run once by `reachloop privacy retention`, or by its schedule.
 */
export async function retentionWorkflow(input: RetentionInput): Promise<RetentionReport> {
  const state = input.state ?? { cutoffs: await retentionCutoffsNow(), at: 0, purged: {} };
  setHandler(retentionProgress, () => ({ kind: state.cutoffs[state.at]?.kind ?? null, purged: state.purged }));
  while (state.at < state.cutoffs.length) {
    const c = state.cutoffs[state.at]!;
    if (input.dryRun) {
      state.purged[c.kind] = await countRetentionDue({ kind: c.kind, before: c.before });
      state.at++;
      continue;
    }
    const n = await purgeRetentionBatch({ kind: c.kind, before: c.before, limit: input.batchSize });
    state.purged[c.kind] = (state.purged[c.kind] ?? 0) + n;
    if (n < input.batchSize) state.at++;
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > 2_000) await continueAsNew<typeof retentionWorkflow>({ ...input, state });
  }
  const kinds = state.cutoffs.map((c) => ({ ...c, rows: state.purged[c.kind] ?? 0 }));
  return { dryRun: input.dryRun, kinds, total: kinds.reduce((n, k) => n + k.rows, 0) };
}
