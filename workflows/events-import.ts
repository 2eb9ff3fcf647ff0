import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { inLanes } from './lanes';
import { eventImportProgress, type EventImportInput, type EventImportReport } from './messages/events-import';
import type { EventBatchSummary } from '../core/event-summary';

const { ingestEventImportBatch, finishEventImport } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

/** Batches handled per run before continue-as-new is considered: keeps history bounded. */
const BATCHES_PER_ROUND = 64;
/** Distinct unknown source names kept in the report (the activity counts the rest as "(other)"). */
const UNKNOWN_NAMES_KEPT = 100;

/**
 * EventsImport: the staged lines (in PostgreSQL, never in history) are ingested batch by batch;
 * each batch stores its events, re-scores the contacts they touch and records its rejects in one
 * transaction. Only ids, cursors and counts travel through history.
 */
export async function eventsImportWorkflow(input: EventImportInput): Promise<EventImportReport> {
  const state = input.state ?? { nextSeq: 1, totals: emptySummary() };
  setHandler(eventImportProgress, () => ({ totalRows: input.totalRows, rowsDone: Math.min(state.nextSeq - 1, input.totalRows) }));
  const t = state.totals;
  while (state.nextSeq <= input.totalRows) {
    const starts: number[] = [];
    for (let s = state.nextSeq; s <= input.totalRows && starts.length < BATCHES_PER_ROUND; s += input.batchSize) starts.push(s);
    const done = new Set<number>();
    await inLanes(starts, input.parallelism, async (from) => {
      add(t, await ingestEventImportBatch({ importId: input.importId, fromSeq: from, toSeq: from + input.batchSize }));
      done.add(from);
      while (done.has(state.nextSeq)) state.nextSeq += input.batchSize;
    });
    const info = workflowInfo();
    if (state.nextSeq <= input.totalRows && (info.continueAsNewSuggested || info.historyLength > 2_000))
      await continueAsNew<typeof eventsImportWorkflow>({ ...input, state });
  }
  for (const [k, n] of Object.entries(input.parseRejected)) {
    t.read += n;
    t.rejected += n;
    t.rejectedByReason[k] = (t.rejectedByReason[k] ?? 0) + n;
  }
  return finishEventImport({ importId: input.importId, report: { importId: input.importId, ...t } });
}

const emptySummary = (): EventBatchSummary => ({
  read: 0, stored: 0, duplicates: 0, rejected: 0, rejectedByReason: {}, unknownTags: {}, unmatched: 0, tags: {}, contactsRescored: 0, tierChanges: 0,
});

function add(into: EventBatchSummary, s: EventBatchSummary): void {
  for (const k of ['read', 'stored', 'duplicates', 'rejected', 'unmatched', 'contactsRescored', 'tierChanges'] as const) into[k] += s[k];
  for (const [k, n] of Object.entries(s.rejectedByReason)) into.rejectedByReason[k] = (into.rejectedByReason[k] ?? 0) + n;
  for (const [k, n] of Object.entries(s.tags)) into.tags[k] = (into.tags[k] ?? 0) + n;
  if (s.warningsByReason) {
    into.warnings = (into.warnings ?? 0) + (s.warnings ?? 0);
    for (const [k, n] of Object.entries(s.warningsByReason)) (into.warningsByReason ??= {})[k] = (into.warningsByReason[k] ?? 0) + n;
  }
  for (const [k, n] of Object.entries(s.unknownTags)) {
    const key = k in into.unknownTags || Object.keys(into.unknownTags).length < UNKNOWN_NAMES_KEPT ? k : '(other)';
    into.unknownTags[key] = (into.unknownTags[key] ?? 0) + n;
  }
}
