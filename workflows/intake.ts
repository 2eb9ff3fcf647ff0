import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { bulkTaskQueue } from './ids';
import { inLanes } from './lanes';
import { intakeProgress, type IntakeInput, type IntakeProgress, type IntakeReport, type IntakeState, type IntakeTotals } from './messages/intake';

const activityOptions = { startToCloseTimeout: '10 minutes', heartbeatTimeout: '2 minutes', retry: { maximumAttempts: 5 } } as const;
const { indexIntake, finishIntake } = proxyActivities<Activities>(activityOptions);

/** Partitions merged per run before continue-as-new is considered: keeps history bounded. */
const BATCHES_PER_ROUND = 64;

/**
 * AudienceIntake: the upload validated and normalised the file's rows into a staging table (in
 * PostgreSQL, never in history) and rejected the others; the registrations per range and device
 * are counted, the rows merged into contacts hash range by hash range, and summarised. Only
 * ids, cursors and counts travel through history.
 */
export async function audienceIntakeWorkflow(input: IntakeInput): Promise<IntakeReport> {
  const state: IntakeState = input.state ?? { nextPartition: 0, indexed: false, totals: emptyTotals() };
  const progress = (): IntakeProgress => ({
    phase: !state.indexed ? 'indexing' : state.nextPartition < input.partitions ? 'merging' : 'finishing',
    totalRows: input.validRows,
    partitions: input.partitions,
    partitionsMerged: state.nextPartition,
  });
  setHandler(intakeProgress, progress);
  const t = state.totals;
  const { mergeIntakePartition } = proxyActivities<Activities>({
    ...activityOptions,
    taskQueue: bulkTaskQueue(workflowInfo().taskQueue),
  });

  if (!state.indexed) {
    const indexed = await indexIntake({ importId: input.importId });
    // Rows without a phone whose customer id names no contact (runs recorded before this returned nothing).
    if (indexed?.rejectedByReason && Object.keys(indexed.rejectedByReason).length) t.rejectedAtIndex = indexed.rejectedByReason;
    state.indexed = true;
  }

  while (state.nextPartition < input.partitions) {
    const parts: number[] = [];
    for (let p = state.nextPartition; p < input.partitions && parts.length < BATCHES_PER_ROUND; p++) parts.push(p);
    const done = new Set<number>();
    await inLanes(parts, input.parallelism, async (partition) => {
      const r = await mergeIntakePartition({ importId: input.importId, partition, partitions: input.partitions });
      t.contacts += r.contacts;
      t.created += r.created;
      t.quarantined += r.quarantined;
      addCounts(t.quarantinedByReason, r.quarantinedByReason);
      addCounts(t.tiers, r.tiers);
      addCounts(t.timeZones, r.timeZones);
      // Partition results recorded before consentNever existed have none (replayed histories).
      if (r.consentNever) addCounts((t.consentNever ??= {}), r.consentNever);
      done.add(partition);
      while (done.has(state.nextPartition)) state.nextPartition++;
    });
    await maybeContinue(input, state);
  }

  const rejectedByReason = { ...input.rejectedByReason };
  addCounts(rejectedByReason, t.rejectedAtIndex ?? {});
  const accepted = input.validRows - sum(t.rejectedAtIndex ?? {});
  return finishIntake({
    importId: input.importId,
    report: {
      importId: input.importId,
      rowsRead: input.rowsRead,
      accepted,
      rejected: sum(rejectedByReason),
      rejectedByReason,
      ...(input.warningsByReason ? { warnings: sum(input.warningsByReason), warningsByReason: input.warningsByReason } : {}),
      // Rows that merged into another row of this file; rows that updated a contact already here are `existing`.
      mergedDuplicates: accepted - t.contacts,
      existing: t.contacts - t.created,
      contacts: t.contacts,
      created: t.created,
      quarantined: t.quarantined,
      quarantinedByReason: t.quarantinedByReason,
      tiers: t.tiers,
      timeZones: t.timeZones,
      ...(t.consentNever ? { consentNever: t.consentNever } : {}),
    },
  });
}

async function maybeContinue(input: IntakeInput, state: IntakeState): Promise<void> {
  const info = workflowInfo();
  if (info.continueAsNewSuggested || info.historyLength > 2_000) await continueAsNew<typeof audienceIntakeWorkflow>({ ...input, state });
}

const emptyTotals = (): IntakeTotals => ({ contacts: 0, created: 0, quarantined: 0, quarantinedByReason: {}, tiers: {}, timeZones: {} });

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
