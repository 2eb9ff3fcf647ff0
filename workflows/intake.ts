import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { bulkTaskQueue } from './ids';
import { inLanes } from './lanes';
import {
  intakeProgress,
  type IntakeInput,
  type IntakeProgress,
  type IntakeReport,
  type IntakeState,
  type IntakeTotals,
} from './shared';

const activityOptions = { startToCloseTimeout: '10 minutes', heartbeatTimeout: '2 minutes', retry: { maximumAttempts: 5 } } as const;
const { indexIntake, finishIntake } = proxyActivities<Activities>(activityOptions);

/** Batches handled per run before continue-as-new is considered: keeps history bounded. */
const BATCHES_PER_ROUND = 64;

/**
 * AudienceIntake: the uploaded rows (in PostgreSQL, never in history) are normalised batch by
 * batch, indexed, merged into contacts hash range by hash range, and summarised. Only ids,
 * cursors and counts travel through history.
 */
export async function audienceIntakeWorkflow(input: IntakeInput): Promise<IntakeReport> {
  const state: IntakeState = input.state ?? { nextSeq: 1, nextPartition: 0, indexed: false, totals: emptyTotals() };
  const progress = (): IntakeProgress => ({
    phase: state.nextSeq <= input.totalRows ? 'normalising' : state.nextPartition < input.partitions ? 'merging' : 'finishing',
    totalRows: input.totalRows,
    rowsNormalised: Math.min(state.nextSeq - 1, input.totalRows),
    partitions: input.partitions,
    partitionsMerged: state.nextPartition,
  });
  setHandler(intakeProgress, progress);
  const t = state.totals;
  const { normalizeIntakeBatch, mergeIntakePartition } = proxyActivities<Activities>({
    ...activityOptions,
    taskQueue: bulkTaskQueue(workflowInfo().taskQueue),
  });

  while (state.nextSeq <= input.totalRows) {
    const starts: number[] = [];
    for (let s = state.nextSeq; s <= input.totalRows && starts.length < BATCHES_PER_ROUND; s += input.batchSize) starts.push(s);
    const done = new Set<number>();
    await inLanes(starts, input.parallelism, async (from) => {
      const r = await normalizeIntakeBatch({ importId: input.importId, fromSeq: from, toSeq: from + input.batchSize });
      t.read += r.read;
      t.valid += r.valid;
      addCounts(t.rejected, r.rejected);
      done.add(from);
      // The cursor only passes batches that are all done.
      while (done.has(state.nextSeq)) state.nextSeq += input.batchSize;
    });
    await maybeContinue(input, state);
  }

  if (!state.indexed) {
    await indexIntake({ importId: input.importId });
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
      done.add(partition);
      while (done.has(state.nextPartition)) state.nextPartition++;
    });
    await maybeContinue(input, state);
  }

  const rejectedByReason = { ...t.rejected };
  addCounts(rejectedByReason, input.parseRejected);
  return finishIntake({
    importId: input.importId,
    report: {
      importId: input.importId,
      rowsRead: t.read + sum(input.parseRejected),
      accepted: t.valid,
      rejected: sum(rejectedByReason),
      rejectedByReason,
      mergedDuplicates: t.valid - t.created,
      contacts: t.contacts,
      created: t.created,
      quarantined: t.quarantined,
      quarantinedByReason: t.quarantinedByReason,
      tiers: t.tiers,
    },
  });
}

async function maybeContinue(input: IntakeInput, state: IntakeState): Promise<void> {
  const info = workflowInfo();
  if (info.continueAsNewSuggested || info.historyLength > 2_000) await continueAsNew<typeof audienceIntakeWorkflow>({ ...input, state });
}

const emptyTotals = (): IntakeTotals => ({ read: 0, valid: 0, rejected: {}, contacts: 0, created: 0, quarantined: 0, quarantinedByReason: {}, tiers: {} });

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
